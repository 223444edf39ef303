package dev.vireo.bench.cpugroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vireo.bench.LatencyAnatomy;
import dev.vireo.bpf.RunQueueHistogram;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CpuGroupsReportTest {
    private static final CpuGroupsParams PARAMS = new CpuGroupsParams(20, 3, 25, 60_000, 1000, 3, 2000, 1);

    /** 100 samples 1..100 times {@code scale} µs: p50 = 50 x scale, p99 = 99 x scale. */
    private static CpuGroupsResult result(CpuGroupsSetting s, long scale, double rqP99, double map) {
        return new CpuGroupsResult(s, LongStream.rangeClosed(1, 100).map(v -> v * scale).toArray(),
                LongStream.rangeClosed(1, 100).toArray(), 0, 7, Double.isNaN(rqP99) ? Optional.empty()
                        : Optional.of(histogram(rqP99)), Double.isNaN(map) ? MapCost.NONE : new MapCost(map, map * 10,
                                map * 20), "0 0 0", 1.5, new LatencyAnatomy());
    }

    /** 100 waits: 98 in bucket 0 (< 2 us), 2 in the bucket whose upper bound is {@code p99Us} (a power of two). */
    private static RunQueueHistogram histogram(double p99Us) {
        long[] b = new long[RunQueueHistogram.BUCKETS];
        b[0] = 98;
        b[Integer.numberOfTrailingZeros((int) p99Us) - 1] = 2;
        return new RunQueueHistogram(100, 0, (long) p99Us * 1000, b);
    }

    private static List<CpuGroupsResult> results() {
        List<CpuGroupsSetting> s = CpuGroupsSetting.standard(3);
        return List.of(result(s.get(0), 10, 64, Double.NaN), result(s.get(1), 100, 16384, Double.NaN),
                result(s.get(2), 20, 128, 3.5), result(s.get(3), 90, 8192, 4.0));
    }

    @Test
    void settingsAreTheFloorNoGroupsAndGroupsOfOneAndTwo() {
        List<CpuGroupsSetting> s = CpuGroupsSetting.standard(3);
        assertEquals(List.of("alone", "no-groups", "groups-1", "groups-2", "no-groups+w", "groups-1+w"),
                s.stream().map(CpuGroupsSetting::name).toList());
        assertEquals(List.of(0, 3, 3, 3, 3, 3), s.stream().map(CpuGroupsSetting::hogs).toList());
        assertEquals(List.of(0, 0, 0, 0, CpuGroupsSetting.SHARES, 0), s.stream().map(CpuGroupsSetting::shares).toList());
        assertEquals(List.of(0, 0, 0, 0, 0, CpuGroupsSetting.WEIGHT), s.stream()
                .map(CpuGroupsSetting::sensitiveWeightOrZero).toList(), "with groups the tracker weighs the container");
        assertEquals("1;10000", s.get(5).weight());
        assertEquals("1", s.get(5).sensitiveCpus());
        assertEquals("0-1", s.get(3).sensitiveCpus());
        assertThrows(IllegalArgumentException.class, () -> new CpuGroupsSetting("x", null, 0, "", 1, 0, "0;1"));
        assertEquals(s.get(2).functionGroups(), s.get(5).functionGroups());
        assertFalse(s.get(1).grouped());
        assertEquals("0;1", s.get(2).groups());
        assertEquals("hog-*=0; sensitive-*=1", s.get(2).functionGroups(), "hogs and the sensitive function apart");
        assertEquals("0-1", s.get(3).groups());
        assertEquals(4, s.get(3).groupConcurrency(), "every invocation at once: no setting queues behind a limit");
        assertThrows(IllegalArgumentException.class, () -> CpuGroupsSetting.standard(0));
        assertThrows(IllegalArgumentException.class, () -> new CpuGroupsSetting("x", null, 1, "", 1));
        assertThrows(IllegalArgumentException.class, () -> new CpuGroupsParams(0, 3, 25, 1, 1000, 3, 1, 1));
    }

    @Test
    void percentilesAreNearestRank() {
        long[] v = {5, 1, 4, 2, 3};
        assertEquals(3, CpuGroupsResult.percentile(v, 0.5));
        assertEquals(5, CpuGroupsResult.percentile(v, 0.99));
        assertEquals(1, CpuGroupsResult.percentile(v, 0.01));
        assertEquals(0, CpuGroupsResult.percentile(new long[0], 0.5));
        assertTrue(Double.isNaN(CpuGroupsResult.median(new long[0])));
    }

    @Test
    void jsonHasTheIssuesFieldsPerSettingRatiosAndTargets() {
        JsonObject o = CpuGroupsReport.json(results(), results(), PARAMS, 2,
                new CpuGroupsReport.SchedExtCost(2.4, "contract-layout maps"));
        assertEquals("cpu-groups", o.get("benchmark").getAsString());
        assertEquals(3, o.getAsJsonObject("params").get("hogs").getAsInt());
        var settings = o.getAsJsonArray("settings");
        assertEquals(4, settings.size());
        JsonObject g1 = settings.get(2).getAsJsonObject();
        for (String key : List.of("groups", "group_size", "sensitive_p50_us", "sensitive_p99_us", "rq_latency_p99_us",
                "map_update_us")) {
            assertTrue(g1.has(key), key);
        }
        assertEquals(2, g1.get("groups").getAsInt());
        assertEquals(1, g1.get("group_size").getAsInt());
        assertEquals(1000, g1.get("sensitive_p50_us").getAsLong());
        assertEquals(1980, g1.get("sensitive_p99_us").getAsLong());
        assertEquals(128.0, g1.get("rq_latency_p99_us").getAsDouble());
        assertEquals(3.5, g1.get("map_update_us").getAsDouble());
        assertEquals(35.0, g1.get("map_move_us").getAsDouble());
        assertEquals(70.0, g1.get("map_restore_us").getAsDouble());
        assertTrue(g1.get("anatomy").isJsonArray());
        assertEquals(50, g1.get("sensitive_exec_p50_us").getAsLong());
        assertEquals("0 0 0", g1.get("hog_cpusets").getAsString());
        assertEquals(2.0, g1.get("p99_vs_floor").getAsDouble());
        assertEquals(5.0, g1.get("p99_gain_vs_no_groups").getAsDouble());
        JsonObject none = settings.get(1).getAsJsonObject();
        assertEquals(0, none.get("groups").getAsInt());
        assertTrue(none.get("map_update_us").isJsonNull(), "no groups: no mapping");
        assertEquals(1, settings.get(3).getAsJsonObject().get("groups").getAsInt());
        JsonObject t = o.getAsJsonObject("targets");
        assertEquals(5.0, t.get("p99_gain_groups_1").getAsDouble());
        assertEquals(5.0, t.get("p99_gain_best").getAsDouble(), "groups-1 (p99 1980) beats groups-2 (8910)");
        assertEquals("groups-1", t.get("p99_gain_best_setting").getAsString());
        assertEquals(35.0, t.get("map_move_us_cpuset").getAsDouble());
        assertTrue(t.get("p99_gain_met").getAsBoolean());
        assertTrue(t.get("map_update_met").getAsBoolean());
        assertEquals(2.4, o.getAsJsonObject("sched_ext").get("map_update_us").getAsDouble());
    }

    @Test
    void missedTargetsAndAMissingRunQueueShowAsSuch() {
        List<CpuGroupsSetting> s = CpuGroupsSetting.standard(3);
        List<CpuGroupsResult> r = List.of(result(s.get(1), 100, Double.NaN, Double.NaN),
                result(s.get(2), 60, Double.NaN, 7.5));
        JsonObject o = CpuGroupsReport.json(r, r, PARAMS, 2, new CpuGroupsReport.SchedExtCost(Double.NaN, "not measured"));
        JsonObject g1 = o.getAsJsonArray("settings").get(1).getAsJsonObject();
        assertTrue(g1.get("rq_latency_p99_us").isJsonNull());
        assertTrue(g1.get("p99_vs_floor").isJsonNull(), "no floor in this run");
        JsonObject t = o.getAsJsonObject("targets");
        assertFalse(t.get("p99_gain_met").getAsBoolean(), "100/60 < 2");
        assertFalse(t.get("map_update_met").getAsBoolean(), "7.5 us > 5 us");
        String table = CpuGroupsReport.table(r, new CpuGroupsReport.SchedExtCost(Double.NaN, "not measured"));
        assertTrue(table.contains("groups-1") && table.contains("1.67x") && table.contains("not measured"), table);
    }

    @Test
    void roundsPoolIntoOneResultPerSetting() {
        CpuGroupsSetting s = CpuGroupsSetting.standard(3).get(2);
        CpuGroupsResult a = result(s, 10, 128, 3.0);
        CpuGroupsResult b = result(s, 30, 1024, 5.0);
        CpuGroupsResult pooled = CpuGroupsResult.pool(List.of(a, b));
        assertEquals(200, pooled.e2eUs().length);
        assertEquals(200, pooled.rq().orElseThrow().count());
        assertEquals(2, pooled.rqPercentileUs(0.5), "98 % of the waits are in bucket 0");
        assertEquals(128, pooled.rqPercentileUs(0.99), "rank 198 of 200: the last of the 128 us bucket");
        assertEquals(1024, pooled.rqPercentileUs(1.0));
        assertEquals(128, a.rqPercentileUs(0.99));
        assertEquals(4.0, pooled.mapUpdateUs());
        assertEquals(80.0, pooled.map().restoredUs(), "the mean of 60 and 100");
        assertEquals(14, pooled.hogCalls());
        assertEquals("0 0 0", pooled.hogCpus(), "the same placement in both rounds, said once");
        assertThrows(IllegalArgumentException.class,
                () -> CpuGroupsResult.pool(List.of(a, result(CpuGroupsSetting.standard(3).get(1), 1, 2, 0))));
    }

    @Test
    void theFigureHasOneCategoryPerSetting() {
        var panels = CpuGroupsFigure.panels(results());
        assertEquals(2, panels.size());
        assertEquals(List.of("alone", "no-groups", "groups-1", "groups-2"), panels.get(0).categories());
        assertEquals(1.98, panels.get(0).series().get("p99")[2], 1e-9);
    }
}
