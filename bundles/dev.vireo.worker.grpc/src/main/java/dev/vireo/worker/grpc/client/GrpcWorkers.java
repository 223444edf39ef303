package dev.vireo.worker.grpc.client;

import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.worker.grpc.internal.GrpcWorkerConnector;

/**
 * A worker's or controller's gRPC API from plain Java outside the framework (the load generator's live runs): the
 * same {@link RemoteWorker} the controller reaches its workers through. Inside the framework use the
 * {@link dev.vireo.api.cluster.WorkerConnector} service instead; this package is not exported (gRPC is embedded in
 * the bundle privately).
 */
public final class GrpcWorkers {
    private GrpcWorkers() {
    }

    /**
     * A handle on the API at {@code address} ({@code host:port}); connecting is lazy (see
     * {@link dev.vireo.api.cluster.WorkerConnector#connect}).
     *
     * @throws dev.vireo.api.model.ValidationException if the address is not {@code host:port}
     */
    public static RemoteWorker connect(String address, TaskScheduler scheduler) {
        return connect(address, scheduler, "");
    }

    /** {@link #connect(String, TaskScheduler)} presenting a bearer token on every call (empty: none). */
    public static RemoteWorker connect(String address, TaskScheduler scheduler, String token) {
        return new GrpcWorkerConnector(scheduler, token).connect(address);
    }

    /**
     * {@link #connect(String, TaskScheduler, String)} over TLS trusting the certificates in {@code caFile} (empty:
     * plaintext).
     *
     * @throws dev.vireo.api.model.ValidationException on {@code client.tls.ca.file} if the file is not usable
     */
    public static RemoteWorker connect(String address, TaskScheduler scheduler, String token, String caFile) {
        return new GrpcWorkerConnector(scheduler, token, caFile).connect(address);
    }
}
