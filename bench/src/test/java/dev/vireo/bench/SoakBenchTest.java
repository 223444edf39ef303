package dev.vireo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakBenchTest {
    private static final SoakBench.Setup SETUP = new SoakBench.Setup("x", 1, Path.of("examples/noop"), "containerd",
            "uds", 100, 10, 2, 2, 10, 1, 1, 1);

    private static SoakBench.Probe probe(String when, double cpuUs, long rssMb, int threads, int fds) {
        return new SoakBench.Probe(when, 10, 1_000, cpuUs, 100, new ProcessStats(0, rssMb * 1024, threads, fds), 4, 2,
                true);
    }

    @Test
    void noMeasureMayEndMoreThanTenPercentAboveItsStart() {
        SoakBench.Probe start = probe("start", 500, 200, 50, 80);
        List<SoakBench.Verdict> same = SoakBench.verdicts(start, probe("end", 540, 215, 52, 84));
        assertTrue(same.stream().allMatch(SoakBench.Verdict::within), same.toString());

        List<SoakBench.Verdict> leaky = SoakBench.verdicts(start, probe("end", 500, 260, 50, 80));
        assertFalse(leaky.get(1).within(), "RSS 1.3x the start");
        assertEquals(1.3, leaky.get(1).ratio(), 1e-9);
        assertFalse(SoakBench.verdicts(start, probe("end", 500, 200, 70, 80)).get(2).within(), "20 threads more");
        assertFalse(SoakBench.verdicts(start, probe("end", 500, 200, 50, 200)).get(3).within(), "file descriptors");
        assertFalse(SoakBench.verdicts(start, probe("end", 600, 200, 50, 80)).get(0).within(), "CPU 1.2x");
        SoakBench.Probe slowerMachine = new SoakBench.Probe("end", 10, 1_000, 600, 120,
                new ProcessStats(0, 200 * 1024, 50, 80), 4, 2, true);
        assertTrue(SoakBench.verdicts(start, slowerMachine).get(0).within(),
                "the clients' own CPU per call grew as much: the machine was slower, not the worker heavier");
        assertTrue(SoakBench.verdicts(start, probe("end", 400, 150, 40, 60)).stream()
                .allMatch(SoakBench.Verdict::within), "cheaper, smaller, fewer: no growth");
    }

    @Test
    void theJsonCarriesTheProbesVerdictsAndATimeSeriesAndTheGraphIsWritten(@TempDir Path tmp) throws Exception {
        List<SoakBench.Point> points = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            points.add(new SoakBench.Point(i, "churn sim", new ProcessStats(i * 1_000_000_000L, 200 * 1024, 50, 80),
                    i * 1_000L, i * 100L));
        }
        JsonObject o = SoakBench.json(SETUP, probe("start", 500, 200, 50, 80), probe("end", 510, 205, 50, 80), 100,
                10, 3.5, 5_000, 0, null, points);
        assertTrue(o.get("all_within").getAsBoolean());
        assertEquals(4, o.getAsJsonArray("points").size(), "one per interval between samples");
        JsonObject p = o.getAsJsonArray("points").get(0).getAsJsonObject();
        assertEquals(1_000.0, p.get("cpu_us_per_invocation").getAsDouble(), "1 s of CPU over 1,000 invocations");
        assertEquals(1_000.0, p.get("invocations_per_s").getAsDouble());
        assertTrue(SoakBench.table(o).contains("none grew more than 10 %, both ends steady, no errors: yes"), SoakBench.table(o));

        JsonObject failed = SoakBench.json(SETUP, probe("start", 500, 200, 50, 80), probe("end", 510, 205, 50, 80),
                100, 10, 3.5, 5_000, 2, "soak-sim-1-1: boom", points);
        assertFalse(failed.get("all_within").getAsBoolean(), "errors fail the run even with every measure within");
        assertTrue(SoakBench.table(failed).contains("first error: soak-sim-1-1: boom"));
        SoakBench.Probe unsteady = probe("end", 510, 205, 50, 80).counted(12, false);
        JsonObject notSteady = SoakBench.json(SETUP, probe("start", 500, 200, 50, 80), unsteady, 100, 10, 3.5, 5_000,
                0, null, points);
        assertFalse(notSteady.get("all_within").getAsBoolean(), "an end that never settled proves nothing");
        assertTrue(SoakBench.table(notSteady).contains("end 12 (NOT steady)"), SoakBench.table(notSteady));

        SoakBench.Probe none = new SoakBench.Probe("end", 10, 0, Double.NaN, Double.NaN,
                new ProcessStats(0, 200 * 1024, 50, 80), 4, 12, false);
        JsonObject empty = SoakBench.json(SETUP, probe("start", 500, 200, 50, 80), none, 100, 10, 3.5, 5_000, 0, null,
                points);
        assertTrue(empty.getAsJsonObject("end").get("cpu_us_per_invocation").isJsonNull(),
                "a window that served nothing has no CPU per invocation: null, not NaN");
        assertFalse(empty.get("all_within").getAsBoolean());
        assertFalse(empty.toString().contains("NaN"), "strict JSON has no NaN: " + empty);
        assertEquals(1.02, o.get("raw_cpu_ratio").getAsDouble(), 1e-9, "510 / 500");

        Path json = tmp.resolve("soak.json");
        List<Path> graph = SoakBench.write(o, json);
        assertTrue(JsonParser.parseString(Files.readString(json)).getAsJsonObject().has("verdicts"));
        for (Path g : graph) {
            assertTrue(Files.size(g) > 1_000, g + " is empty");
        }
    }

    @Test
    void procIsReadForALiveProcessAndItsFieldsParsed() throws Exception {
        ProcessStats me = ProcessStats.of(ProcessHandle.current().pid());
        assertTrue(me.threads() > 1 && me.fds() > 2 && me.rssKb() > 1_000, me.toString());
        // a command name with a space and a parenthesis: fields counted from the last ')'
        String stat = "123 (a b) c) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 1 1 1";
        assertEquals(3_000_000_000L, ProcessStats.cpuNs(stat), "250 + 50 ticks at 100/s");
        assertEquals(4242, ProcessStats.status("Name:\tjava\nVmRSS:\t    4242 kB\nThreads:\t7\n", "VmRSS"));
        assertThrows(IllegalArgumentException.class, () -> ProcessStats.status("Name:\tjava\n", "Threads"));
        assertThrows(java.io.IOException.class, () -> ProcessStats.of(Long.MAX_VALUE));
    }
}
