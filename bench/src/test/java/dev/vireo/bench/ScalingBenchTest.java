package dev.vireo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalingBenchTest {
    private static ScalingBench.Point point(int clients, double throughput, long p99Us) {
        return new ScalingBench.Point(clients, (long) throughput * 5, 0, throughput, p99Us / 2, p99Us);
    }

    @Test
    void pastThePeakThroughputMustHoldAndTheTailStayNearTheMean() {
        // 1 client: 1,000/s (mean 1 ms); peak 4,000/s at 8; 64 clients at 3,700/s: mean 17.3 ms, p99 40 ms
        List<ScalingBench.Point> fine = List.of(point(1, 1_000, 1_500), point(8, 4_000, 4_000),
                point(64, 3_700, 40_000));
        JsonObject c = ScalingBench.checks(fine);
        assertEquals(4_000, c.get("peak_throughput_per_s").getAsLong());
        assertEquals(8, c.get("peak_clients").getAsInt());
        assertEquals(1, c.get("points_after_peak").getAsInt());
        assertEquals(0, ScalingBench.checks(List.of(point(1, 1_000, 1_500), point(8, 4_000, 4_000)))
                .get("points_after_peak").getAsInt(), "still rising at the last count");
        assertEquals(0.925, c.get("least_share_of_peak_after_it").getAsDouble());
        assertTrue(c.get("sustained").getAsBoolean());
        assertEquals(2.3, c.get("worst_p99_over_mean_after_peak").getAsDouble(), "40 ms / 17.3 ms");
        assertEquals(1.5, c.get("p99_over_mean_fewest_clients").getAsDouble(), "1.5 ms / 1 ms");
        assertTrue(c.get("p99_bounded").getAsBoolean(), "2.3 <= 2 x 1.5");
        assertTrue(c.get("met").getAsBoolean());

        JsonObject collapsed = ScalingBench.checks(List.of(point(1, 1_000, 1_500), point(8, 4_000, 4_000),
                point(64, 3_000, 40_000)));
        assertFalse(collapsed.get("sustained").getAsBoolean(), "75 % of the peak");
        assertFalse(collapsed.get("met").getAsBoolean());

        JsonObject starved = ScalingBench.checks(List.of(point(1, 1_000, 1_500), point(8, 4_000, 4_000),
                point(64, 3_900, 90_000)));
        assertFalse(starved.get("p99_bounded").getAsBoolean(), "90 ms against a mean of 16.4 ms is 5.5x, unloaded 1.5x");

        List<ScalingBench.Point> failing = new ArrayList<>(fine);
        failing.add(new ScalingBench.Point(128, 18_500, 3, 3_700, 30_000, 60_000));
        JsonObject errors = ScalingBench.checks(failing);
        assertEquals(3, errors.get("errors").getAsLong());
        assertFalse(errors.get("met").getAsBoolean());
    }

    @Test
    void aRecordingsAllocationSamplesAreSummedAndItsFuturesTold(@TempDir Path tmp) throws Exception {
        Path jfr = tmp.resolve("r.jfr");
        List<Object> keep = new ArrayList<>();
        java.util.Random random = new java.util.Random(42);
        int rounds = 2_000_000;
        java.time.Instant from = java.time.Instant.now();
        try (Recording r = new Recording()) {
            r.enable("jdk.ObjectAllocationSample").with("throttle", "off");
            r.start();
            for (int i = 0; i < rounds; i++) {
                CompletableFuture<Integer> f = new CompletableFuture<>();
                keep.add(f.thenApply(x -> x + 1));
                // an array of a random size beside them: a loop that allocates the same sequence every round would
                // have its TLAB refills, where JFR samples, land on the same class every time
                keep.add(new byte[random.nextInt(48)]);
                if (keep.size() > 1_000) {
                    keep.clear();
                }
            }
            r.stop();
            r.dump(jfr);
        }
        ScalingBench.Profile p = ScalingBench.profile(new ScalingBench.Window(7, rounds, from,
                java.time.Instant.now()), jfr);
        assertEquals(0, ScalingBench.profile(new ScalingBench.Window(7, rounds, from.minusSeconds(60),
                from.minusSeconds(30)), jfr).samples(), "samples outside the window are not counted");
        assertEquals(7, p.clients());
        assertTrue(p.samples() > 0, "allocation samples read");
        assertTrue(p.futures() > 0 && p.completions() > 0, p.toString());
        assertTrue(p.allocated() >= p.futures() + p.completions(), p.toString());
        // two futures (the one made, and thenApply's, 24 B each), one stage (40 B) and an array per round: at least
        // 88 B a round in all. Which class a sample names is chance (a few hundred samples): only the sum is asserted
        double perRound = p.perInvocation(p.allocated());
        assertTrue(perRound >= 88 && perRound < 2_000, "bytes per round " + perRound + " " + p);
    }

    @Test
    void theJsonHasThePointsProfilesAndChecks(@TempDir Path tmp) throws Exception {
        ScalingBench.Setup s = new ScalingBench.Setup("127.0.0.1:1", 1, "sim", "sim", tmp, 4, 1, List.of(1, 8),
                5, 2, 4, Set.of(1), tmp);
        JsonObject o = ScalingBench.json(s, List.of(point(1, 1_000, 1_500), point(8, 4_000, 4_000)),
                List.of(new ScalingBench.Profile(1, 1_000, 2_000_000, 24_000, 80_000, 50)));
        assertEquals(2, o.getAsJsonArray("points").size());
        JsonObject prof = o.getAsJsonArray("profiles").get(0).getAsJsonObject();
        assertEquals(2_000, prof.get("allocated_bytes_per_invocation").getAsLong());
        assertEquals(1.0, prof.get("futures_per_invocation").getAsDouble());
        assertEquals(2.0, prof.get("stages_per_invocation").getAsDouble());
        assertTrue(o.getAsJsonObject("checks").get("met").getAsBoolean());
        List<Path> plot = ScalingBench.write(List.of(o), tmp.resolve("scaling.json"));
        assertTrue(Files.size(plot.get(0)) > 1_000 && Files.size(plot.get(1)) > 1_000, plot.toString());
    }
}
