package dev.vireo.api.model;

import java.util.Map;
import java.util.Objects;

/**
 * A container a backend created. Immutable; the worker keeps the mutable state (idle, in use) beside it.
 *
 * @param id          backend-unique container id
 * @param functionId  the function it serves
 * @param backend     the backend plugin name that owns it
 * @param endpoint    where its agent listens
 * @param memoryMb    its memory limit
 * @param labels      labels it carries (instance, function), used to reclaim leftovers
 */
public record ContainerHandle(String id, String functionId, String backend, AgentEndpoint endpoint, int memoryMb,
        Map<String, String> labels) {
    public ContainerHandle {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(functionId, "functionId");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(endpoint, "endpoint");
        labels = Map.copyOf(Objects.requireNonNullElse(labels, Map.of()));
    }
}
