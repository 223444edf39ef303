package dev.vireo.loadgen;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One task of a workflow run as its results folder keeps it: the record of the run's status ({@code GET /dags/{run}},
 * docs/api.md) and the tasks it depends on, read from the run's spec ({@code GET /dags/{run}/spec}). Times are
 * microseconds; {@code startUs}/{@code endUs} count from the run's submission, -1 before.
 *
 * @param position  its place in the workflow (0 = first task of the spec)
 * @param dependsOn the tasks it needs, as the runtime counts them: its map source, the tasks referenced in its args
 *                  (in order of appearance), then those it comes after; each once
 */
record DagTask(int position, String task, String function, String state, String worker, String container,
        int attempts, int items, long startUs, long endUs, long queuedUs, long inputUs, long executionUs,
        long outputUs, long bytesIn, long bytesOut, String errorKind, String errorMessage, String errorDetail,
        List<String> dependsOn) {
    DagTask {
        Objects.requireNonNull(task, "task");
        function = Objects.requireNonNullElse(function, "");
        state = Objects.requireNonNullElse(state, "");
        worker = Objects.requireNonNullElse(worker, "");
        container = Objects.requireNonNullElse(container, "");
        errorKind = Objects.requireNonNullElse(errorKind, "");
        errorMessage = Objects.requireNonNullElse(errorMessage, "");
        errorDetail = Objects.requireNonNullElse(errorDetail, "");
        dependsOn = List.copyOf(dependsOn);
    }

    /** Whether it ran to an end: a start and an end (a task still running, skipped or never reached has not). */
    boolean ran() {
        return startUs >= 0 && endUs >= startUs;
    }

    /** From submission-relative start to end; 0 unless it {@link #ran}. */
    long spanUs() {
        return ran() ? endUs - startUs : 0;
    }

    /**
     * The run's tasks in workflow order: each record of {@code status} with its dependencies from {@code spec}.
     *
     * @throws IllegalArgumentException when the two do not describe the same tasks
     */
    static List<DagTask> of(JsonObject status, String spec) {
        Map<String, List<String>> deps = dependencies(spec);
        List<DagTask> tasks = new ArrayList<>();
        if (!status.has("records")) {
            throw new IllegalArgumentException("the status has no records (asked with records=false?)");
        }
        for (JsonElement e : status.getAsJsonArray("records")) {
            JsonObject r = e.getAsJsonObject();
            String id = r.get("task").getAsString();
            List<String> d = deps.get(id);
            if (d == null) {
                throw new IllegalArgumentException("task '" + id + "' of the status is not in the run's spec");
            }
            JsonObject error = r.has("error") ? r.getAsJsonObject("error") : new JsonObject();
            tasks.add(new DagTask(tasks.size(), id, text(r, "function"), text(r, "state"), text(r, "worker"),
                    text(r, "container"), (int) number(r, "attempts", 0), (int) number(r, "items", 0),
                    number(r, "start_us", -1), number(r, "end_us", -1), number(r, "queued_us", 0),
                    number(r, "input_us", 0), number(r, "execution_us", 0), number(r, "output_us", 0),
                    number(r, "bytes_in", 0), number(r, "bytes_out", 0), text(error, "kind"), text(error, "message"),
                    text(error, "detail"), d));
        }
        if (tasks.size() != deps.size()) {
            throw new IllegalArgumentException("the run's spec has " + deps.size() + " tasks, its status "
                    + tasks.size());
        }
        return tasks;
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }

    private static long number(JsonObject o, String key, long absent) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? absent : e.getAsLong();
    }

    /** Task id -> its dependencies, by the rule the spec's parser follows (docs/dag.md, "The spec"). */
    static Map<String, List<String>> dependencies(String spec) {
        JsonObject o = JsonParser.parseString(spec).getAsJsonObject();
        Map<String, List<String>> out = new HashMap<>();
        for (JsonElement e : o.getAsJsonArray("tasks")) {
            JsonObject t = e.getAsJsonObject();
            Set<String> d = new LinkedHashSet<>();
            if (t.has("map")) {
                d.add(t.get("map").getAsString());
            }
            if (t.has("args")) {
                references(t.get("args"), d);
            }
            if (t.has("after")) {
                t.getAsJsonArray("after").forEach(a -> d.add(a.getAsString()));
            }
            out.put(t.get("id").getAsString(), List.copyOf(d));
        }
        return out;
    }

    /** Every {@code {"$ref": id}} in {@code e}, in order of appearance; an element placeholder is not looked into. */
    private static void references(JsonElement e, Set<String> out) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> references(x, out));
        } else if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (o.size() == 1 && o.has("$ref")) {
                out.add(o.get("$ref").getAsString());
            } else if (!o.has("$item")) {
                o.entrySet().forEach(m -> references(m.getValue(), out));
            }
        }
    }
}
