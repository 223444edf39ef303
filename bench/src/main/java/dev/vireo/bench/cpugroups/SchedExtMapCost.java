package dev.vireo.bench.cpugroups;

import dev.vireo.bpf.BpfArtifacts;
import dev.vireo.bpf.BpfLoader;
import dev.vireo.bpf.BpfMap;
import dev.vireo.bpf.CpuGroupMaps;
import dev.vireo.bpf.MapSpec;
import dev.vireo.bpf.Order;
import dev.vireo.bpf.SchedExtUnavailable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * What the {@code sched-ext} mode's mapping would cost per invocation: {@code CpuGroupMaps.map} (bind) +
 * {@code unmap} (unbind) of one cgroup id. On the scheduler's own pinned maps when {@code vireo-bpf sched} loads;
 * on a kernel without sched_ext (this project's machines) on maps of the same layout ({@code bpf/vireo_maps.h}:
 * HASH 8 B → 16 B × 65536, ARRAY 24 B × 64 twice) created with {@code BpfMap.create} and pinned where the loader
 * would pin them: the same syscalls on maps of the same type and sizes, with no scheduler reading them.
 */
final class SchedExtMapCost {
    private SchedExtMapCost() {
    }

    /** Measures {@code rounds} map + unmap pairs of {@code cgroupId} under {@code bpffs} (a bpf filesystem). */
    static CpuGroupsReport.SchedExtCost measure(Path home, Path bpffs, long cgroupId, int rounds) {
        Path dir = bpffs.resolve("sched");
        try {
            BpfArtifacts bpf = BpfArtifacts.in(home).require();
            try (BpfLoader loader = BpfLoader.start(bpf.loader(), BpfLoader.Kind.SCHED, bpf.schedObject(), dir,
                    Duration.ofSeconds(30))) {
                double[] t = time(loader.pinDir(), cgroupId, rounds);
                return new CpuGroupsReport.SchedExtCost(t[0], t[1], "the scheduler's pinned maps, vireo-bpf sched loaded");
            } catch (SchedExtUnavailable e) {
                Files.createDirectories(dir);
                try (BpfMap c = BpfMap.create(MapSpec.hash(CpuGroupMaps.MEMBERS, 8, 16, 65536));
                        BpfMap g = BpfMap.create(MapSpec.array(CpuGroupMaps.GROUPS, 24, CpuGroupMaps.MAX_GROUPS));
                        BpfMap s = BpfMap.create(MapSpec.array(CpuGroupMaps.STATS, 24, CpuGroupMaps.MAX_GROUPS))) {
                    c.pin(dir.resolve(CpuGroupMaps.MEMBERS));
                    g.pin(dir.resolve(CpuGroupMaps.GROUPS));
                    s.pin(dir.resolve(CpuGroupMaps.STATS));
                    double[] t = time(dir, cgroupId, rounds);
                    return new CpuGroupsReport.SchedExtCost(t[0], t[1], "no sched_ext in this kernel: maps of the"
                            + " contract layout (bpf/vireo_maps.h) made by BpfMap.create, no scheduler");
                } finally {
                    try (Stream<Path> pins = Files.list(dir)) {
                        for (Path p : pins.toList()) {
                            Files.delete(p);
                        }
                    }
                    Files.delete(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new CpuGroupsReport.SchedExtCost(Double.NaN, "not measured: " + e.getMessage());
        }
    }

    /**
     * Median µs of map + unmap, and of the floor (two lookups of a key that is there, in the same map), the two
     * interleaved round by round, after as many unmeasured rounds (the first calls in a JVM are slow: JNA, the JIT).
     */
    private static double[] time(Path pinDir, long cgroupId, int rounds) throws IOException {
        try (CpuGroupMaps maps = CpuGroupMaps.open(pinDir);
                BpfMap members = BpfMap.open(pinDir.resolve(CpuGroupMaps.MEMBERS))) {
            maps.defineGroup(1, 0b10, 5_000_000, Order.FIFO);
            long[] ns = new long[rounds];
            long[] floor = new long[rounds];
            // a lookup that finds its key (a miss is an errno, which JNA makes an exception), of an id no cgroup has
            long present = Long.MAX_VALUE - 1;
            maps.map(present, 1, 3_000_000);
            try {
                for (int pass = 0; pass < 2; pass++) {
                    for (int i = 0; i < rounds; i++) {
                        long t0 = System.nanoTime();
                        maps.map(cgroupId, 1, 3_000_000);
                        maps.unmap(cgroupId);
                        long t1 = System.nanoTime();
                        members.lookup(present);
                        members.lookup(present);
                        long t2 = System.nanoTime();
                        ns[i] = t1 - t0;
                        floor[i] = t2 - t1;
                    }
                }
                return new double[] {CpuGroupsResult.median(ns) / 1_000.0, CpuGroupsResult.median(floor) / 1_000.0};
            } finally {
                maps.unmap(present);
            }
        }
    }
}
