package dev.vireo.loadgen;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * A workflow run's results folder, beside the invocation runs' ({@link Results}): {@code records.duckdb} with table
 * {@code tasks} (one row per task, workflow order) and table {@code run} (key, value), the same rows as
 * {@code tasks.parquet} and {@code tasks.csv} (DuckDB {@code COPY}), {@code summary.json} and ({@link DagReport})
 * {@code report.html}. Every figure of the summary is SQL over {@code tasks}; the columns {@code depth} and
 * {@code critical} are the layout's and the critical path's ({@link DagGraph}), stored so that queries and a redrawn
 * report need nothing else.
 */
public final class DagResults {
    /** The task states in the order the API lists them. */
    static final List<String> STATES = List.of("waiting", "running", "succeeded", "failed", "skipped", "cancelled");

    /** The tasks table; column order = {@link DagTask}'s components, then depth and critical. */
    static final String SCHEMA = """
            CREATE TABLE tasks (
              position INTEGER, task VARCHAR, function VARCHAR, state VARCHAR, worker VARCHAR, container VARCHAR,
              attempts INTEGER, items INTEGER, start_us BIGINT, end_us BIGINT, queued_us BIGINT, input_us BIGINT,
              execution_us BIGINT, output_us BIGINT, bytes_in BIGINT, bytes_out BIGINT, error_kind VARCHAR,
              error_message VARCHAR, error_detail VARCHAR, depends_on VARCHAR[], depth INTEGER, critical BOOLEAN)""";

    private DagResults() {
    }

    /**
     * Writes the folder (which must not exist yet or be empty) from a run's status with its records and its spec,
     * and returns the summary.
     *
     * @param run what the folder's {@code run} table and the summary's {@code run} hold ({@link RunMetadata})
     */
    public static JsonObject write(Path dir, JsonObject status, String spec, JsonObject run)
            throws IOException, SQLException {
        List<DagTask> tasks = DagTask.of(status, spec);
        DagGraph graph = DagGraph.of(tasks);
        Files.createDirectories(dir);
        try (Connection c = Results.open(dir); Statement s = c.createStatement()) {
            s.execute(SCHEMA);
            try (DuckDBAppender a = ((DuckDBConnection) c).createAppender(DuckDBConnection.DEFAULT_SCHEMA, "tasks")) {
                for (int i = 0; i < tasks.size(); i++) {
                    DagTask t = tasks.get(i);
                    a.beginRow().append(t.position()).append(t.task()).append(t.function()).append(t.state())
                            .append(t.worker()).append(t.container()).append(t.attempts()).append(t.items())
                            .append(t.startUs()).append(t.endUs()).append(t.queuedUs()).append(t.inputUs())
                            .append(t.executionUs()).append(t.outputUs()).append(t.bytesIn()).append(t.bytesOut())
                            .append(t.errorKind()).append(t.errorMessage()).append(t.errorDetail())
                            .append(t.dependsOn()).append(graph.depth(i)).append(graph.onCritical(i)).endRow();
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
            s.execute("COPY (SELECT * FROM tasks ORDER BY position) TO '" + Results.sql(dir.resolve("tasks.parquet"))
                    + "' (FORMAT PARQUET)");
            s.execute("COPY (SELECT * FROM tasks ORDER BY position) TO '" + Results.sql(dir.resolve("tasks.csv"))
                    + "' (HEADER, DELIMITER ',')");
            JsonObject summary = summary(s, run, status);
            Files.writeString(dir.resolve("summary.json"),
                    new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(summary) + "\n");
            return summary;
        }
    }

    /** Whether {@code dir} holds a workflow run's results (its database has table {@code tasks}). */
    public static boolean isDagFolder(Path dir) throws SQLException {
        if (!Files.isRegularFile(dir.resolve(Results.DB))) {
            return false;
        }
        try (Connection c = Results.open(dir); Statement s = c.createStatement()) {
            return Report.hasTable(s, "tasks");
        }
    }

    static JsonObject summary(Statement s, JsonObject run, JsonObject status) throws SQLException {
        JsonObject out = new JsonObject();
        out.add("run", run);
        out.addProperty("state", status.get("state").getAsString());
        try (ResultSet r = s.executeQuery("SELECT count(*), coalesce(max(end_us) FILTER (WHERE end_us >= 0), 0)"
                + " FROM tasks")) {
            r.next();
            out.addProperty("tasks", r.getLong(1));
            out.addProperty("makespan_us", r.getLong(2));
        }
        out.addProperty("elapsed_us", status.get("elapsed_us").getAsLong());
        if (status.has("failure")) {
            out.addProperty("failure", status.get("failure").getAsString());
        }
        JsonObject counts = new JsonObject();
        for (String state : STATES) {
            counts.addProperty(state, 0);
        }
        try (ResultSet r = s.executeQuery("SELECT state, count(*) FROM tasks GROUP BY state ORDER BY state")) {
            while (r.next()) {
                counts.addProperty(r.getString(1), r.getLong(2));
            }
        }
        out.add("counts", counts);
        JsonObject critical = new JsonObject();
        JsonArray path = new JsonArray();
        try (ResultSet r = s.executeQuery("SELECT task, end_us - start_us FROM tasks WHERE critical"
                + " ORDER BY depth, position")) {
            long length = 0;
            while (r.next()) {
                path.add(r.getString(1));
                length += r.getLong(2);
            }
            critical.addProperty("length_us", length);
        }
        critical.add("tasks", path);
        out.add("critical_path", critical);
        out.add("workers", groups(s, "worker", "worker <> ''"));
        out.add("functions", groups(s, "function", "true"));
        JsonObject errors = new JsonObject();
        try (ResultSet r = s.executeQuery("SELECT error_kind, count(*) FROM tasks WHERE error_kind <> ''"
                + " GROUP BY error_kind ORDER BY error_kind")) {
            while (r.next()) {
                errors.addProperty(r.getString(1), r.getLong(2));
            }
        }
        out.add("errors", errors);
        return out;
    }

    /**
     * Per worker or function: tasks, those that failed, and of those that ran their busy time (sum of spans), the
     * median and longest span, and the execution time.
     */
    private static JsonObject groups(Statement s, String column, String where) throws SQLException {
        JsonObject out = new JsonObject();
        try (ResultSet r = s.executeQuery("SELECT " + column + ", count(*) AS tasks,"
                + " count(*) FILTER (WHERE state = 'failed') AS failed,"
                + " coalesce(sum(end_us - start_us) FILTER (WHERE start_us >= 0 AND end_us >= start_us), 0) AS busy_us,"
                + " coalesce(quantile_disc(end_us - start_us, 0.5) FILTER (WHERE start_us >= 0 AND end_us >= start_us), 0)"
                + " AS span_p50_us,"
                + " coalesce(max(end_us - start_us) FILTER (WHERE start_us >= 0 AND end_us >= start_us), 0) AS span_max_us,"
                + " sum(execution_us) AS execution_us"
                + " FROM tasks WHERE " + where + " GROUP BY " + column + " ORDER BY " + column)) {
            while (r.next()) {
                JsonObject o = new JsonObject();
                for (String k : List.of("tasks", "failed", "busy_us", "span_p50_us", "span_max_us", "execution_us")) {
                    o.addProperty(k, r.getLong(k));
                }
                out.add(r.getString(1), o);
            }
        }
        return out;
    }
}
