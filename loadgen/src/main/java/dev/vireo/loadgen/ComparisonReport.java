package dev.vireo.loadgen;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code compare.html}: several runs in one page (a sweep's points, a live run and its simulation, the runs of
 * {@code results compare --html}). The runs' end-to-end latency CDFs overlaid in one plot, bars of their p50 and p99
 * latencies and cold-start shares side by side, and the table of their overall statistics; every figure is drawn
 * from SQL over the runs' records, a PNG in the page and an SVG linked under it. The runs of one sweep point over
 * several seeds are one group: their records pooled, one line and one row.
 */
public final class ComparisonReport {
    /** The most runs a figure draws (one colour each); the table has them all. */
    static final int MAX_DRAWN = 8;

    private ComparisonReport() {
    }

    /**
     * One line of the figures and one row of the table: a run, or the runs of one sweep point over several seeds,
     * whose records are pooled.
     */
    public record Group(String label, List<Path> runs) {
        public Group {
            runs = List.copyOf(runs);
            if (runs.isEmpty()) {
                throw new IllegalArgumentException("group " + label + " has no run");
            }
        }
    }

    /**
     * Writes {@code compare.html}, {@code compare-cdf.png|svg} and {@code compare-bars.png|svg} into {@code dir}.
     *
     * @param runs   results folders, at least two
     * @param labels one short name per run, in the same order (a sweep point: {@code queue=fcfs})
     * @return the page
     */
    public static Path write(Path dir, String title, List<Path> runs, List<String> labels)
            throws IOException, SQLException {
        if (runs.size() != labels.size()) {
            throw new IllegalArgumentException(runs.size() + " runs and " + labels.size() + " labels");
        }
        List<Group> groups = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            groups.add(new Group(labels.get(i), List.of(runs.get(i))));
        }
        return write(dir, title, groups);
    }

    /** As above, a line and a row per group (a sweep point's seeds pooled), at least two groups. */
    public static Path write(Path dir, String title, List<Group> groups) throws IOException, SQLException {
        if (groups.size() < 2) {
            throw new IllegalArgumentException("a comparison needs at least two runs (given " + groups.size() + ")");
        }
        for (Group g : groups) {
            for (Path p : g.runs()) {
                if (!Files.isRegularFile(p.resolve(Results.DB))) {
                    throw new IllegalArgumentException(p + " is not a results folder (no " + Results.DB + ")");
                }
            }
        }
        int drawn = Math.min(MAX_DRAWN, groups.size());
        Chart cdf = new Chart("End-to-end latency CDF (client side, successful invocations)", "latency (ms)",
                "fraction").logX().yRange(0, 1);
        List<JsonObject> stats = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            int attached = 0;
            for (int i = 0; i < groups.size(); i++) {
                StringBuilder union = new StringBuilder();
                for (Path run : groups.get(i).runs()) {
                    s.execute("ATTACH '" + Results.sql(run.resolve(Results.DB)) + "' AS r" + attached + " (READ_ONLY)");
                    // by name: a run of an older version may lack a column
                    union.append(union.isEmpty() ? "" : " UNION ALL BY NAME ").append("SELECT * FROM r")
                            .append(attached++).append(".records");
                }
                try (ResultSet r = s.executeQuery("SELECT " + Results.STATS + " FROM (" + union + ")")) {
                    r.next();
                    stats.add(Results.stats(r));
                }
                if (i >= drawn) {
                    continue;
                }
                List<double[]> points = new ArrayList<>();
                // the successful invocations first, then the sample (a sample is drawn before WHERE)
                try (ResultSet r = s.executeQuery("SELECT client_us / 1000.0, cume_dist() OVER (ORDER BY client_us)"
                        + " FROM (SELECT client_us FROM (" + union + ") WHERE success) USING SAMPLE reservoir(3000"
                        + " ROWS) REPEATABLE (1) ORDER BY 1")) {
                    while (r.next()) {
                        points.add(new double[] {r.getDouble(1), r.getDouble(2)});
                    }
                }
                double[] x = new double[points.size()];
                double[] y = new double[points.size()];
                for (int k = 0; k < points.size(); k++) {
                    x[k] = points.get(k)[0];
                    y[k] = points.get(k)[1];
                }
                cdf.add(new Chart.Series(groups.get(i).label(), x, y, false, false));
            }
        }
        Files.createDirectories(dir);
        List<String> cdfFiles = cdf.isEmpty() ? List.of() : cdf.write(dir, "compare-cdf");
        List<String> categories = List.of("e2e p50", "e2e p99", "overhead p50", "overhead p99");
        Map<String, double[]> latency = new LinkedHashMap<>();
        Map<String, double[]> cold = new LinkedHashMap<>();
        for (int i = 0; i < drawn; i++) {
            JsonObject st = stats.get(i);
            latency.put(groups.get(i).label(), new double[] {ms(st, "e2e_p50_us"), ms(st, "e2e_p99_us"),
                ms(st, "overhead_p50_us"), ms(st, "overhead_p99_us")});
            cold.put(groups.get(i).label(), new double[] {st.get("cold_pct").getAsDouble()});
        }
        List<Path> bars = ComparisonFigure.write(dir, "compare-bars", List.of(
                new ComparisonFigure.Panel("Latency (p50 and p99)", "ms", categories, latency),
                new ComparisonFigure.Panel("Cold starts", "% of invocations", List.of("cold"), cold)), 2);
        Path page = dir.resolve("compare.html");
        Files.writeString(page, html(title, groups, stats, cdfFiles, bars, drawn));
        return page;
    }

    private static double ms(JsonObject stats, String key) {
        return stats.get(key).getAsDouble() / 1000.0;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String html(String title, List<Group> groups, List<JsonObject> overall, List<String> cdf,
            List<Path> bars, int drawn) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}"
                        + "td:first-child{text-align:left}</style></head><body>\n<h1>").append(esc(title))
                .append("</h1>\n<table><tr><th>run</th>");
        for (String k : Results.STAT_NAMES) {
            b.append("<th>").append(k).append("</th>");
        }
        b.append("<th>folder(s)</th></tr>\n");
        for (int i = 0; i < groups.size(); i++) {
            JsonObject st = overall.get(i);
            b.append("<tr><td>").append(esc(groups.get(i).label())).append("</td>");
            for (String k : Results.STAT_NAMES) {
                double v = st.get(k).getAsDouble();
                b.append("<td>").append(v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v)
                        : String.format(Locale.ROOT, "%,.2f", v)).append("</td>");
            }
            b.append("<td>").append(esc(String.join(", ", groups.get(i).runs().stream().map(Path::toString)
                    .toList()))).append("</td></tr>\n");
        }
        b.append("</table>\n");
        if (drawn < groups.size()) {
            b.append("<p>The figures draw the first ").append(drawn).append(" of ").append(groups.size())
                    .append(" rows.</p>\n");
        }
        if (!cdf.isEmpty()) {
            b.append(figure(cdf.get(0), cdf.get(1)));
        }
        b.append(figure(bars.get(0).getFileName().toString(), bars.get(1).getFileName().toString()));
        return b.append("</body></html>\n").toString();
    }

    private static String figure(String png, String svg) {
        return "<p><img src=\"" + esc(png) + "\" alt=\"" + esc(png) + "\"><br><a href=\"" + esc(svg) + "\">"
                + esc(svg) + "</a> (vector)</p>\n";
    }
}
