package dev.vireo.api.spi.backend;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.spi.transport.TransportBinding;
import java.util.Map;
import java.util.Objects;

/**
 * What a backend needs to create one container.
 *
 * @param id        the container id to use: unique within the worker instance, also used by the transport binding;
 *                  the worker derives it from the function's name and keeps it to at most 50 characters of
 *                  [a-z0-9-] with no leading, trailing or doubled '-' (a containerd id, docker name, hostname and
 *                  file name as it is)
 * @param tid       the transaction that caused the creation (cold start or prewarm)
 * @param function  the function the container serves
 * @param instance  the worker instance id, written as a label so leftovers can be reclaimed
 * @param binding   what the chosen transport needs inside the container (mounts, environment, network)
 * @param labels    further labels
 * @param devices   device assignments from resource trackers (e.g. {@code gpu -> "0,1"})
 */
public record ContainerRequest(String id, String tid, FunctionSpec function, String instance, TransportBinding binding,
        Map<String, String> labels, Map<String, String> devices) {
    public ContainerRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tid, "tid");
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(binding, "binding");
        labels = Map.copyOf(Objects.requireNonNullElse(labels, Map.of()));
        devices = Map.copyOf(Objects.requireNonNullElse(devices, Map.of()));
    }
}
