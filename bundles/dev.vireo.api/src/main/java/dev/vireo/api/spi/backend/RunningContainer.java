package dev.vireo.api.spi.backend;

import java.util.Map;
import java.util.Objects;

/**
 * A container an earlier run of a worker instance left running (it was killed or crashed before it could remove it), as
 * its backend lists it: the worker takes it back ({@link ContainerBackend#adopt}) when it serves the same function
 * again, or has it removed ({@link ContainerBackend#reclaim}). Since 1.2.
 *
 * @param id     the container's id, as the worker made it ({@link ContainerRequest#id})
 * @param labels the labels it was created with ({@link ContainerRequest#labels} and the backend's own, e.g. the
 *               instance and function)
 */
public record RunningContainer(String id, Map<String, String> labels) {
    public RunningContainer {
        Objects.requireNonNull(id, "id");
        labels = Map.copyOf(Objects.requireNonNullElse(labels, Map.of()));
    }
}
