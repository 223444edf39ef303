package dev.vireo.backend.support;

import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.ContainerPlacement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * A container's cgroup directories, found under the cgroup root for its path relative to it ({@code vireo/<id>}), on
 * any layout: cgroup v1 (one hierarchy per controller: {@code <root>/<controller>/<path>}), cgroup v2 alone
 * ({@code <root>/<path>}, the root has {@code cgroup.controllers}) and hybrid (v1 controllers beside cgroup2 at
 * {@code <root>/unified/<path>}). Only directories that exist are reported.
 */
public final class CgroupPlacement {
    /** Where the host mounts its cgroups. */
    public static final Path ROOT = Path.of("/sys/fs/cgroup");

    private CgroupPlacement() {
    }

    /** The placement of {@code container}, whose cgroup is {@code relative} under {@code root}. */
    public static ContainerPlacement of(ContainerHandle container, Path root, Path relative, OptionalLong pid) {
        if (relative == null) {
            return new ContainerPlacement(container.id(), container.functionId(), Map.of(), Optional.empty(), pid);
        }
        if (Files.exists(root.resolve("cgroup.controllers"))) { // cgroup v2 alone: no per-controller hierarchies
            return new ContainerPlacement(container.id(), container.functionId(), Map.of(),
                    existing(root.resolve(relative)), pid);
        }
        Map<String, Path> controllers = new HashMap<>();
        try (Stream<Path> hierarchies = Files.list(root)) {
            hierarchies.filter(h -> !h.getFileName().toString().equals("unified")).forEach(h -> {
                Path dir = h.resolve(relative);
                if (Files.isDirectory(dir)) {
                    controllers.put(h.getFileName().toString(), dir);
                }
            });
        } catch (IOException e) {
            // no cgroups mounted here: the container is unplaced
        }
        return new ContainerPlacement(container.id(), container.functionId(), controllers,
                existing(root.resolve("unified").resolve(relative)), pid);
    }

    private static Optional<Path> existing(Path dir) {
        return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
    }
}
