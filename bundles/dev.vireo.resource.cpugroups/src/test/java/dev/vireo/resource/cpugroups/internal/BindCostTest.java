package dev.vireo.resource.cpugroups.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ContainerPlacement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BindCostTest {
    /** One group of CPU 1 in cpuset mode, the container's own cpuset written back after each round. */
    private static final BindCost.Setup RESTORE = new BindCost.Setup("1", "cpuset", "restore", 0);

    @Test
    void timesEachBindAndUnbindWithTheCallersClockAndLeavesTheContainerAsItWas(@TempDir Path tmp) throws IOException {
        Path v2 = Files.createDirectories(tmp.resolve("unified/vireo/c1"));
        Files.writeString(v2.resolve("cpuset.cpus"), "0-7\n");
        ContainerPlacement placement = new ContainerPlacement("c1", "f-1", Map.of(), Optional.of(v2),
                OptionalLong.empty());
        AtomicLong ticks = new AtomicLong();
        long[] ns = BindCost.bindUnbindNs(placement, RESTORE, 5, () -> ticks.addAndGet(10));
        assertArrayEquals(new long[] {10, 10, 10, 10, 10}, ns, "one tick before bind, one after unbind, per round");
        assertEquals("0-7", Files.readString(v2.resolve("cpuset.cpus")), "every bind undone");
    }

    @Test
    void aRefusedWriteIsAnErrorNotACost(@TempDir Path tmp) throws IOException {
        Path v2 = Files.createDirectories(tmp.resolve("unified/vireo/c1"));
        Path file = Files.createDirectories(v2.resolve("cpuset.cpus")); // a directory: every write fails
        assertTrue(Files.isDirectory(file));
        ContainerPlacement placement = new ContainerPlacement("c1", "f-1", Map.of(), Optional.of(v2),
                OptionalLong.empty());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BindCost.bindUnbindNs(placement, RESTORE, 3, System::nanoTime));
        assertTrue(e.getMessage().contains("3 of 3"), e.getMessage());
    }
}
