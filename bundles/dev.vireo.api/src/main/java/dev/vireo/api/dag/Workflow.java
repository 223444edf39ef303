package dev.vireo.api.dag;

import dev.vireo.api.model.ValidationException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A workflow as submitted: tasks, each running a registered function on arguments that may reference the outputs
 * of other tasks. The constructor checks the graph (unique ids, known references, no cycle, sizes) and refuses it
 * with a {@link ValidationException} that names the task; whether the functions exist is checked by the service
 * that runs it.
 *
 * @param name    a label for people, 0-63 of {@code a-z0-9_-}
 * @param tasks   the tasks, at most {@link #MAX_TASKS}
 * @param onError what a failed task (after its retries) does to the rest
 * @param retries default retries of a task, 0-{@value #MAX_RETRIES}
 * @param backoff wait before the first retry, doubled for each next one, 0 ms-10 min
 * @param sla     the statistic the run's plan predicts with ({@code mean}, {@code p50}, {@code p90}, {@code p95},
 *                {@code p99}; docs/dag.md "Planners"), or empty for the default (p50) (since 1.3)
 */
public record Workflow(String name, List<Task> tasks, OnError onError, int retries, Duration backoff, String sla) {
    public static final Pattern NAME = Pattern.compile("[a-z0-9_-]{0,63}");
    public static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    /** A run id a client may give ({@link DagService#submit(Workflow, String, String)}). @since 1.3 */
    public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._-]{1,48}");
    public static final int MAX_TASKS = 100_000;
    public static final int MAX_RETRIES = 10;
    public static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

    /** What a task that failed for good does to the run. */
    public enum OnError {
        /** The run fails at once; nothing more starts (running tasks finish). */
        FAIL_FAST,
        /** Tasks that need the failed one are skipped; independent branches go on; the run fails at the end. */
        CONTINUE
    }

    /**
     * One task: run {@code functionId} with {@code args}, once, or (with {@code map}) once per element of the list
     * that task {@code map} returned: a dynamic fan-out. Its output is the function's result, or for a map the list
     * of the results in element order.
     *
     * @param id         1-64 of {@code A-Za-z0-9_.-}, unique in the workflow
     * @param functionId a registered function ({@code name-version})
     * @param args       JSON text of the payload; any object {@code {"$ref": "task"}} in it is replaced by that
     *                   task's output, and in a map task {@code {"$item": ...}} by the element
     * @param map        the task whose output (a JSON array) this task maps over, or empty
     * @param dependsOn  every task whose output this one needs (the references in args, and map), in order
     * @param retries    retries of this task, or -1 for the workflow's
     */
    public record Task(String id, String functionId, String args, String map, List<String> dependsOn, int retries) {
        public Task {
            Objects.requireNonNull(id, "id");
            if (!TASK_ID.matcher(id).matches()) {
                throw new ValidationException("tasks", "task id '" + abbreviate(id) + "' is invalid: use 1-64 letters,"
                        + " digits, '_', '.' or '-'");
            }
            if (functionId == null || functionId.isEmpty()) {
                throw new ValidationException("tasks", "task '" + id + "': function is required");
            }
            args = Objects.requireNonNullElse(args, "");
            map = Objects.requireNonNullElse(map, "");
            dependsOn = List.copyOf(dependsOn);
            if (!map.isEmpty() && !dependsOn.contains(map)) {
                throw new ValidationException("tasks", "task '" + id + "': map source '" + map + "' must be among its"
                        + " dependencies");
            }
            if (retries < -1 || retries > MAX_RETRIES) {
                throw new ValidationException("tasks", "task '" + id + "': retries " + retries + " is out of range [0, "
                        + MAX_RETRIES + "]");
            }
        }

        /** Whether this task maps a function over a list (a dynamic fan-out). */
        public boolean mapped() {
            return !map.isEmpty();
        }
    }

    public Workflow {
        name = Objects.requireNonNullElse(name, "");
        if (!NAME.matcher(name).matches()) {
            throw new ValidationException("name", "'" + abbreviate(name) + "' is invalid: use 0-63 lower-case letters,"
                    + " digits, '_' or '-'");
        }
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new ValidationException("tasks", "a workflow needs at least one task");
        }
        if (tasks.size() > MAX_TASKS) {
            throw new ValidationException("tasks", tasks.size() + " tasks is more than the " + MAX_TASKS + " allowed");
        }
        onError = Objects.requireNonNullElse(onError, OnError.FAIL_FAST);
        if (retries < 0 || retries > MAX_RETRIES) {
            throw new ValidationException("retries", retries + " is out of range [0, " + MAX_RETRIES + "]");
        }
        if (backoff == null || backoff.isNegative() || backoff.compareTo(MAX_BACKOFF) > 0) {
            throw new ValidationException("retry_backoff_ms", (backoff == null ? "null" : backoff.toMillis())
                    + " is out of range [0, " + MAX_BACKOFF.toMillis() + "] ms");
        }
        sla = Objects.requireNonNullElse(sla, "");
        if (!sla.isEmpty()) {
            dev.vireo.api.spi.dag.Sla.parse("sla", sla);
        }
        checkGraph(tasks);
    }

    /** A workflow planned with the default SLA statistic. */
    public Workflow(String name, List<Task> tasks, OnError onError, int retries, Duration backoff) {
        this(name, tasks, onError, retries, backoff, "");
    }

    /** A builder of a workflow of this name, declared in Java task by task (see {@link WorkflowBuilder}). */
    public static WorkflowBuilder builder(String name) {
        return new WorkflowBuilder(name);
    }

    /** The task of this id; a ValidationException if there is none. */
    public Task task(String id) {
        for (Task t : tasks) {
            if (t.id().equals(id)) {
                return t;
            }
        }
        throw new ValidationException("tasks", "no task '" + id + "'");
    }

    /** Task id -> the tasks that need its output, in workflow order. */
    public Map<String, List<String>> dependents() {
        Map<String, List<String>> next = new LinkedHashMap<>();
        for (Task t : tasks) {
            next.putIfAbsent(t.id(), new ArrayList<>());
            for (String d : t.dependsOn()) {
                next.computeIfAbsent(d, k -> new ArrayList<>()).add(t.id());
            }
        }
        return next;
    }

    /** The tasks no other task needs: their outputs are the run's result. */
    public List<String> sinks() {
        Map<String, List<String>> next = dependents();
        return tasks.stream().map(Task::id).filter(id -> next.get(id).isEmpty()).toList();
    }

    /**
     * The workflow as a spec (docs/api.md "Workflows"): compact JSON text that {@link DagService#parse} reads back to
     * an equal workflow; dependencies that pass no data (neither the map source nor referenced in args) are written
     * as {@code after}. What a node sends when it hands a workflow to another one.
     *
     * @since 1.3
     */
    public String spec() {
        StringBuilder out = new StringBuilder(64 + 96 * tasks.size());
        out.append("{\"name\":");
        dev.vireo.api.validation.JsonText.quote(name, out);
        out.append(",\"on_error\":\"").append(onError.name().toLowerCase(java.util.Locale.ROOT)).append("\",\"retries\":")
                .append(retries).append(",\"retry_backoff_ms\":").append(backoff.toMillis());
        if (!sla.isEmpty()) {
            out.append(",\"sla\":\"").append(sla).append('"');
        }
        out.append(",\"tasks\":[");
        for (int i = 0; i < tasks.size(); i++) {
            Task t = tasks.get(i);
            out.append(i == 0 ? "" : ",").append("{\"id\":");
            dev.vireo.api.validation.JsonText.quote(t.id(), out);
            out.append(",\"function\":");
            dev.vireo.api.validation.JsonText.quote(t.functionId(), out);
            ArgsText args = ArgsText.read("task '" + t.id() + "'", t.args(), t.mapped());
            out.append(",\"args\":").append(args.text());
            if (t.mapped()) {
                out.append(",\"map\":");
                dev.vireo.api.validation.JsonText.quote(t.map(), out);
            }
            java.util.Set<String> data = new java.util.HashSet<>(args.refs());
            data.add(t.map());
            List<String> after = t.dependsOn().stream().filter(d -> !data.contains(d)).distinct().toList();
            if (!after.isEmpty()) {
                out.append(",\"after\":[");
                for (int j = 0; j < after.size(); j++) {
                    out.append(j == 0 ? "" : ",");
                    dev.vireo.api.validation.JsonText.quote(after.get(j), out);
                }
                out.append(']');
            }
            if (t.retries() >= 0) {
                out.append(",\"retries\":").append(t.retries());
            }
            out.append('}');
        }
        return out.append("]}").toString();
    }

    /** The retries of a task: its own, else the workflow's. */
    public int retriesOf(Task t) {
        return t.retries() >= 0 ? t.retries() : retries;
    }

    private static void checkGraph(List<Task> tasks) {
        Map<String, Task> byId = new HashMap<>();
        for (Task t : tasks) {
            if (byId.putIfAbsent(t.id(), t) != null) {
                throw new ValidationException("tasks", "task id '" + t.id() + "' appears twice");
            }
        }
        Map<String, Integer> indegree = new HashMap<>();
        Map<String, List<String>> next = new HashMap<>();
        for (Task t : tasks) {
            indegree.putIfAbsent(t.id(), 0);
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String d : t.dependsOn()) {
                if (!byId.containsKey(d)) {
                    throw new ValidationException("tasks", "task '" + t.id() + "' references '" + abbreviate(d)
                            + "', which is not a task of this workflow");
                }
                if (d.equals(t.id())) {
                    throw new ValidationException("tasks", "task '" + t.id() + "' references itself");
                }
                if (seen.add(d)) {
                    indegree.merge(t.id(), 1, Integer::sum);
                    next.computeIfAbsent(d, k -> new ArrayList<>()).add(t.id());
                }
            }
        }
        ArrayDeque<String> ready = new ArrayDeque<>();
        for (Task t : tasks) {
            if (indegree.get(t.id()) == 0) {
                ready.add(t.id());
            }
        }
        int done = 0;
        while (!ready.isEmpty()) {
            String id = ready.poll();
            done++;
            for (String n : next.getOrDefault(id, List.of())) {
                if (indegree.merge(n, -1, Integer::sum) == 0) {
                    ready.add(n);
                }
            }
        }
        if (done != tasks.size()) {
            // a task left with unmet dependencies lies on or behind a cycle: walk back along them to one on it
            String at = tasks.stream().map(Task::id).filter(id -> indegree.get(id) > 0).findFirst().orElseThrow();
            List<String> path = new ArrayList<>();
            while (!path.contains(at)) {
                path.add(at);
                String here = at;
                at = byId.get(here).dependsOn().stream().filter(d -> indegree.get(d) > 0).findFirst().orElseThrow();
            }
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(at), path.size()));
            java.util.Collections.reverse(cycle);
            cycle.add(cycle.get(0));
            throw new ValidationException("tasks", "the tasks form a cycle: " + String.join(" -> ", cycle.stream()
                    .map(id -> "'" + id + "'").toList()));
        }
    }

    static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 20) + "... (" + value.length() + " characters)";
    }
}
