package dev.vireo.loadgen;

import dev.vireo.workload.Row;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
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
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * A run's results folder: {@code records.duckdb} (table {@code records}, one row per invocation, and table
 * {@code run}), the same records as {@code records.parquet} and {@code records.csv}, {@code summary.json} and
 * {@code report.html}. Every figure comes from SQL over the records.
 */
public final class Results {
    public static final String DB = "records.duckdb";

    /**
     * The records table; column order = {@link Row}'s components. {@code cpu_wait_us}, {@code cpu_time_us} and
     * {@code energy_uj} are NULL where the worker did not measure them (the record's -1), so that SQL aggregates skip
     * them.
     */
    static final String SCHEMA = """
            CREATE TABLE records (
              tid VARCHAR, function VARCHAR, trace_function VARCHAR, clients INTEGER,
              scheduled_us BIGINT, sent_us BIGINT, client_us BIGINT, success BOOLEAN, error_kind VARCHAR,
              error VARCHAR, worker VARCHAR, state VARCHAR, queued_us BIGINT, acquire_us BIGINT,
              cold_start_us BIGINT, transport_us BIGINT, execution_us BIGINT, worker_e2e_us BIGINT,
              cpu_wait_us BIGINT, cpu_time_us BIGINT, energy_uj BIGINT, attempts INTEGER, pick_us BIGINT, forward_us BIGINT, controller_us BIGINT, overhead_us BIGINT)""";

    private Results() {
    }

    /** {@code value}, or NULL where it was not measured (-1). */
    private static DuckDBAppender measured(DuckDBAppender a, long value) throws SQLException {
        return value < 0 ? a.appendNull() : a.append(value);
    }

    static Connection open(Path dir) throws SQLException {
        return DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(DB).toAbsolutePath());
    }

    /** Writes the folder (which must not exist yet or be empty) and returns the summary. */
    public static JsonObject write(Path dir, List<Row> rows, JsonObject run) throws IOException, SQLException {
        Files.createDirectories(dir);
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(Row::sentUs).thenComparing(Row::tid));
        try (Connection c = open(dir); Statement s = c.createStatement()) {
            s.execute(SCHEMA);
            try (DuckDBAppender a = ((DuckDBConnection) c).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "records")) {
                for (Row r : sorted) {
                    a.beginRow().append(r.tid()).append(r.function()).append(r.traceFunction()).append(r.clients())
                            .append(r.scheduledUs()).append(r.sentUs()).append(r.clientUs()).append(r.success())
                            .append(r.errorKind()).append(r.error()).append(r.worker()).append(r.state())
                            .append(r.queuedUs()).append(r.acquireUs()).append(r.coldStartUs()).append(r.transportUs())
                            .append(r.executionUs()).append(r.workerE2eUs());
                    measured(a, r.cpuWaitUs());
                    measured(a, r.cpuTimeUs());
                    measured(a, r.energyUj()).append(r.attempts())
                            .append(r.pickUs()).append(r.forwardUs()).append(r.controllerUs()).append(r.overheadUs())
                            .endRow();
                }
            }
            s.execute("CREATE TABLE run (key VARCHAR, value VARCHAR)");
            try (var p = c.prepareStatement("INSERT INTO run VALUES (?, ?)")) {
                for (var e : run.entrySet()) {
                    p.setString(1, e.getKey());
                    p.setString(2, e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString());
                    p.addBatch();
                }
                p.executeBatch();
            }
            String export = exported(run);
            s.execute("COPY (" + export + ") TO '" + sql(dir.resolve("records.parquet")) + "' (FORMAT PARQUET)");
            s.execute("COPY (" + export + ") TO '" + sql(dir.resolve("records.csv")) + "' (HEADER, DELIMITER ',')");
            JsonObject summary = summary(c, run);
            Files.writeString(dir.resolve("summary.json"),
                    new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(summary) + "\n");
            return summary;
        }
    }

    /**
     * The records as exported (Parquet, CSV): every column of {@code records}, then the run's seed ({@code seed}, NULL
     * where the run has none) and one column per policy the run names ({@code policy_queue}, {@code policy_keepalive},
     * ...), so that rows of many runs (a sweep, several seeds) read together still say which run and policy they
     * belong to. The DuckDB file keeps them in its {@code run} table.
     */
    static String exported(JsonObject run) {
        StringBuilder q = new StringBuilder("SELECT records.*, ");
        q.append(run.has("seed") && run.get("seed").isJsonPrimitive() && run.get("seed").getAsJsonPrimitive().isNumber()
                ? "CAST(" + run.get("seed").getAsLong() + " AS BIGINT)" : "CAST(NULL AS BIGINT)").append(" AS seed");
        if (run.has("policies") && run.get("policies").isJsonObject()) {
            for (var e : new java.util.TreeMap<>(run.getAsJsonObject("policies").asMap()).entrySet()) {
                String point = e.getKey().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
                q.append(", '").append(e.getValue().getAsString().replace("'", "''")).append("' AS policy_")
                        .append(point);
            }
        }
        return q.append(" FROM records ORDER BY sent_us, tid").toString();
    }

    public static String sql(Path p) {
        return p.toAbsolutePath().toString().replace("'", "''");
    }

    /** The statistics of one group of records, as SQL select items (same for summary and compare). */
    static final String STATS = """
            count(*) AS count,
            count(*) FILTER (WHERE NOT success) AS errors,
            coalesce(round(100.0 * count(*) FILTER (WHERE state = 'cold') / nullif(count(*) FILTER (WHERE state <> ''), 0), 3), 0) AS cold_pct,
            coalesce(quantile_disc(client_us, 0.5), 0) AS e2e_p50_us,
            coalesce(quantile_disc(client_us, 0.9), 0) AS e2e_p90_us,
            coalesce(quantile_disc(client_us, 0.99), 0) AS e2e_p99_us,
            coalesce(quantile_disc(overhead_us, 0.5), 0) AS overhead_p50_us,
            coalesce(quantile_disc(overhead_us, 0.9), 0) AS overhead_p90_us,
            coalesce(quantile_disc(overhead_us, 0.99), 0) AS overhead_p99_us,
            coalesce(round(count(*) FILTER (WHERE success) / greatest((max(sent_us + client_us) - min(sent_us)) / 1e6, 1e-6), 3), 0) AS throughput_per_s""";

    static final String[] STAT_NAMES = {"count", "errors", "cold_pct", "e2e_p50_us", "e2e_p90_us", "e2e_p99_us",
            "overhead_p50_us", "overhead_p90_us", "overhead_p99_us", "throughput_per_s"};

    static JsonObject stats(ResultSet r) throws SQLException {
        JsonObject o = new JsonObject();
        for (String k : STAT_NAMES) {
            if (k.equals("cold_pct") || k.equals("throughput_per_s")) {
                o.addProperty(k, r.getDouble(k));
            } else {
                o.addProperty(k, r.getLong(k));
            }
        }
        return o;
    }

    static JsonObject summary(Connection c, JsonObject run) throws SQLException {
        JsonObject out = new JsonObject();
        out.add("run", run);
        try (Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT " + STATS + ", coalesce(round((max(sent_us + client_us)"
                    + " - min(sent_us)) / 1e6, 3), 0) AS duration_s FROM records")) {
                r.next();
                JsonObject overall = stats(r);
                overall.addProperty("duration_s", r.getDouble("duration_s"));
                out.add("overall", overall);
            }
            JsonObject functions = new JsonObject();
            try (ResultSet r = s.executeQuery("SELECT function, " + STATS + " FROM records GROUP BY function ORDER BY function")) {
                while (r.next()) {
                    functions.add(r.getString("function"), stats(r));
                }
            }
            out.add("functions", functions);
            JsonObject workers = new JsonObject();
            try (ResultSet r = s.executeQuery("SELECT worker, count(*) AS n FROM records WHERE worker <> ''"
                    + " GROUP BY worker ORDER BY worker")) {
                while (r.next()) {
                    workers.addProperty(r.getString("worker"), r.getLong("n"));
                }
            }
            out.add("workers", workers);
            JsonObject errors = new JsonObject();
            try (ResultSet r = s.executeQuery("SELECT error_kind, count(*) AS n FROM records WHERE NOT success"
                    + " GROUP BY error_kind ORDER BY error_kind")) {
                while (r.next()) {
                    errors.addProperty(r.getString("error_kind"), r.getLong("n"));
                }
            }
            out.add("errors", errors);
            JsonArray steps = new JsonArray();
            try (ResultSet r = s.executeQuery("SELECT clients, " + STATS + " FROM records WHERE clients > 0"
                    + " GROUP BY clients ORDER BY clients")) {
                while (r.next()) {
                    JsonObject step = stats(r);
                    step.addProperty("clients", r.getInt("clients"));
                    steps.add(step);
                }
            }
            if (!steps.isEmpty()) {
                out.add("steps", steps);
            }
        }
        return out;
    }

    /**
     * {@code results compare RUN...}: the same statistics from every run's records side by side, as JSON ({@code runs}:
     * the folders in order; {@code groups}: overall and per function, each with {@code stats}, one object per run in
     * the same order). Per-function groups are those of the functions every run has, left out past 20
     * ({@code functions_left_out} says how many).
     */
    public static JsonObject compare(List<Path> runs) throws SQLException {
        if (runs.size() < 2) {
            throw new IllegalArgumentException("compare needs at least two runs (given " + runs.size() + ")");
        }
        for (Path p : runs) {
            if (!Files.isRegularFile(p.resolve(DB))) {
                throw new IllegalArgumentException(p + " is not a results folder (no " + DB + ")");
            }
        }
        JsonObject out = new JsonObject();
        com.google.gson.JsonArray names = new com.google.gson.JsonArray();
        runs.forEach(p -> names.add(p.toString()));
        out.add("runs", names);
        com.google.gson.JsonArray groups = new com.google.gson.JsonArray();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            for (int i = 0; i < runs.size(); i++) {
                s.execute("ATTACH '" + sql(runs.get(i).resolve(DB)) + "' AS r" + i + " (READ_ONLY)");
            }
            groups.add(group(s, runs.size(), "overall", ""));
            StringBuilder common = new StringBuilder();
            for (int i = 0; i < runs.size(); i++) {
                common.append(i == 0 ? "" : " INTERSECT ").append("SELECT DISTINCT function FROM r").append(i)
                        .append(".records");
            }
            List<String> functions = new ArrayList<>();
            try (ResultSet r = s.executeQuery(common + " ORDER BY 1")) {
                while (r.next()) {
                    functions.add(r.getString(1));
                }
            }
            if (functions.size() <= 20) {
                for (String f : functions) {
                    groups.add(group(s, runs.size(), f, " WHERE function = '" + f.replace("'", "''") + "'"));
                }
            } else {
                out.addProperty("functions_left_out", functions.size());
            }
        }
        out.add("groups", groups);
        return out;
    }

    private static JsonObject group(Statement s, int runs, String name, String where) throws SQLException {
        JsonObject g = new JsonObject();
        g.addProperty("name", name);
        com.google.gson.JsonArray stats = new com.google.gson.JsonArray();
        for (int i = 0; i < runs; i++) {
            try (ResultSet r = s.executeQuery("SELECT " + STATS + " FROM r" + i + ".records" + where)) {
                r.next();
                stats.add(stats(r));
            }
        }
        g.add("stats", stats);
        return g;
    }

    /** The runs' labels in tables: A, B, C, ... Z, then R27, R28, ... */
    static String label(int i) {
        return i < 26 ? String.valueOf((char) ('A' + i)) : "R" + (i + 1);
    }

    /** The table of {@link #compare}: each statistic of every run, and the change of each from the first run. */
    public static void printComparison(JsonObject comparison, java.io.PrintStream out) {
        var runs = comparison.getAsJsonArray("runs");
        for (int i = 0; i < runs.size(); i++) {
            out.printf(Locale.ROOT, "%s = %s%n", label(i), runs.get(i).getAsString());
        }
        out.println();
        for (var e : comparison.getAsJsonArray("groups")) {
            JsonObject g = e.getAsJsonObject();
            var stats = g.getAsJsonArray("stats");
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-20s", g.get("name").getAsString()));
            for (int i = 0; i < stats.size(); i++) {
                head.append(String.format(Locale.ROOT, " %14s", label(i)));
            }
            for (int i = 1; i < stats.size(); i++) {
                head.append(String.format(Locale.ROOT, " %10s", label(i) + " vs A"));
            }
            out.println(head);
            for (String k : STAT_NAMES) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-18s", k));
                double first = stats.get(0).getAsJsonObject().get(k).getAsDouble();
                for (int i = 0; i < stats.size(); i++) {
                    line.append(String.format(Locale.ROOT, " %14s", num(stats.get(i).getAsJsonObject().get(k).getAsDouble())));
                }
                for (int i = 1; i < stats.size(); i++) {
                    double v = stats.get(i).getAsJsonObject().get(k).getAsDouble();
                    String diff = first == 0 ? (v == 0 ? "=" : "new")
                            : v == first ? "=" : String.format(Locale.ROOT, "%+.1f%%", 100 * (v - first) / first);
                    line.append(String.format(Locale.ROOT, " %10s", diff));
                }
                out.println(line);
            }
            out.println();
        }
        if (comparison.has("functions_left_out")) {
            out.println("(" + comparison.get("functions_left_out").getAsInt() + " functions in every run: per-function"
                    + " rows left out; query records.duckdb for them)");
        }
    }

    /** The overall (and per-step) statistics of a run's summary as a table. */
    public static void printSummary(JsonObject summary, java.io.PrintStream out) {
        JsonObject o = summary.getAsJsonObject("overall");
        out.printf(Locale.ROOT, "%-14s %10s %8s %8s %12s %12s %12s %12s %12s%n", "", "count", "errors", "cold %",
                "e2e p50 us", "e2e p99 us", "ovh p50 us", "ovh p99 us", "per s");
        out.printf(Locale.ROOT, "%-14s %10d %8d %8.2f %12d %12d %12d %12d %12.1f%n", "overall",
                o.get("count").getAsLong(), o.get("errors").getAsLong(), o.get("cold_pct").getAsDouble(),
                o.get("e2e_p50_us").getAsLong(), o.get("e2e_p99_us").getAsLong(), o.get("overhead_p50_us").getAsLong(),
                o.get("overhead_p99_us").getAsLong(), o.get("throughput_per_s").getAsDouble());
        if (summary.has("steps")) {
            for (var e : summary.getAsJsonArray("steps")) {
                JsonObject s = e.getAsJsonObject();
                out.printf(Locale.ROOT, "%-14s %10d %8d %8.2f %12d %12d %12d %12d %12.1f%n",
                        s.get("clients").getAsInt() + " clients", s.get("count").getAsLong(),
                        s.get("errors").getAsLong(), s.get("cold_pct").getAsDouble(), s.get("e2e_p50_us").getAsLong(),
                        s.get("e2e_p99_us").getAsLong(), s.get("overhead_p50_us").getAsLong(),
                        s.get("overhead_p99_us").getAsLong(), s.get("throughput_per_s").getAsDouble());
            }
        }
        if (!summary.getAsJsonObject("errors").isEmpty()) {
            out.println("errors by kind: " + summary.getAsJsonObject("errors"));
        }
        out.println(summary.getAsJsonObject("run").get("kind").getAsString() + " as JSON: " + o);
    }

    private static String num(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%,.2f", v);
    }
}
