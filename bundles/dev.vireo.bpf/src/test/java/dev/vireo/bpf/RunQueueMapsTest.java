package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Run-queue latency measured on this host's kernel: busy processes in a private cgroup2 directory, pinned to one
 * CPU, alone and three at a time.
 */
class RunQueueMapsTest {
    private static final long MEASURE_MS = 2_000;
    @RegisterExtension
    static final Bpffs BPFFS = new Bpffs();
    private BpfLoader loader;
    private RunQueueMaps maps;

    @BeforeEach
    void load() throws Exception {
        Kernel.assumeBpf();
        BPFFS.root();
        BpfArtifacts a = Artifacts.assumeBuilt();
        assumeTrue(TestCgroup.root() != null, "skipped: no cgroup2 hierarchy");
        Path dir = BPFFS.root().resolve("vireo-test-rq-" + ProcessHandle.current().pid());
        loader = BpfLoader.start(a.loader(), BpfLoader.Kind.RQLAT, a.rqlatObject(), dir, Duration.ofSeconds(30));
        maps = RunQueueMaps.open(dir);
    }

    @AfterEach
    void unload() throws Exception {
        if (maps != null) {
            maps.close();
        }
        if (loader != null) {
            loader.close();
        }
    }

    /** The latency of {@code busy} loops on CPU 0 in one cgroup, measured over {@link #MEASURE_MS}. */
    private RunQueueHistogram measure(String name, int busy) throws Exception {
        try (TestCgroup cg = TestCgroup.create("vireo-test-" + ProcessHandle.current().pid() + "-" + name)) {
            long id = cg.id();
            maps.track(id);
            for (int i = 0; i < busy; i++) {
                cg.startBusy("0");
            }
            Thread.sleep(MEASURE_MS);
            assertTrue(cg.allAlive());
            RunQueueHistogram h = maps.histogram(id);
            assertTrue(maps.untrack(id));
            assertFalse(maps.untrack(id), "untracked already");
            assertEquals(RunQueueHistogram.EMPTY, maps.histogram(id), "untrack drops the histogram");
            System.out.printf("run-queue latency, %d busy on cpu 0: %d waits, mean %.0f us, p50 <= %.0f us,"
                    + " p99 <= %.0f us, max %d us%n", busy, h.count(), h.meanNs() / 1000,
                    h.count() == 0 ? 0 : h.percentileUs(50), h.count() == 0 ? 0 : h.percentileUs(99),
                    h.maxNs() / 1000);
            return h;
        }
    }

    @Test
    void threeBusyProcessesOnOneCpuWaitLongerThanOneAlone() throws Exception {
        RunQueueHistogram alone = measure("alone", 1);
        RunQueueHistogram shared = measure("shared", 3);
        assertTrue(shared.count() > 10, "three busy loops on one CPU are switched in and out: " + shared);
        assertTrue(shared.meanNs() > alone.meanNs(), "mean latency shared " + shared + " vs alone " + alone);
        assertTrue(shared.percentileUs(99) > 1000, "three ways on one CPU, the p99 wait is over a millisecond: "
                + shared);
        long inBuckets = java.util.Arrays.stream(shared.buckets()).sum();
        assertEquals(shared.count(), inBuckets, "each latency is in one bucket");
    }

    @Test
    void bpftoolPrettyPrintsTheHistogramMap() throws Exception {
        Bpftool.assumePresent();
        try (TestCgroup cg = TestCgroup.create("vireo-test-" + ProcessHandle.current().pid() + "-dump")) {
            maps.track(cg.id());
            cg.startBusy("0");
            cg.startBusy("0");
            Thread.sleep(300);
            assertTrue(maps.histogram(cg.id()).count() > 0, "two busy loops on one CPU wait for each other");
            String dump = Bpftool.run("map", "dump", "pinned", loader.pinDir().resolve(RunQueueMaps.HISTOGRAMS)
                    .toString());
            assertTrue(dump.contains("\"key\": " + cg.id()) && dump.contains("\"total_ns\"")
                    && dump.contains("\"buckets\""), dump);
        }
    }
}
