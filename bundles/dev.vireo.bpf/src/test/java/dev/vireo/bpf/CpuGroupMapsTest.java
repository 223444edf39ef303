package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scheduler's maps as Java writes them, against maps of the layout the loader pins (created here: this host's
 * kernel cannot load the scheduler; the QEMU test runs the real one), read back with bpftool-independent bytes.
 */
class CpuGroupMapsTest {
    @RegisterExtension
    static final Bpffs BPFFS = new Bpffs();
    private Path dir;

    @BeforeEach
    void pinMapsOfTheSchedulersLayout() throws Exception {
        Kernel.assumeBpf();
        dir = Files.createTempDirectory(BPFFS.root(), "vireo-test-groups-");
        try (BpfMap c = BpfMap.create(MapSpec.hash(CpuGroupMaps.MEMBERS, 8, 16, 65536));
                BpfMap g = BpfMap.create(MapSpec.array(CpuGroupMaps.GROUPS, 24, 64));
                BpfMap s = BpfMap.create(MapSpec.array(CpuGroupMaps.STATS, 24, 64))) {
            c.pin(dir.resolve(CpuGroupMaps.MEMBERS));
            g.pin(dir.resolve(CpuGroupMaps.GROUPS));
            s.pin(dir.resolve(CpuGroupMaps.STATS));
            // what the scheduler would have counted for group 3
            s.update(3, BpfMapTest.value(10, 9, 4500));
        }
    }

    @AfterEach
    void unpin() throws Exception {
        Bpffs.removePins(dir);
    }

    @Test
    void groupsMembersAndStatsRoundTripInTheLayoutOfVireoMapsH() throws Exception {
        try (CpuGroupMaps maps = CpuGroupMaps.open(dir)) {
            assertEquals(List.of(), maps.groups());
            maps.defineGroup(0, 0b10, 5_000_000, Order.FIFO);
            maps.defineGroup(63, 0b1101, 0, Order.SRT);
            assertEquals(List.of(new CpuGroup(0, 0b10, 5_000_000, Order.FIFO), new CpuGroup(63, 0b1101, 0, Order.SRT)),
                    maps.groups());
            maps.map(1234, 63, 250_000_000L);
            maps.map(99, 0, 0);
            maps.map(99, 0, 7);
            assertEquals(2, maps.members().size());
            assertTrue(maps.members().contains(new GroupMember(1234, 63, 250_000_000L)));
            assertTrue(maps.members().contains(new GroupMember(99, 0, 7)), "a second map overwrites");
            assertTrue(maps.unmap(99));
            assertFalse(maps.unmap(99));
            maps.removeGroup(0);
            assertEquals(List.of(new CpuGroup(63, 0b1101, 0, Order.SRT)), maps.groups());
            GroupStats st = maps.stats(3);
            assertEquals(new GroupStats(10, 9, 4500), st);
            assertEquals(500, st.meanWaitNs());
        }
        try (BpfMap raw = BpfMap.open(dir.resolve(CpuGroupMaps.GROUPS))) {
            byte[] g63 = raw.lookup(63).orElseThrow();
            assertEquals(0b1101, BpfMap.u64(g63, 0), "cpus at offset 0");
            assertEquals(0, BpfMap.u64(g63, 8), "slice_ns at 8");
            assertEquals(2, BpfMap.u32(g63, 16), "order at 16: srt = 2");
            assertEquals(1, BpfMap.u32(g63, 20), "active at 20");
        }
        try (BpfMap raw = BpfMap.open(dir.resolve(CpuGroupMaps.MEMBERS))) {
            byte[] m = raw.lookup(1234).orElseThrow();
            assertEquals(63, BpfMap.u32(m, 0), "group at 0");
            assertEquals(250_000_000L, BpfMap.u64(m, 8), "expected_ns at 8");
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnySyscall() throws Exception {
        try (CpuGroupMaps maps = CpuGroupMaps.open(dir)) {
            assertThrows(IllegalArgumentException.class, () -> maps.defineGroup(64, 1, 0, Order.FIFO));
            IllegalArgumentException noCpus = assertThrows(IllegalArgumentException.class,
                    () -> maps.defineGroup(1, 0, 0, Order.FIFO));
            assertTrue(noCpus.getMessage().contains("no CPUs"), noCpus.getMessage());
            assertThrows(IllegalArgumentException.class, () -> maps.map(1, -1, 0));
            assertThrows(IllegalArgumentException.class, () -> Order.of(3));
        }
    }

    @Test
    void aMissingOrMisshapenMapIsNamed() throws Exception {
        Files.delete(dir.resolve(CpuGroupMaps.STATS));
        BpfException missing = assertThrows(BpfException.class, () -> CpuGroupMaps.open(dir));
        assertTrue(missing.getMessage().contains(CpuGroupMaps.STATS), missing.getMessage());
        try (BpfMap wrong = BpfMap.create(MapSpec.array(CpuGroupMaps.STATS, 16, 64))) {
            wrong.pin(dir.resolve(CpuGroupMaps.STATS));
        }
        IOException misshapen = assertThrows(IOException.class, () -> CpuGroupMaps.open(dir));
        assertTrue(misshapen.getMessage().contains(CpuGroupMaps.STATS) && misshapen.getMessage().contains("value 16 B")
                && misshapen.getMessage().contains("expected ARRAY key 4 B value 24 B"), misshapen.getMessage());
    }
}
