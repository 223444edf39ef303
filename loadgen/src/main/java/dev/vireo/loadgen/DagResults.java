package dev.vireo.loadgen;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
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
 * {@code tasks} (one row per task, workflow order), table {@code run} (key, value) and table {@code plan} (the run's
 * plan: one row, none for a run without one), the same rows as {@code tasks.parquet} and {@code tasks.csv} (DuckDB
 * {@code COPY}), {@code summary.json} and ({@link DagReport}) {@code report.html}. Every figure of the summary is SQL
 * over {@code tasks}; the columns {@code depth} and {@code critical} are the layout's and the critical path's
 * ({@link DagGraph}), and {@code planned_*} what the run's plan said of the task ({@link DagPlan}), stored so that
 * queries and a redrawn report need nothing else.
 */
public final class DagResults {
    /** The task states in the order the API lists them. */
    static final List<String> STATES = List.of("waiting", "running", "succeeded", "failed", "skipped", "cancelled");

    /**
     * The tasks table; column order = {@link DagTask}'s components, then depth and critical, then the plan's worker,
     * start and finish (NULL where the plan says none; added last so that the columns before keep their places).
     */
    static final String SCHEMA = """
            CREATE TABLE tasks (
              position INTEGER, task VARCHAR, function VARCHAR, state VARCHAR, worker VARCHAR, container VARCHAR,
              attempts INTEGER, items INTEGER, start_us BIGINT, end_us BIGINT, queued_us BIGINT, input_us BIGINT,
              execution_us BIGINT, output_us BIGINT, bytes_in BIGINT, bytes_out BIGINT, error_kind VARCHAR,
              error_message VARCHAR, error_detail VARCHAR, depends_on VARCHAR[], depth INTEGER, critical BOOLEAN,
              planned_worker VARCHAR, planned_start_us BIGINT, planned_finish_us BIGINT)""";

    /** The plan table: a row for the run's plan, none without one. */
    static final String PLAN_SCHEMA = """
            CREATE TABLE plan (planner VARCHAR, sla VARCHAR, home VARCHAR, predicted_makespan_us BIGINT)""";

    private DagResults() {
    }

    /** {@link #write(Path, JsonObject, String, JsonObject, JsonObject)} for a run without a plan. */
    public static JsonObject write(Path dir, JsonObject status, String spec, JsonObject run)
            throws IOException, SQLException {
        return write(dir, status, spec, null, run);
    }

    /**
     * Writes the folder (which must not exist yet or be empty) from a run's status with its records, its spec and
     * its plan, and returns the summary.
     *
     * @param plan the run's plan as the API gives it ({@code GET /dags/{run}/plan}); null for none (a run or a node
     *             from before plans were kept): the planned columns are NULL and the summary has no {@code plan}
     * @param run  what the folder's {@code run} table and the summary's {@code run} hold ({@link RunMetadata})
     */
    public static JsonObject write(Path dir, JsonObject status, String spec, JsonObject plan, JsonObject run)
            throws IOException, SQLException {
        List<DagTask> tasks = DagTask.of(status, spec);
        DagPlan planned = DagPlan.of(plan);
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
                            .append(t.dependsOn()).append(graph.depth(i)).append(graph.onCritical(i));
                    DagPlan.Planned p = planned == null ? DagPlan.Planned.NONE : planned.planned(t.task());
                    if (p.worker().isEmpty()) {
                        a.appendNull();
                    } else {
                        a.append(p.worker());
                    }
                    for (long us : new long[] {p.startUs(), p.finishUs()}) {
                        if (us < 0) {
                            a.appendNull();
                        } else {
                            a.append(us);
                        }
                    }
                    a.endRow();
                }
            }
            s.execute(PLAN_SCHEMA);
            if (planned != null) {
                try (var p = c.prepareStatement("INSERT INTO plan VALUES (?, ?, ?, ?)")) {
                    p.setString(1, planned.planner());
                    p.setString(2, planned.sla());
                    p.setString(3, planned.home());
                    p.setLong(4, planned.predictedMakespanUs());
                    p.execute();
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
            if (planned != null) {
                summary.add("plan", plan(s, planned, summary.get("makespan_us").getAsLong()));
            }
            // nulls written: the plan's error_pct is null when nothing was predicted (nothing else is ever null)
            Files.writeString(dir.resolve("summary.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
                    .serializeNulls().create().toJson(summary) + "\n");
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
     * The summary's {@code plan}: the plan's planner, sla and home; the predicted and the observed makespan (ms; the
     * predicted one null when the planner predicted none) and the error, {@code (observed - predicted) / observed}
     * in percent (null when nothing was predicted or nothing ended); {@code tasks_where_planned}: of the tasks that ran
     * on a worker and had a planned one, how many ran there; {@code bytes_moved}: bytes in and out of the tasks that
     * ran on a worker other than the home (null when the plan names no home).
     */
    static JsonObject plan(Statement s, DagPlan plan, long observedUs) throws SQLException {
        JsonObject out = new JsonObject();
        out.addProperty("planner", plan.planner());
        out.addProperty("sla", plan.sla());
        out.addProperty("home", plan.home());
        out.addProperty("predicted_makespan_ms", plan.predicted() ? plan.predictedMakespanUs() / 1e3 : null);
        out.addProperty("observed_makespan_ms", observedUs / 1e3);
        out.addProperty("error_pct", plan.predicted() && observedUs > 0
                ? (observedUs - plan.predictedMakespanUs()) * 100.0 / observedUs : null);
        JsonObject where = new JsonObject();
        try (ResultSet r = s.executeQuery("SELECT count(*) FILTER (WHERE worker = planned_worker),"
                + " count(*) FILTER (WHERE worker <> '' AND planned_worker IS NOT NULL) FROM tasks")) {
            r.next();
            where.addProperty("on_plan", r.getLong(1));
            where.addProperty("planned", r.getLong(2));
        }
        out.add("tasks_where_planned", where);
        if (plan.home().isEmpty()) {
            out.add("bytes_moved", JsonNull.INSTANCE);
        } else {
            try (var p = s.getConnection().prepareStatement("SELECT coalesce(sum(bytes_in + bytes_out), 0) FROM tasks"
                    + " WHERE worker <> '' AND worker <> ?")) {
                p.setString(1, plan.home());
                try (ResultSet r = p.executeQuery()) {
                    r.next();
                    out.addProperty("bytes_moved", r.getLong(1));
                }
            }
        }
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
