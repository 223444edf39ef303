package dev.vireo.bench.cpugroups;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonArray;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results of {@code ./vireo bench cpu-groups} as JSON and as a table, with the ratios of the same run: each
 * setting's p99 against the floor (the sensitive function alone) and against the setting without groups, and the
 * issue's targets (with groups of one CPU the sensitive p99 at least 2x better than without groups; the mapping at
 * most 5 µs per invocation). Pure: no I/O.
 */
public final class CpuGroupsReport {
    /** The targets. */
    public static final double TARGET_GAIN = 2.0;
    public static final double TARGET_MAP_US = 5.0;

    private CpuGroupsReport() {
    }

    /**
     * The mapping cost in sched-ext mode, measured apart from the settings.
     *
     * @param medianUs {@code CpuGroupMaps.map} + {@code unmap}, median µs; NaN when not measured
     * @param floorUs  the floor in the same run: two {@code bpf(2)} lookups of a present key in the same map through
     *                 the same path (two syscalls that change nothing), median µs; NaN when not measured
     * @param how      how it was measured (or why not)
     */
    public record SchedExtCost(double medianUs, double floorUs, String how) {
        public SchedExtCost(double medianUs, String how) {
            this(medianUs, Double.NaN, how);
        }
    }

    /** Groups in the setting: 0 without the tracker. */
    static int groupCount(CpuGroupsSetting s) {
        return s.grouped() ? s.groups().split(";").length : 0;
    }

    /** The first result of a setting named {@code name}. */
    static Optional<CpuGroupsResult> named(List<CpuGroupsResult> results, String name) {
        return results.stream().filter(r -> r.setting().name().equals(name)).findFirst();
    }

    /** {@code a / b}, NaN when b is 0 or either is missing. */
    static double ratio(double a, double b) {
        return b == 0 || Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : a / b;
    }

    private static double p99(Optional<CpuGroupsResult> r) {
        return r.map(x -> (double) x.e2ePercentileUs(0.99)).orElse(Double.NaN);
    }

    /** The JSON document: parameters, one object per setting, the sched-ext mapping cost and the targets. */
    public static JsonObject json(List<CpuGroupsResult> results, List<CpuGroupsResult> rounds, CpuGroupsParams params,
            int cpus, SchedExtCost schedExt) {
        JsonObject out = new JsonObject();
        out.addProperty("benchmark", "cpu-groups");
        out.addProperty("cpus", cpus);
        JsonObject p = new JsonObject();
        p.addProperty("duration_s", params.durationS());
        p.addProperty("warmup_s", params.warmupS());
        p.addProperty("interval_ms", params.intervalMs());
        p.addProperty("sensitive_n", params.sensitiveN());
        p.addProperty("hog_ms", params.hogMs());
        p.addProperty("hogs", params.hogs());
        p.addProperty("bind_rounds", params.bindRounds());
        p.addProperty("rounds", params.rounds());
        out.add("params", p);
        double floorP99 = p99(named(results, "alone"));
        double noGroupsP99 = p99(named(results, "no-groups"));
        JsonArray settings = new JsonArray();
        for (CpuGroupsResult r : results) {
            settings.add(setting(r, floorP99, noGroupsP99));
        }
        out.add("settings", settings);
        JsonArray each = new JsonArray(); // round-major, the settings in order within each round
        int perRound = Math.max(1, rounds.size() / params.rounds());
        for (int i = 0; i < rounds.size(); i++) {
            JsonObject o = setting(rounds.get(i), floorP99, noGroupsP99);
            o.addProperty("round", i / perRound + 1);
            each.add(o);
        }
        out.add("rounds", each);
        JsonObject sx = new JsonObject();
        number(sx, "map_update_us", schedExt.medianUs());
        number(sx, "floor_two_syscalls_us", schedExt.floorUs());
        sx.addProperty("how", schedExt.how());
        out.add("sched_ext", sx);
        JsonObject t = new JsonObject();
        double gain = ratio(noGroupsP99, p99(named(results, "groups-1")));
        // every grouped setting is a configuration of the tracker a user may choose: the best one is "with groups"
        Optional<CpuGroupsResult> best = results.stream().filter(r -> r.setting().grouped())
                .min(java.util.Comparator.comparingLong(r -> r.e2ePercentileUs(0.99)));
        double bestGain = ratio(noGroupsP99, p99(best));
        double map = named(results, "groups-1").map(CpuGroupsResult::mapUpdateUs).orElse(Double.NaN);
        number(t, "p99_gain_groups_1", gain);
        // map_update_us is the setting's own case (kept in its group); a call that changes group pays a move
        number(t, "map_move_us_cpuset", named(results, "groups-1").map(r -> r.map().movedUs()).orElse(Double.NaN));
        number(t, "map_restore_us_cpuset", named(results, "groups-1").map(r -> r.map().restoredUs())
                .orElse(Double.NaN));
        t.addProperty("p99_gain_target", TARGET_GAIN);
        number(t, "p99_gain_best", bestGain);
        t.addProperty("p99_gain_best_setting", best.map(r -> r.setting().name()).orElse(""));
        t.addProperty("p99_gain_met", bestGain >= TARGET_GAIN);
        number(t, "map_update_us_cpuset", map);
        number(t, "map_update_us_sched_ext", schedExt.medianUs());
        t.addProperty("map_update_target_us", TARGET_MAP_US);
        t.addProperty("map_update_met", map <= TARGET_MAP_US
                && (Double.isNaN(schedExt.medianUs()) || schedExt.medianUs() <= TARGET_MAP_US));
        out.add("targets", t);
        return out;
    }

    /** One setting's object: the fields, the decomposition and checks, the ratios to the floor and no groups. */
    private static JsonObject setting(CpuGroupsResult r, double floorP99, double noGroupsP99) {
        CpuGroupsSetting s = r.setting();
        JsonObject o = new JsonObject();
        o.addProperty("setting", s.name());
        o.addProperty("groups", groupCount(s));
        o.addProperty("groups_spec", s.grouped() ? s.groups() : "");
        o.addProperty("group_size", s.groupSize());
        o.addProperty("function_groups", s.functionGroups());
        o.addProperty("hogs", s.hogs());
        o.addProperty("sensitive_cpu_shares", s.shares());
        o.addProperty("samples", r.e2eUs().length);
        o.addProperty("errors", r.errors());
        o.addProperty("hog_calls", r.hogCalls());
        o.addProperty("sensitive_p50_us", r.e2ePercentileUs(0.5));
        o.addProperty("sensitive_p99_us", r.e2ePercentileUs(0.99));
        o.addProperty("sensitive_exec_p50_us", CpuGroupsResult.percentile(r.execUs(), 0.5));
        o.addProperty("sensitive_exec_p99_us", CpuGroupsResult.percentile(r.execUs(), 0.99));
        number(o, "rq_latency_p50_us", r.rqPercentileUs(0.5));
        number(o, "rq_latency_p99_us", r.rqPercentileUs(0.99));
        o.addProperty("rq_waits", r.rq().map(h -> h.count()).orElse(0L));
        number(o, "rq_latency_max_us", r.rq().map(h -> h.maxNs() / 1000.0).orElse(Double.NaN));
        number(o, "map_update_us", r.mapUpdateUs());
        number(o, "map_move_us", r.map().movedUs());
        number(o, "map_restore_us", r.map().restoredUs());
        o.addProperty("sensitive_weight", s.sensitiveWeightOrZero());
        o.addProperty("hog_cpusets", r.hogCpus());
        number(o, "load_avg_1m", r.loadAvg());
        number(o, "p99_vs_floor", ratio(r.e2ePercentileUs(0.99), floorP99));
        number(o, "p99_gain_vs_no_groups", ratio(noGroupsP99, r.e2ePercentileUs(0.99)));
        o.add("anatomy", r.anatomy().summary());
        return o;
    }

    /** Adds {@code value} rounded to 0.1, or JSON null for NaN (not measured). */
    private static void number(JsonObject o, String key, double value) {
        if (Double.isNaN(value)) {
            o.add(key, JsonNull.INSTANCE);
        } else {
            o.addProperty(key, Math.round(value * 10) / 10.0);
        }
    }

    /** The table printed after the run. */
    public static String table(List<CpuGroupsResult> results, SchedExtCost schedExt) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-12s %6s %5s %4s %7s %6s %9s %9s %9s %9s %8s %8s %7s %9s %7s%n",
                "setting", "groups", "size", "hogs", "samples", "errors", "p50 us", "p99 us", "exec p50", "exec p99",
                "rq p50", "rq p99", "map us", "p99/floor", "gain"));
        double floorP99 = p99(named(results, "alone"));
        double noGroupsP99 = p99(named(results, "no-groups"));
        for (CpuGroupsResult r : results) {
            CpuGroupsSetting s = r.setting();
            long p99 = r.e2ePercentileUs(0.99);
            b.append(String.format(Locale.ROOT, "%-12s %6d %5d %4d %7d %6d %9d %9d %9d %9d %8s %8s %7s %9s %7s%n",
                    s.name(), groupCount(s), s.groupSize(), s.hogs(), r.e2eUs().length, r.errors(),
                    r.e2ePercentileUs(0.5), p99, CpuGroupsResult.percentile(r.execUs(), 0.5),
                    CpuGroupsResult.percentile(r.execUs(), 0.99), text(r.rqPercentileUs(0.5), "%.0f"),
                    text(r.rqPercentileUs(0.99), "%.0f"), text(r.mapUpdateUs(), "%.1f"),
                    text(ratio(p99, floorP99), "%.2fx"), text(ratio(noGroupsP99, p99), "%.2fx")));
        }
        for (CpuGroupsResult r : results) {
            if (r.setting().grouped()) {
                b.append(String.format(Locale.ROOT, "%-12s cpuset mapping: %s us kept in its group (idle = keep), %s us"
                        + " moved between two groups, %s us restored after each call (idle = restore)%n",
                        r.setting().name(), text(r.map().keptUs(), "%.1f"), text(r.map().movedUs(), "%.1f"),
                        text(r.map().restoredUs(), "%.1f")));
            }
        }
        b.append(anatomy(results));
        b.append(String.format(Locale.ROOT, "sched-ext mapping (CpuGroupMaps.map + unmap): %s us, floor (two bpf(2)"
                + " lookups of a present key) %s us (%s)%n", text(schedExt.medianUs(), "%.1f"),
                text(schedExt.floorUs(), "%.1f"), schedExt.how()));
        b.append("gain = p99 without groups / p99 of the setting; exec = the handler's run in the agent (worker"
                + " record); rq = run-queue wait of the sensitive function's containers (histogram bucket upper"
                + " bounds)\n");
        return b.toString();
    }

    /** The sensitive invocations' hops, p50 µs, one column per setting. */
    static String anatomy(List<CpuGroupsResult> results) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-40s", "hop p50 us (sensitive calls)"));
        List<com.google.gson.JsonArray> rows = results.stream().map(r -> r.anatomy().summary()).toList();
        results.forEach(r -> b.append(String.format(Locale.ROOT, " %12s", r.setting().name())));
        b.append('\n');
        int hops = rows.isEmpty() ? 0 : rows.get(0).size();
        for (int h = 0; h < hops; h++) {
            b.append(String.format(Locale.ROOT, "%-40s", rows.get(0).get(h).getAsJsonObject().get("hop").getAsString()));
            for (com.google.gson.JsonArray row : rows) {
                JsonObject o = row.get(h).getAsJsonObject();
                b.append(String.format(Locale.ROOT, " %12s", o.get("calls").getAsInt() == 0 ? "-"
                        : String.format(Locale.ROOT, "%.1f", o.get("p50_us").getAsDouble())));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String text(double v, String format) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }
}
