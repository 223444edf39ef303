package dev.vireo.sim;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * A sweep over seeds: per sweep point (a policy setting), the mean of each statistic over its seeds and the half-width
 * of its 95 % confidence interval (Student's t with n - 1 degrees of freedom: the seeds are few).
 */
final class SeedStats {
    /** The statistics of a run's {@code overall} summary that are averaged. */
    static final List<String> STATS = List.of("cold_pct", "e2e_p50_us", "e2e_p99_us", "overhead_p50_us",
            "overhead_p99_us", "throughput_per_s");

    private SeedStats() {
    }

    /** The seeds of {@code --seeds}: {@code A-B} (both included) or {@code A,B,...}; 2-100 of them, each >= 0. */
    static List<Long> parse(String spec) {
        List<Long> out = new ArrayList<>();
        String s = spec.strip();
        try {
            if (s.matches("\\d+-\\d+")) {
                long a = Long.parseLong(s.substring(0, s.indexOf('-')));
                long b = Long.parseLong(s.substring(s.indexOf('-') + 1));
                if (b < a || b - a > 99) {
                    throw new IllegalArgumentException("--seeds " + spec + ": A-B with A <= B, at most 100 seeds");
                }
                for (long i = 0; i <= b - a; i++) {
                    out.add(a + i);
                }
            } else {
                for (String p : s.split(",")) {
                    long v = Long.parseLong(p.strip());
                    if (v < 0 || out.contains(v)) {
                        throw new IllegalArgumentException("--seeds " + spec + ": each seed >= 0, once");
                    }
                    out.add(v);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seeds '" + spec + "' is not A-B or A,B,... (whole numbers)");
        }
        if (out.size() < 2 || out.size() > 100) {
            throw new IllegalArgumentException("--seeds " + spec + ": 2-100 seeds (one seed is --seed)");
        }
        return out;
    }

    /** Mean and 95 % half-width of {@code values} (n >= 2). */
    static double[] meanAndHalfWidth(double[] values) {
        int n = values.length;
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= n;
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double t = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975);
        return new double[] {mean, t * sd / Math.sqrt(n)};
    }

    /**
     * The sweep's lines ({@code point}, {@code seed}, {@code overall}) grouped by point, in the order of their first
     * line: {@code point}, {@code policies}, {@code seeds}, and per statistic {@code mean}, {@code ci95} (half-width)
     * and the {@code values} in seed order.
     */
    static JsonArray byPoint(JsonArray lines) {
        Map<String, List<JsonObject>> points = new LinkedHashMap<>();
        for (var e : lines) {
            JsonObject l = e.getAsJsonObject();
            points.computeIfAbsent(l.get("point").getAsString(), k -> new ArrayList<>()).add(l);
        }
        JsonArray out = new JsonArray();
        points.forEach((point, runs) -> {
            JsonObject p = new JsonObject();
            p.addProperty("point", point);
            p.add("policies", runs.get(0).get("policies"));
            JsonArray seeds = new JsonArray();
            runs.forEach(r -> seeds.add(r.get("seed").getAsLong()));
            p.add("seeds", seeds);
            for (String stat : STATS) {
                double[] v = runs.stream().mapToDouble(r -> r.getAsJsonObject("overall").get(stat).getAsDouble())
                        .toArray();
                double[] m = meanAndHalfWidth(v);
                JsonObject s = new JsonObject();
                s.addProperty("mean", round(m[0]));
                s.addProperty("ci95", round(m[1]));
                JsonArray values = new JsonArray();
                for (double x : v) {
                    values.add(x);
                }
                s.add("values", values);
                p.add(stat, s);
            }
            out.add(p);
        });
        return out;
    }

    /**
     * The table of {@link #byPoint}: each point's means +- half-widths, and a note where every seed gave the same
     * figures (nothing in the trace and configuration depends on the seed: an Ilúvatar trace has exact times and one
     * warm duration, and the sim backend draws with its own configured seed).
     */
    static String table(JsonArray byPoint) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-28s %5s %18s %24s %24s%n", "point (mean +- 95 %)",
                "seeds", "cold %", "e2e p50 us", "e2e p99 us"));
        for (var e : byPoint) {
            JsonObject p = e.getAsJsonObject();
            b.append(String.format(Locale.ROOT, "%-28s %5d %18s %24s %24s%n", p.get("point").getAsString(),
                    p.getAsJsonArray("seeds").size(), pm(p, "cold_pct", "%.2f"), pm(p, "e2e_p50_us", "%,.0f"),
                    pm(p, "e2e_p99_us", "%,.0f")));
            if (STATS.stream().allMatch(stat -> p.getAsJsonObject(stat).get("ci95").getAsDouble() == 0)) {
                b.append("  (every seed gave the same figures: nothing in this trace and configuration depends on the"
                        + " seed)\n");
            }
        }
        return b.toString();
    }

    private static String pm(JsonObject p, String stat, String format) {
        JsonObject s = p.getAsJsonObject(stat);
        return String.format(Locale.ROOT, format + " +- " + format, s.get("mean").getAsDouble(),
                s.get("ci95").getAsDouble());
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
