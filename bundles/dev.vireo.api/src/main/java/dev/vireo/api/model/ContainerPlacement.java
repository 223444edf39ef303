package dev.vireo.api.model;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where a container runs on the host, as far as its backend knows: its cgroup directories and its init process. What
 * a resource tracker needs to confine a container it granted something to (its {@code cpuset.cpus}, or its cgroup id
 * for a BPF map). Immutable.
 *
 * <p>cgroup v1 has one hierarchy per controller, so a container has one directory per controller ({@code cpuset ->
 * /sys/fs/cgroup/cpuset/vireo/<id>}); cgroup v2 has one directory for all ({@code /sys/fs/cgroup/vireo/<id>}, or
 * under {@code /sys/fs/cgroup/unified} on a hybrid host). A host may show both. A backend without cgroups (the
 * simulated one, local processes) gives neither: the container is {@link #placed() unplaced}.
 *
 * @param containerId the container
 * @param functionId  the function it serves
 * @param controllers cgroup v1 directories by controller name ({@code cpuset}, {@code memory}, ...), absolute; only
 *                    those that exist
 * @param unified     the cgroup v2 directory, absolute, if it exists
 * @param pid         the container's init process on the host, if the backend knows it
 */
public record ContainerPlacement(String containerId, String functionId, Map<String, Path> controllers,
        Optional<Path> unified, OptionalLong pid) {
    public ContainerPlacement {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(functionId, "functionId");
        controllers = Map.copyOf(Objects.requireNonNullElse(controllers, Map.of()));
        unified = Objects.requireNonNullElse(unified, Optional.empty());
        pid = Objects.requireNonNullElse(pid, OptionalLong.empty());
    }

    /** A container whose backend knows no cgroup or process of it. */
    public static ContainerPlacement unplaced(ContainerHandle container) {
        return new ContainerPlacement(container.id(), container.functionId(), Map.of(), Optional.empty(),
                OptionalLong.empty());
    }

    /** Whether the backend knows a cgroup of the container (v1 or v2). */
    public boolean placed() {
        return !controllers.isEmpty() || unified.isPresent();
    }

    /** The cgroup v1 directory of {@code controller}, if there is one. */
    public Optional<Path> controller(String controller) {
        return Optional.ofNullable(controllers.get(controller));
    }
}
