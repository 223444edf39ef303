package dev.vireo.loadgen;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A workflow run's {@code report.html}, drawn from its folder's table {@code tasks} (so that {@code results report}
 * can draw it again): the run, its plan against what happened (the summary's {@code plan}), its summary, the graph
 * ({@code dag.svg}) and the timeline per worker ({@code timeline.svg}, with the planned bars beside the observed ones
 * when the run had a plan), both shown inline (their tooltips name each task) and written beside it, the critical
 * path step by step, and the failed tasks with their errors.
 */
public final class DagReport {
    /** Failed tasks listed in the page at most; all are in the table. */
    static final int FAILURES_SHOWN = 50;

    private DagReport() {
    }

    /** The tasks as the folder's table has them, in workflow order. */
    static List<DagTask> read(Path dir) throws SQLException {
        List<DagTask> tasks = new ArrayList<>();
        try (Connection c = Results.open(dir); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT * FROM tasks ORDER BY position")) {
            while (r.next()) {
                List<String> deps = new ArrayList<>();
                Array a = r.getArray("depends_on");
                if (a != null) {
                    for (Object o : (Object[]) a.getArray()) {
                        deps.add(String.valueOf(o));
                    }
                }
                tasks.add(new DagTask(r.getInt("position"), r.getString("task"), r.getString("function"),
                        r.getString("state"), r.getString("worker"), r.getString("container"), r.getInt("attempts"),
                        r.getInt("items"), r.getLong("start_us"), r.getLong("end_us"), r.getLong("queued_us"),
                        r.getLong("input_us"), r.getLong("execution_us"), r.getLong("output_us"), r.getLong("bytes_in"),
                        r.getLong("bytes_out"), r.getString("error_kind"), r.getString("error_message"),
                        r.getString("error_detail"), deps));
            }
        }
        return tasks;
    }

    /**
     * What the plan said of each task, in workflow order, from the folder's {@code planned_*} columns; null for a
     * folder written before they were (its tasks table has none).
     */
    static List<DagPlan.Planned> readPlanned(Path dir) throws SQLException {
        try (Connection c = Results.open(dir); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT count(*) FROM information_schema.columns"
                    + " WHERE table_name = 'tasks' AND column_name = 'planned_worker'")) {
                r.next();
                if (r.getLong(1) == 0) {
                    return null;
                }
            }
            List<DagPlan.Planned> out = new ArrayList<>();
            try (ResultSet r = s.executeQuery("SELECT planned_worker, coalesce(planned_start_us, -1),"
                    + " coalesce(planned_finish_us, -1) FROM tasks ORDER BY position")) {
                while (r.next()) {
                    out.add(new DagPlan.Planned(r.getString(1), r.getLong(2), r.getLong(3)));
                }
            }
            return out;
        }
    }

    /** The summary's {@code plan}, or null when the run had none (or the folder predates plans). */
    static JsonObject plan(JsonObject summary) {
        JsonElement p = summary.get("plan");
        return p == null || !p.isJsonObject() ? null : p.getAsJsonObject();
    }

    /**
     * Writes {@code dag.svg}, {@code timeline.svg} and {@code report.html} into the results folder; the timeline has
     * the planned bars when the summary has a plan.
     */
    public static void write(Path dir, JsonObject summary) throws IOException, SQLException {
        DagGraph g = DagGraph.of(read(dir));
        String graph = DagPictures.graph(g);
        String timeline = DagPictures.timeline(g, plan(summary) == null ? null : readPlanned(dir));
        Files.writeString(dir.resolve("dag.svg"), graph);
        Files.writeString(dir.resolve("timeline.svg"), timeline);
        Files.writeString(dir.resolve("report.html"), html(summary, g, graph, timeline));
    }

    private static String esc(String s) {
        return Svg.esc(s);
    }

    private static String ms(long us) {
        return String.format(Locale.ROOT, "%,.1f", us / 1e3);
    }

    static String html(JsonObject summary, DagGraph g, String graph, String timeline) {
        JsonObject run = summary.getAsJsonObject("run");
        String id = run.has("run") ? run.get("run").getAsString() : "";
        String workflow = run.has("workflow") ? run.get("workflow").getAsString() : "";
        String title = "Vireo workflow run " + id + (workflow.isEmpty() ? "" : " (" + workflow + ")");
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}"
                        + "td:first-child{text-align:left}.pic{overflow:auto;max-height:80vh;border:1px solid #ddd}"
                        + "pre{white-space:pre-wrap;margin:0;text-align:left}</style></head><body>\n");
        b.append("<h1>").append(esc(title)).append("</h1>\n<p class=\"plan\">").append(esc(planLine(summary)))
                .append("</p>\n<table>");
        for (Map.Entry<String, JsonElement> e : run.entrySet()) {
            row(b, e.getKey(), e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString());
        }
        b.append("</table>\n<h2>Summary</h2>\n<table>");
        long makespan = summary.get("makespan_us").getAsLong();
        JsonObject critical = summary.getAsJsonObject("critical_path");
        long length = critical.get("length_us").getAsLong();
        row(b, "state", summary.get("state").getAsString());
        row(b, "tasks", String.format(Locale.ROOT, "%,d", summary.get("tasks").getAsLong()));
        row(b, "makespan (ms, submission to the last task's end)", ms(makespan));
        row(b, "critical path (ms, the sum of its tasks' spans)", ms(length) + (makespan > 0
                ? String.format(Locale.ROOT, " (%.1f %% of the makespan; the rest is hand-offs between its tasks)",
                        100.0 * length / makespan) : ""));
        row(b, "critical path (tasks)", String.format(Locale.ROOT, "%,d", critical.getAsJsonArray("tasks").size()));
        if (summary.has("failure")) {
            row(b, "failure", summary.get("failure").getAsString());
        }
        b.append("</table>\n<h3>Tasks per state</h3>\n<table><tr>");
        JsonObject counts = summary.getAsJsonObject("counts");
        counts.keySet().forEach(k -> b.append("<th>").append(esc(k)).append("</th>"));
        b.append("</tr><tr>");
        counts.keySet().forEach(k -> b.append("<td>").append(String.format(Locale.ROOT, "%,d", counts.get(k)
                .getAsLong())).append("</td>"));
        b.append("</tr></table>\n");
        groups(b, "Per worker", "worker", summary.getAsJsonObject("workers"));
        groups(b, "Per function", "function", summary.getAsJsonObject("functions"));

        b.append("<h2>Graph</h2>\n<p>").append(g.condensed()
                ? String.format(Locale.ROOT, "%,d tasks and %,d dependencies: condensed to one box per depth and"
                        + " function (more than %,d tasks or %,d dependencies are drawn this way).", g.size(), g.edges(),
                        DagGraph.CONDENSE_ABOVE, DagGraph.CONDENSE_EDGES_ABOVE)
                : "Left to right by depth (the longest chain of dependencies before a task); filled by worker.")
                .append(" The critical path is outlined in black; hover for details. Vector file: <a href=\"dag.svg\">"
                        + "dag.svg</a>.</p>\n<div class=\"pic\">\n").append(graph).append("</div>\n");
        b.append("<h2>Timeline per worker</h2>\n<p>One lane per worker, a bar per task from its start (ready) to its"
                + " end, coloured by function.").append(plan(summary) == null ? "" : " Below each lane's bars, thin"
                        + " outlined ones: the plan's, a bar per task it put on that worker from the predicted start to"
                        + " the predicted finish. A planned bar with no bar above it at the same time ran late, early"
                        + " or elsewhere; a lane with planned bars and none of its own is a worker the planner chose and"
                        + " the run did not use.")
                .append(" Vector file: <a href=\"timeline.svg\">timeline.svg</a>.</p>\n<div class=\"pic\">\n")
                .append(timeline).append("</div>\n");

        b.append("<h2>Critical path</h2>\n<table><tr><th>task</th><th>function</th><th>worker</th><th>start ms</th>"
                + "<th>end ms</th><th>span ms</th><th>queued ms</th><th>execution ms</th></tr>\n");
        for (int t : g.critical()) {
            DagTask x = g.tasks().get(t);
            b.append("<tr><td>").append(esc(x.task())).append("</td><td>").append(esc(x.function())).append("</td><td>")
                    .append(esc(x.worker())).append("</td><td>").append(ms(x.startUs())).append("</td><td>")
                    .append(ms(x.endUs())).append("</td><td>").append(ms(x.spanUs())).append("</td><td>")
                    .append(ms(x.queuedUs())).append("</td><td>").append(ms(x.executionUs())).append("</td></tr>\n");
        }
        b.append("</table>\n");
        List<DagTask> failed = g.tasks().stream().filter(t -> t.state().equals("failed")).toList();
        if (!failed.isEmpty()) {
            b.append("<h2>Failed tasks</h2>\n<table><tr><th>task</th><th>function</th><th>attempts</th><th>error</th>"
                    + "</tr>\n");
            for (DagTask t : failed.subList(0, Math.min(failed.size(), FAILURES_SHOWN))) {
                b.append("<tr><td>").append(esc(t.task())).append("</td><td>").append(esc(t.function()))
                        .append("</td><td>").append(t.attempts()).append("</td><td><pre>").append(esc(t.errorKind()))
                        .append(": ").append(esc(t.errorMessage()))
                        .append(t.errorDetail().isEmpty() ? "" : "\n" + esc(t.errorDetail())).append("</pre></td></tr>\n");
            }
            b.append("</table>\n");
            if (failed.size() > FAILURES_SHOWN) {
                b.append("<p>").append(failed.size() - FAILURES_SHOWN).append(" more in the table.</p>\n");
            }
        }
        b.append("<p>Raw records: <code>records.duckdb</code> (table <code>tasks</code>, one row per task; table"
                + " <code>run</code>), <code>tasks.parquet</code>, <code>tasks.csv</code>.</p>\n");
        return b.append("</body></html>\n").toString();
    }

    /**
     * The header's line on the plan: planner, SLA, home, predicted against observed makespan with the error, tasks
     * where planned and bytes moved; or that the run had none.
     */
    static String planLine(JsonObject summary) {
        JsonObject p = plan(summary);
        if (p == null) {
            return "Plan: none (a run from before plans were kept, or from a node that does not serve them).";
        }
        StringBuilder s = new StringBuilder("Plan: planner ").append(text(p, "planner")).append(", SLA ")
                .append(text(p, "sla"));
        if (!text(p, "home").isEmpty()) {
            s.append(", home ").append(text(p, "home"));
        }
        s.append("; makespan ");
        JsonElement predicted = p.get("predicted_makespan_ms");
        double observed = p.get("observed_makespan_ms").getAsDouble();
        if (predicted == null || predicted.isJsonNull()) {
            s.append(String.format(Locale.ROOT, "observed %,.1f ms, none predicted", observed));
        } else {
            s.append(String.format(Locale.ROOT, "predicted %,.1f ms, observed %,.1f ms", predicted.getAsDouble(),
                    observed));
            JsonElement error = p.get("error_pct");
            if (error != null && !error.isJsonNull()) {
                s.append(String.format(Locale.ROOT, ", error %+.1f %% (observed - predicted, of observed)",
                        error.getAsDouble()));
            }
        }
        JsonObject where = p.getAsJsonObject("tasks_where_planned");
        s.append(String.format(Locale.ROOT, "; %,d of %,d tasks ran on their planned worker",
                where.get("on_plan").getAsLong(), where.get("planned").getAsLong()));
        JsonElement moved = p.get("bytes_moved");
        if (moved != null && !moved.isJsonNull()) {
            s.append(String.format(Locale.ROOT, "; %,d bytes in and out of tasks away from home", moved.getAsLong()));
        }
        return s.append('.').toString();
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }

    private static void row(StringBuilder b, String key, String value) {
        b.append("<tr><td>").append(esc(key)).append("</td><td>").append(esc(value)).append("</td></tr>");
    }

    private static void groups(StringBuilder b, String title, String name, JsonObject groups) {
        if (groups.isEmpty()) {
            return;
        }
        List<String> keys = List.of("tasks", "failed", "busy_us", "span_p50_us", "span_max_us", "execution_us");
        b.append("<h3>").append(title).append("</h3>\n<table><tr><th>").append(name).append("</th>");
        keys.forEach(k -> b.append("<th>").append(k.replace("_us", " ms")).append("</th>"));
        b.append("</tr>\n");
        int shown = 0;
        for (String g : groups.keySet()) {
            if (shown++ >= 60) {
                b.append("<tr><td>").append(groups.size() - 60).append(" more in summary.json</td></tr>\n");
                break;
            }
            JsonObject o = groups.getAsJsonObject(g);
            b.append("<tr><td>").append(esc(g)).append("</td>");
            for (String k : keys) {
                long v = o.get(k).getAsLong();
                b.append("<td>").append(k.endsWith("_us") ? ms(v) : String.format(Locale.ROOT, "%,d", v)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }
}
