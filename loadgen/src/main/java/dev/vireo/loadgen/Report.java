package dev.vireo.loadgen;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html} with plots, every one from SQL over the run's records: latency CDF, throughput and cold starts
 * over time, overhead vs load, per-worker load, and each metric series pulled from Graphite beside the latencies of
 * the same seconds. Each plot is written twice with one base name: a PNG shown in the page and an SVG (for papers)
 * linked under it; {@link Chart} draws both.
 */
public final class Report {
    private Report() {
    }

    /** x and y of a two-column query. */
    private static double[][] xy(Statement s, String sql) throws SQLException {
        List<double[]> rows = new ArrayList<>();
        try (ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                rows.add(new double[] {r.getDouble(1), r.getDouble(2)});
            }
        }
        double[][] out = new double[2][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            out[0][i] = rows.get(i)[0];
            out[1][i] = rows.get(i)[1];
        }
        return out;
    }

    private static Chart.Series line(String name, double[][] xy) {
        return new Chart.Series(name, xy[0], xy[1], false, false);
    }

    public static void write(Path dir, JsonObject summary) throws IOException, SQLException {
        List<String[]> images = new ArrayList<>();
        try (Connection c = Results.open(dir); Statement s = c.createStatement()) {
            Chart cdf = new Chart("End-to-end latency CDF (client side, successful invocations)", "latency (ms)",
                    "fraction").logX().yRange(0, 1);
            for (String state : List.of("cold", "warm")) {
                cdf.add(line(state, xy(s, "SELECT client_us / 1000.0, cume_dist() OVER (ORDER BY client_us) FROM"
                        + " records WHERE success AND state = '" + state + "' USING SAMPLE reservoir(3000 ROWS) REPEATABLE (1) ORDER BY 1")));
            }
            cdf.add(line("all", xy(s, "SELECT client_us / 1000.0, cume_dist() OVER (ORDER BY client_us) FROM records"
                    + " WHERE success USING SAMPLE reservoir(3000 ROWS) REPEATABLE (1) ORDER BY 1")));
            images.add(save(dir, "latency-cdf", cdf));

            String seconds = "floor((sent_us + client_us) / 1e6)";
            Chart tput = new Chart("Throughput and cold starts over time", "time (s)", "completed per s")
                    .rightLabel("cold starts per s");
            tput.add(line("completed/s", xy(s, "SELECT " + seconds + " AS t, count(*) FROM records GROUP BY t ORDER BY t")));
            double[][] cold = xy(s, "SELECT " + seconds + " AS t, count(*) FILTER (WHERE state = 'cold') FROM records"
                    + " GROUP BY t ORDER BY t");
            tput.add(new Chart.Series("cold starts/s", cold[0], cold[1], false, true));
            images.add(save(dir, "throughput", tput));

            Chart load = new Chart("Platform overhead vs load (one point per second)", "invocations sent in that second",
                    "overhead p50 (ms)");
            double[][] ov = xy(s, "SELECT count(*), quantile_disc(overhead_us, 0.5) / 1000.0 FROM records WHERE success"
                    + " GROUP BY floor(sent_us / 1e6) ORDER BY 1");
            load.add(new Chart.Series("overhead p50", ov[0], ov[1], true, false));
            images.add(save(dir, "overhead-vs-load", load));

            Chart workers = new Chart("Invocations per worker over time", "time (s)", "invocations per s");
            List<String> names = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT DISTINCT worker FROM records WHERE worker <> '' ORDER BY 1 LIMIT 8")) {
                while (r.next()) {
                    names.add(r.getString(1));
                }
            }
            for (String w : names) {
                workers.add(line(w, xy(s, "SELECT floor(sent_us / 1e6) AS t, count(*) FROM records WHERE worker = '"
                        + w.replace("'", "''") + "' GROUP BY t ORDER BY t")));
            }
            images.add(save(dir, "workers", workers));

            if (hasTable(s, "metrics")) {
                List<String> series = new ArrayList<>();
                try (ResultSet r = s.executeQuery("SELECT DISTINCT series FROM metrics ORDER BY 1 LIMIT 12")) {
                    while (r.next()) {
                        series.add(r.getString(1));
                    }
                }
                double[][] p50 = xy(s, "SELECT floor(sent_us / 1e6) AS t, quantile_disc(client_us, 0.5) / 1000.0 FROM"
                        + " records GROUP BY t ORDER BY t");
                int i = 0;
                for (String name : series) {
                    Chart m = new Chart(name + " (Graphite) and latency", "time (s)", "value").rightLabel("e2e p50 (ms)");
                    m.add(line(shorten(name), xy(s, "SELECT t_s, value FROM metrics WHERE series = '"
                            + name.replace("'", "''") + "' AND value IS NOT NULL ORDER BY t_s")));
                    m.add(new Chart.Series("e2e p50", p50[0], p50[1], false, true));
                    images.add(save(dir, "metric-" + (i++), m));
                }
            }
        }
        Files.writeString(dir.resolve("report.html"), html(dir, summary, images));
    }

    private static String shorten(String series) {
        return series.length() > 60 ? "..." + series.substring(series.length() - 57) : series;
    }

    static boolean hasTable(Statement s, String table) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = '"
                + table + "'")) {
            r.next();
            return r.getLong(1) > 0;
        }
    }

    /** The chart as {@code base.png} and {@code base.svg}; null when it has nothing to draw. */
    private static String[] save(Path dir, String base, Chart chart) throws IOException {
        if (chart.isEmpty()) {
            return null;
        }
        return chart.write(dir, base).toArray(String[]::new);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String html(Path dir, JsonObject summary, List<String[]> images) {
        StringBuilder b = new StringBuilder();
        JsonObject run = summary.getAsJsonObject("run");
        // a simulated run leaves its name out of the summary (the same inputs give the same bytes): the folder's
        String title = run.has("name") ? run.get("name").getAsString() : dir.toAbsolutePath().getFileName().toString();
        b.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Vireo run ")
                .append(esc(title)).append("</title>\n<style>body{font-family:sans-serif;"
                        + "margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}</style></head><body>\n");
        b.append("<h1>Vireo run ").append(esc(title)).append("</h1>\n<table>");
        for (Map.Entry<String, JsonElement> e : run.entrySet()) {
            b.append("<tr><td>").append(esc(e.getKey())).append("</td><td>")
                    .append(esc(e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString()))
                    .append("</td></tr>");
        }
        b.append("</table>\n<h2>Summary</h2>\n<table><tr><th>function</th>");
        for (String k : Results.STAT_NAMES) {
            b.append("<th>").append(k).append("</th>");
        }
        b.append("</tr>\n");
        Map<String, JsonObject> rows = new LinkedHashMap<>();
        rows.put("overall", summary.getAsJsonObject("overall"));
        JsonObject fns = summary.getAsJsonObject("functions");
        int shown = 0;
        for (String f : fns.keySet()) {
            if (shown++ >= 60) {
                break;
            }
            rows.put(f, fns.getAsJsonObject(f));
        }
        rows.forEach((name, o) -> {
            b.append("<tr><td>").append(esc(name)).append("</td>");
            for (String k : Results.STAT_NAMES) {
                double v = o.get(k).getAsDouble();
                b.append("<td>").append(v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v)
                        : String.format(Locale.ROOT, "%,.2f", v)).append("</td>");
            }
            b.append("</tr>\n");
        });
        b.append("</table>\n");
        if (fns.size() > 60) {
            b.append("<p>").append(fns.size() - 60).append(" more functions in summary.json and records.duckdb.</p>\n");
        }
        b.append("<p>Raw records: <code>records.duckdb</code> (table <code>records</code>), <code>records.parquet</code>,"
                + " <code>records.csv</code>.</p>\n<h2>Plots</h2>\n");
        for (String[] img : images) {
            if (img != null) {
                b.append("<p><img src=\"").append(img[0]).append("\" alt=\"").append(img[0]).append("\"><br>")
                        .append("<a href=\"").append(img[1]).append("\">").append(img[1]).append("</a> (vector)</p>\n");
            }
        }
        return b.append("</body></html>\n").toString();
    }
}
