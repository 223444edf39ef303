package dev.vireo.backend.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.ContainerPlacement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A container's cgroup directories on the three layouts, in stand-in cgroup roots. */
class CgroupPlacementTest {
    private static final ContainerHandle C1 = new ContainerHandle("c1", "f-1", "containerd",
            new AgentEndpoint("uds", "/run/x", Map.of()), 64, Map.of());
    private static final Path REL = Path.of("vireo", "c1");

    @Test
    void hybridV1ControllersBesideCgroup2UnderUnified(@TempDir Path root) throws IOException {
        for (String h : new String[] {"cpuset", "memory", "unified"}) {
            Files.createDirectories(root.resolve(h).resolve(REL));
        }
        Files.createDirectories(root.resolve("pids")); // a hierarchy without the container: not listed
        ContainerPlacement p = CgroupPlacement.of(C1, root, REL, OptionalLong.of(42));
        assertEquals(Map.of("cpuset", root.resolve("cpuset/vireo/c1"), "memory", root.resolve("memory/vireo/c1")),
                p.controllers());
        assertEquals(Optional.of(root.resolve("unified/vireo/c1")), p.unified());
        assertEquals(OptionalLong.of(42), p.pid());
        assertEquals("f-1", p.functionId());
    }

    @Test
    void cgroup2AloneHasOneDirectory(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu memory pids\n");
        Files.createDirectories(root.resolve(REL));
        ContainerPlacement p = CgroupPlacement.of(C1, root, REL, OptionalLong.empty());
        assertEquals(Map.of(), p.controllers());
        assertEquals(Optional.of(root.resolve("vireo/c1")), p.unified());
    }

    @Test
    void noCgroupMeansUnplaced(@TempDir Path root) {
        assertFalse(CgroupPlacement.of(C1, root, REL, OptionalLong.empty()).placed(), "nothing exists");
        assertFalse(CgroupPlacement.of(C1, root, null, OptionalLong.empty()).placed(), "no cgroup known");
        assertFalse(CgroupPlacement.of(C1, root.resolve("missing"), REL, OptionalLong.empty()).placed());
    }
}
