package dev.vireo.api.cluster;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Reaches a worker by address. Live, the gRPC bundle provides one (a channel per worker); the simulation provides
 * one that hands out in-process workers.
 *
 * <p>Threading: safe from any thread.
 */
@ProviderType
public interface WorkerConnector {

    /**
     * A handle on the worker at {@code address}. Connecting is lazy: an unreachable worker shows on the first call,
     * whose stage fails with a {@link dev.vireo.api.worker.WorkerException} of kind
     * {@link dev.vireo.api.model.ErrorKind#UNREACHABLE}; rejections by the worker keep their own kind.
     *
     * @throws dev.vireo.api.model.ValidationException if the address is not {@code host:port}
     */
    RemoteWorker connect(String address);
}
