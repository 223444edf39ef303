package dev.vireo.loadgen;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Pulls a run's time window of series from graphite-web's render API ({@code /render?target=...&from=...&until=...
 * &format=json}) into the run's database as table {@code metrics(series, epoch_s, t_s, value)}, where {@code t_s} is
 * seconds from the run's start (the records' time axis), and as {@code metrics.csv}.
 */
final class Graphite {
    private Graphite() {
    }

    /** @return the number of data points stored */
    static long extract(Path dir, String graphiteUrl, List<String> targets, long startEpochMs, long endEpochMs)
            throws IOException, InterruptedException, SQLException {
        String base = graphiteUrl.replaceAll("/+$", "");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long from = startEpochMs / 1000 - 1;
        long until = (endEpochMs + 999) / 1000 + 1;
        long points = 0;
        try (Connection c = Results.open(dir); Statement s = c.createStatement()) {
            s.execute("CREATE OR REPLACE TABLE metrics (series VARCHAR, epoch_s BIGINT, t_s DOUBLE, value DOUBLE)");
            try (DuckDBAppender a = ((DuckDBConnection) c).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "metrics")) {
                for (String target : targets) {
                    URI uri = URI.create(base + "/render?format=json&from=" + from + "&until=" + until + "&target="
                            + URLEncoder.encode(target, StandardCharsets.UTF_8));
                    HttpResponse<String> r;
                    try {
                        r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                                HttpResponse.BodyHandlers.ofString());
                    } catch (IOException e) {
                        throw new IOException("cannot reach graphite-web at " + base + ": " + e.getMessage(), e);
                    }
                    if (r.statusCode() != 200) {
                        throw new IOException("graphite-web answered " + r.statusCode() + " for " + uri + ": "
                                + r.body().lines().limit(3).toList());
                    }
                    JsonArray series = JsonParser.parseString(r.body()).getAsJsonArray();
                    for (JsonElement e : series) {
                        String name = e.getAsJsonObject().get("target").getAsString();
                        for (JsonElement p : e.getAsJsonObject().getAsJsonArray("datapoints")) {
                            JsonArray pair = p.getAsJsonArray();
                            if (pair.get(0).isJsonNull()) {
                                continue;
                            }
                            long epoch = pair.get(1).getAsLong();
                            a.beginRow().append(name).append(epoch).append((epoch * 1000 - startEpochMs) / 1000.0)
                                    .append(pair.get(0).getAsDouble()).endRow();
                            points++;
                        }
                    }
                }
            }
            s.execute("COPY (SELECT * FROM metrics ORDER BY series, epoch_s) TO '" + Results.sql(dir.resolve("metrics.csv"))
                    + "' (HEADER, DELIMITER ',')");
        }
        return points;
    }
}
