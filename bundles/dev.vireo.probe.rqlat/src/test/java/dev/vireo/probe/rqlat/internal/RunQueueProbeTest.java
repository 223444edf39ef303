package dev.vireo.probe.rqlat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.probe.CpuWaitProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The probe's bookkeeping over stand-in maps: what is measured, what is not, and failures that never throw. */
class RunQueueProbeTest {
    /** Stand-in maps: totals by cgroup id, settable; fail on every call while {@code broken}. */
    private static final class Waits implements CgroupWaits {
        final Map<Long, Long> totals = new HashMap<>();
        boolean broken;

        public void track(long id) throws IOException {
            check();
            totals.put(id, 0L);
        }

        public void untrack(long id) throws IOException {
            check();
            totals.remove(id);
        }

        public long totalNs(long id) throws IOException {
            check();
            return totals.getOrDefault(id, 0L);
        }

        private void check() throws IOException {
            if (broken) {
                throw new IOException("EPERM");
            }
        }
    }

    private final Waits waits = new Waits();
    /** cgroup2 ids: the directory's name as a number; "gone" does not exist. */
    private final RunQueueProbe probe = new RunQueueProbe(waits, dir -> {
        if (dir.getFileName().toString().equals("gone")) {
            throw new IOException("cgroup " + dir + " is not a directory");
        }
        return Long.parseLong(dir.getFileName().toString());
    });

    private static ContainerPlacement placed(String id, String cgroup) {
        return new ContainerPlacement(id, "f-1", Map.of(), Optional.of(Path.of("/sys/fs/cgroup/unified/vireo", cgroup)),
                OptionalLong.of(7));
    }

    @Test
    void aTrackedContainerReadsItsCgroupsTotalUntilUntracked() {
        ContainerPlacement c = placed("c1", "42");
        assertEquals(CpuWaitProbe.NOT_MEASURED, probe.waitedNs(c, "t0"), "not tracked yet");
        probe.track(c, "t1");
        assertEquals(0, probe.waitedNs(c, "t2"));
        waits.totals.put(42L, 1_500_000L);
        assertEquals(1_500_000, probe.waitedNs(c, "t3"));
        probe.untrack(c, "t4");
        assertEquals(CpuWaitProbe.NOT_MEASURED, probe.waitedNs(c, "t5"));
        assertTrue(waits.totals.isEmpty(), "untrack drops the cgroup from the maps");
        probe.untrack(c, "t6"); // idempotent
        assertEquals(0, probe.tracked());
    }

    @Test
    void containersWithoutACgroup2DirectoryOrAReadableIdStayUnmeasured() {
        ContainerPlacement process = new ContainerPlacement("p1", "f-1", Map.of(), Optional.empty(),
                OptionalLong.of(99));
        probe.track(process, "t1");
        probe.track(placed("c2", "gone"), "t2");
        assertEquals(CpuWaitProbe.NOT_MEASURED, probe.waitedNs(process, "t3"));
        assertEquals(CpuWaitProbe.NOT_MEASURED, probe.waitedNs(placed("c2", "gone"), "t4"));
        assertEquals(0, probe.tracked());
        assertTrue(waits.totals.isEmpty());
    }

    @Test
    void mapFailuresAnswerNotMeasuredInsteadOfThrowing() {
        ContainerPlacement c = placed("c3", "43");
        probe.track(c, "t1");
        waits.broken = true;
        assertEquals(CpuWaitProbe.NOT_MEASURED, probe.waitedNs(c, "t2"));
        probe.untrack(c, "t3");
        probe.track(placed("c4", "44"), "t4");
        assertEquals(0, probe.tracked(), "a container the maps refused is not measured");
    }
}
