package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.Timings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CPU time from a container's cgroup files and energy from RAPL powercap zones, on folders laid out as the kernel lays
 * them out (recorded files: this machine has no RAPL, and a test cannot make a cgroup's counters move).
 */
class UsageMeasuresTest {
    private static ContainerPlacement placement(Map<String, Path> v1, Path v2) {
        return new ContainerPlacement("c1", "f-1", v1, Optional.ofNullable(v2), OptionalLong.empty());
    }

    @Test
    void cpuTimeComesFromCpuStatOrCpuacct(@TempDir Path dir) throws Exception {
        Path v2 = Files.createDirectories(dir.resolve("v2"));
        Files.writeString(v2.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
                + "nr_periods 0\n");
        CpuTime.Holder holder = new CpuTime.Holder();
        CpuTime c2 = holder.get(placement(Map.of(), v2));
        long mark = c2.mark();
        assertEquals(1500, mark);
        // the kernel's file changes in place; the open file is read again from its start
        Files.writeString(v2.resolve("cpu.stat"), "usage_usec 4200\nuser_usec 3000\nsystem_usec 1200\n");
        assertEquals(2700, c2.since(mark));
        assertTrue(c2 == holder.get(placement(Map.of(), v2)), "opened once for the container's life");
        holder.close();
        assertEquals(Timings.NOT_MEASURED, c2.since(mark), "closed with the container: a late reply reads -1");
        assertEquals(Timings.NOT_MEASURED, holder.get(placement(Map.of(), v2)).mark(), "and stays closed");

        Path v1 = Files.createDirectories(dir.resolve("cpuacct"));
        Files.writeString(v1.resolve("cpuacct.usage"), "7000000\n"); // nanoseconds
        try (CpuTime c1 = CpuTime.open(placement(Map.of("cpu,cpuacct", v1), null))) {
            assertEquals(7000, c1.mark());
        }
    }

    @Test
    void aContainerWithoutACgroupOrWithUnreadableFilesIsNotMeasured(@TempDir Path dir) throws Exception {
        assertEquals(Timings.NOT_MEASURED, CpuTime.open(placement(Map.of(), null)).mark(),
                "unplaced (sim, plain processes)");
        Path v2 = Files.createDirectories(dir.resolve("gone"));
        ContainerPlacement p = placement(Map.of(), v2);
        assertEquals(Timings.NOT_MEASURED, CpuTime.open(p).mark(), "no cpu.stat");
        Files.writeString(v2.resolve("cpu.stat"), "nr_periods 0\n");
        try (CpuTime c = CpuTime.open(p)) {
            assertEquals(Timings.NOT_MEASURED, c.mark(), "no usage_usec line");
            assertEquals(Timings.NOT_MEASURED, c.since(Timings.NOT_MEASURED));
        }
        Files.writeString(v2.resolve("cpu.stat"), "usage_usec 10\n");
        try (CpuTime c = CpuTime.open(p)) {
            long mark = c.mark();
            assertEquals(10, mark);
            Files.writeString(v2.resolve("cpu.stat"), "");
            assertEquals(Timings.NOT_MEASURED, c.since(mark), "nothing to read (the container went away)");
        }
        assertEquals(-1, CpuTime.usageUsec("xusage_usec 5\n"), "only the usage_usec line itself");
    }

    /** A powercap folder: two packages (one about to wrap), a sub-zone, and another control type. */
    private static Path powercap(Path dir) throws Exception {
        zone(dir.resolve("intel-rapl:0"), "package-0", 1_000_000, 262_143_328_850L);
        zone(dir.resolve("intel-rapl:1"), "package-1", 65_000_000, 65_532_610_987L);
        zone(dir.resolve("intel-rapl:0:0"), "core", 500, 262_143_328_850L);
        zone(dir.resolve("intel-rapl-mmio:0"), "package-0", 5, 262_143_328_850L);
        Files.createDirectories(dir.resolve("intel-rapl"));
        Files.writeString(dir.resolve("intel-rapl/enabled"), "1\n");
        return dir;
    }

    private static void zone(Path z, String name, long energy, long range) throws Exception {
        Files.createDirectories(z);
        Files.writeString(z.resolve("name"), name + "\n");
        Files.writeString(z.resolve("energy_uj"), energy + "\n");
        Files.writeString(z.resolve("max_energy_range_uj"), range + "\n");
    }

    @Test
    void energyIsThePackagesCountersDifferenceWithAWrapCounted(@TempDir Path dir) throws Exception {
        Rapl rapl = Rapl.of(powercap(dir).toString());
        assertTrue(rapl.present());
        long[] mark = rapl.mark();
        assertEquals(2, mark.length, "package zones only: not the core sub-zone, not the mmio control type");
        Files.writeString(dir.resolve("intel-rapl:0/energy_uj"), "1250000\n"); // +250000
        Files.writeString(dir.resolve("intel-rapl:1/energy_uj"), "1000\n"); // wrapped past 65532610987
        assertEquals(250_000 + (65_532_610_987L - 65_000_000 + 1_000 + 1), rapl.since(mark), "the counter runs 0..range");
        rapl.close();
        assertEquals(Timings.NOT_MEASURED, rapl.since(mark), "closed (the worker stopped): nothing read");
    }

    @Test
    void noRaplOrUnreadableCountersMeasureNothing(@TempDir Path dir) throws Exception {
        assertFalse(Rapl.of("").present(), "empty: off");
        assertFalse(Rapl.of(dir.resolve("none").toString()).present(), "a host without powercap");
        assertFalse(Rapl.of(Files.createDirectories(dir.resolve("empty")).toString()).present());
        assertNull(Rapl.NONE.mark());
        assertEquals(Timings.NOT_MEASURED, Rapl.NONE.since(null));
        Rapl rapl = Rapl.of(powercap(dir.resolve("pc")).toString());
        long[] mark = rapl.mark();
        Files.writeString(dir.resolve("pc/intel-rapl:1/energy_uj"), "not a number\n");
        assertEquals(Timings.NOT_MEASURED, rapl.since(mark), "a counter that cannot be read any more");
        assertFalse(Rapl.of(dir.resolve("pc").toString()).present(),
                "a counter unreadable at the start: no RAPL at all (not a failed read on every call)");
    }
}
