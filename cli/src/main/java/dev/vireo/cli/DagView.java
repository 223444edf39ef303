package dev.vireo.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Workflow runs as {@code vireo dag ...} shows them to people, from the API's JSON ({@code GET /dags},
 * {@code /dags/{run}}, {@code /dags/{run}/result}, {@code /dags/{run}/plan}; docs/api.md, "Workflows"). Pure: strings
 * in, strings out.
 */
public final class DagView {
    /** Characters of the progress bar between its brackets. */
    public static final int BAR_WIDTH = 30;
    private static final String[] STATES = {"waiting", "running", "succeeded", "failed", "skipped", "cancelled"};

    private DagView() {
    }

    /**
     * One line of progress: {@code [#########.....] 12/40 tasks, 3 running, 0 failed}, then the tasks skipped or
     * cancelled when there are any, and how the run ended once it has.
     */
    public static String progress(JsonObject status, int width) {
        int tasks = status.get("tasks").getAsInt();
        int finished = status.get("finished").getAsInt();
        JsonObject counts = status.getAsJsonObject("counts");
        // rounded down: the bar is full only when every task is done
        int filled = tasks == 0 ? width : (int) ((long) finished * width / tasks);
        StringBuilder b = new StringBuilder("[").append("#".repeat(filled)).append(".".repeat(width - filled))
                .append("] ").append(finished).append('/').append(tasks).append(" tasks, ")
                .append(count(counts, "running")).append(" running, ").append(count(counts, "failed")).append(" failed");
        for (String extra : new String[] {"skipped", "cancelled"}) {
            if (count(counts, extra) > 0) {
                b.append(", ").append(count(counts, extra)).append(' ').append(extra);
            }
        }
        String state = status.get("state").getAsString();
        if (!state.equals("running")) {
            b.append(": ").append(state).append(" in ").append(duration(status.get("elapsed_us").getAsLong()));
        }
        return b.toString();
    }

    /** A run's status: the run, then one row per task (when the status has records), then each task's error. */
    public static String status(JsonObject s) {
        StringBuilder b = new StringBuilder();
        String name = s.get("name").getAsString();
        b.append(String.format(Locale.ROOT, "run        %s%s%n", s.get("run").getAsString(),
                name.isEmpty() ? "" : " (" + name + ")"));
        b.append(String.format(Locale.ROOT, "state      %s: %d of %d tasks done (%s)%n", s.get("state").getAsString(),
                s.get("finished").getAsInt(), s.get("tasks").getAsInt(), counts(s.getAsJsonObject("counts"))));
        b.append(String.format(Locale.ROOT, "submitted  %s, %s %s%n", s.get("submitted").getAsString(),
                s.get("state").getAsString().equals("running") ? "running for" : "took",
                duration(s.get("elapsed_us").getAsLong())));
        if (s.has("failure")) {
            b.append("failure    ").append(s.get("failure").getAsString()).append(System.lineSeparator());
        }
        if (!s.has("records")) {
            return b.toString();
        }
        List<JsonObject> records = new ArrayList<>();
        s.getAsJsonArray("records").forEach(r -> records.add(r.getAsJsonObject()));
        int task = Math.max(4, records.stream().mapToInt(r -> r.get("task").getAsString().length()).max().orElse(0));
        int function = Math.max(8, records.stream().mapToInt(r -> r.get("function").getAsString().length()).max()
                .orElse(0));
        String row = "%-" + task + "s  %-" + function + "s  %-9s %5s %6s  %-12s %-9s %10s %10s %10s %10s %10s%n";
        b.append(System.lineSeparator()).append(String.format(Locale.ROOT, row, "TASK", "FUNCTION", "STATE", "TRIES",
                "ITEMS", "WORKER", "CONTAINER", "START ms", "END ms", "EXEC ms", "IN B", "OUT B"));
        for (JsonObject r : records) {
            b.append(String.format(Locale.ROOT, row, r.get("task").getAsString(), r.get("function").getAsString(),
                    r.get("state").getAsString(), r.get("attempts").getAsInt(), r.get("items").getAsInt(),
                    dash(r.get("worker").getAsString()), dash(r.get("container").getAsString()),
                    ms(r.get("start_us").getAsLong()), ms(r.get("end_us").getAsLong()),
                    ms(r.get("execution_us").getAsLong()), r.get("bytes_in").getAsLong(),
                    r.get("bytes_out").getAsLong()));
        }
        for (JsonObject r : records) {
            if (r.has("error")) {
                JsonObject e = r.getAsJsonObject("error");
                b.append(String.format(Locale.ROOT, "%nerror of %s: %s: %s%n", r.get("task").getAsString(),
                        e.get("kind").getAsString(), e.get("message").getAsString()));
                if (e.has("detail")) {
                    b.append(e.get("detail").getAsString().indent(2));
                }
            }
        }
        return b.toString();
    }

    /**
     * A run's plan: the planner, the statistic it predicted with and the predicted makespan, then one row per step in
     * the plan's order (predicted start and finish in ms after submission, {@code -} where it predicted none).
     */
    public static String plan(JsonObject p) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "run        %s%n", p.get("run").getAsString()));
        b.append(String.format(Locale.ROOT, "planner    %s, sla %s, home %s%n", dash(p.get("planner").getAsString()),
                dash(p.get("sla").getAsString()), dash(p.has("home") ? p.get("home").getAsString() : "")));
        long makespan = p.get("predicted_makespan_us").getAsLong();
        b.append(String.format(Locale.ROOT, "makespan   %s%n", makespan > 0 ? duration(makespan) + " predicted"
                : "not predicted"));
        List<JsonObject> steps = new ArrayList<>();
        p.getAsJsonArray("steps").forEach(st -> steps.add(st.getAsJsonObject()));
        if (steps.isEmpty()) {
            return b.append("(no steps: the run was submitted before plans were kept)").append(System.lineSeparator())
                    .toString();
        }
        int task = width(steps, "task", 4);
        int worker = width(steps, "worker", 6);
        int group = width(steps, "group", 5);
        String row = "%-" + task + "s  %-" + worker + "s  %-" + group + "s  %-7s %8s %10s %10s%n";
        b.append(System.lineSeparator()).append(String.format(Locale.ROOT, row, "TASK", "WORKER", "GROUP", "PREWARM",
                "PRIORITY", "START ms", "FINISH ms"));
        for (JsonObject st : steps) {
            b.append(String.format(Locale.ROOT, row, st.get("task").getAsString(),
                    dash(st.get("worker").getAsString()), dash(st.get("group").getAsString()),
                    st.get("prewarm").getAsBoolean() ? "yes" : "no", st.get("priority").getAsInt(),
                    ms(st.get("start_us").getAsLong()), ms(st.get("finish_us").getAsLong())));
        }
        return b.toString();
    }

    private static int width(List<JsonObject> rows, String key, int least) {
        return Math.max(least, rows.stream().mapToInt(r -> r.get(key).getAsString().length()).max().orElse(0));
    }

    /** The runs ({@code GET /dags}) as a table, newest first as the API lists them. */
    public static String list(JsonArray runs) {
        if (runs.isEmpty()) {
            return "(no runs)" + System.lineSeparator();
        }
        int run = 3;
        int name = 4;
        for (JsonElement e : runs) {
            run = Math.max(run, e.getAsJsonObject().get("run").getAsString().length());
            name = Math.max(name, e.getAsJsonObject().get("name").getAsString().length());
        }
        String row = "%-" + run + "s  %-" + name + "s  %-9s %13s %7s %7s  %-24s %10s%n";
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, row, "RUN", "NAME", "STATE", "DONE/TASKS",
                "RUNNING", "FAILED", "SUBMITTED", "ELAPSED"));
        for (JsonElement e : runs) {
            JsonObject s = e.getAsJsonObject();
            JsonObject counts = s.getAsJsonObject("counts");
            b.append(String.format(Locale.ROOT, row, s.get("run").getAsString(), dash(s.get("name").getAsString()),
                    s.get("state").getAsString(), s.get("finished").getAsInt() + "/" + s.get("tasks").getAsInt(),
                    count(counts, "running"), count(counts, "failed"), s.get("submitted").getAsString(),
                    duration(s.get("elapsed_us").getAsLong())));
        }
        return b.toString();
    }

    /** A finished run's result: how it ended, then each sink's output on a line of its own. */
    public static String result(JsonObject r) {
        JsonObject outputs = r.getAsJsonObject("outputs");
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s %s: %d output%s%n",
                r.get("run").getAsString(), r.get("state").getAsString(), outputs.size(),
                outputs.size() == 1 ? "" : "s"));
        int task = outputs.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, JsonElement> e : outputs.entrySet()) {
            b.append(String.format(Locale.ROOT, "%-" + task + "s  %s%n", e.getKey(), e.getValue()));
        }
        return b.toString();
    }

    /**
     * A run's results folder as {@code dag report} prints it: the run, its tasks and makespan, the critical path
     * (its first eight tasks), and where the folder and its report are.
     */
    public static String report(JsonObject summary, Path dir) {
        JsonObject run = summary.getAsJsonObject("run");
        String workflow = run.has("workflow") ? run.get("workflow").getAsString() : "";
        JsonObject critical = summary.getAsJsonObject("critical_path");
        List<String> path = new ArrayList<>();
        critical.getAsJsonArray("tasks").forEach(t -> path.add(t.getAsString()));
        String steps = String.join(" -> ", path.subList(0, Math.min(8, path.size())))
                + (path.size() > 8 ? " -> ... (" + (path.size() - 8) + " more)" : "");
        Path abs = dir.toAbsolutePath();
        return String.format(Locale.ROOT, "%s%s %s: %d tasks (%s), makespan %s%n", run.get("run").getAsString(),
                workflow.isEmpty() ? "" : " (" + workflow + ")", summary.get("state").getAsString(),
                summary.get("tasks").getAsInt(), counts(summary.getAsJsonObject("counts")),
                duration(summary.get("makespan_us").getAsLong()))
                + String.format(Locale.ROOT, "critical path: %d tasks, %s%s%n", path.size(),
                        duration(critical.get("length_us").getAsLong()), path.isEmpty() ? "" : ": " + steps)
                + planLine(summary)
                + "results: " + abs + "  (report: " + abs.resolve("report.html") + ")" + System.lineSeparator();
    }

    /**
     * The report's line on the plan (the summary's {@code plan}: docs/dag.md, "Records and reports"): planner, sla and
     * home, predicted against observed makespan with the error, tasks where planned, bytes moved off the home; empty
     * when the run had no plan.
     */
    static String planLine(JsonObject summary) {
        JsonElement e = summary.get("plan");
        if (e == null || !e.isJsonObject()) {
            return "";
        }
        JsonObject p = e.getAsJsonObject();
        StringBuilder b = new StringBuilder("plan: ").append(p.get("planner").getAsString()).append(", sla ")
                .append(p.get("sla").getAsString());
        String home = p.get("home").getAsString();
        if (!home.isEmpty()) {
            b.append(", home ").append(home);
        }
        long observed = Math.round(p.get("observed_makespan_ms").getAsDouble() * 1e3);
        if (p.get("predicted_makespan_ms").isJsonNull()) {
            b.append(": nothing predicted, observed ").append(duration(observed));
        } else {
            b.append(": predicted ").append(duration(Math.round(p.get("predicted_makespan_ms").getAsDouble() * 1e3)))
                    .append(", observed ").append(duration(observed));
            if (!p.get("error_pct").isJsonNull()) {
                b.append(String.format(Locale.ROOT, " (error %+.1f %%)", p.get("error_pct").getAsDouble()));
            }
        }
        JsonObject where = p.getAsJsonObject("tasks_where_planned");
        b.append(String.format(Locale.ROOT, "; %d of %d tasks ran on their planned worker",
                where.get("on_plan").getAsLong(), where.get("planned").getAsLong()));
        if (!p.get("bytes_moved").isJsonNull()) {
            b.append(String.format(Locale.ROOT, "; %,d bytes moved off home", p.get("bytes_moved").getAsLong()));
        }
        return b.append(System.lineSeparator()).toString();
    }

    /** {@code 1 running, 2 succeeded}: the states that have tasks, in the order a task goes through them. */
    static String counts(JsonObject counts) {
        List<String> parts = new ArrayList<>();
        for (String state : STATES) {
            if (count(counts, state) > 0) {
                parts.add(count(counts, state) + " " + state);
            }
        }
        return parts.isEmpty() ? "no tasks" : String.join(", ", parts);
    }

    /** Microseconds as people read them: {@code 850 us}, {@code 12.3 ms}, {@code 4.56 s}, {@code 2 min 05 s}. */
    static String duration(long us) {
        if (us < 1_000) {
            return us + " us";
        }
        if (us < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", us / 1e3);
        }
        if (us < 60_000_000) {
            return String.format(Locale.ROOT, "%.2f s", us / 1e6);
        }
        long s = us / 1_000_000;
        return s < 3_600 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d h %02d min", s / 3_600, s / 60 % 60);
    }

    private static int count(JsonObject counts, String state) {
        return counts.has(state) ? counts.get(state).getAsInt() : 0;
    }

    private static String ms(long us) {
        return us < 0 ? "-" : String.format(Locale.ROOT, "%.1f", us / 1e3);
    }

    private static String dash(String s) {
        return s.isEmpty() ? "-" : s;
    }
}
