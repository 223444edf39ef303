package dev.vireo.api.dag;

import dev.vireo.api.model.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a {@link Workflow} in Java, one task at a time, without writing the JSON spec. Args are JSON text; a task's
 * output is passed to another by putting its {@link TaskRef#ref()} in that task's args, and {@link #ITEM} stands for
 * the element in a {@link #map} task; {@link #after} adds dependencies that pass no data. The builder computes each
 * task's {@code dependsOn} as the spec parser does (the map source first, then the tasks referenced in args in order
 * of appearance, then those it comes after, each once) and writes args compact, so a built workflow equals the one
 * parsed from the same spec:
 *
 * <pre>{@code
 * WorkflowBuilder b = Workflow.builder("wc");
 * TaskRef split = b.task("split", "split-1", "{\"text\":\"a b\"}");
 * TaskRef counts = b.map("count", "count-1", split, "{\"word\":" + WorkflowBuilder.ITEM + "}");
 * b.task("sum", "sum-1", "{\"xs\":" + counts.ref() + "}", 2);
 * Workflow w = b.onError(Workflow.OnError.CONTINUE).retries(1).build();
 * }</pre>
 *
 * <p>Each call checks what it is given at once (id, function, args as strict JSON, reference shapes) with a
 * {@link ValidationException} naming the task; the graph (references to tasks that exist, no cycle) is checked by
 * {@link #build()}. A reference written by hand into args text ({@code {"$ref":"split"}}) counts as one from
 * {@link TaskRef#ref()}, and may name a task declared later.
 *
 * <p>Threading: not thread-safe; one thread builds. The workflows it builds are immutable.
 */
public final class WorkflowBuilder {
    /** The element placeholder of a map task's args: {@code {"$item":true}}. */
    public static final String ITEM = "{\"$item\":true}";
    /** The wait before a first retry when none is set (the spec's default for {@code retry_backoff_ms}). */
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(100);

    private final String name;
    private final List<Workflow.Task> tasks = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private Workflow.OnError onError = Workflow.OnError.FAIL_FAST;
    private int retries;
    private Duration backoff = DEFAULT_BACKOFF;
    private String sla = "";

    WorkflowBuilder(String name) {
        this.name = Objects.requireNonNullElse(name, "");
    }

    /** Adds a task that runs {@code functionId} once on {@code args} (JSON text; null or blank for {@code {}}). */
    public TaskRef task(String id, String functionId, String args) {
        return add(id, functionId, args, null, -1);
    }

    /** {@link #task(String, String, String)} with its own retries (0-{@value Workflow#MAX_RETRIES}). */
    public TaskRef task(String id, String functionId, String args, int retries) {
        return add(id, functionId, args, null, ownRetries(id, retries));
    }

    /**
     * Adds a task that runs {@code functionId} once per element of the list task {@code over} returns (a dynamic
     * fan-out), with {@link #ITEM} in {@code args} replaced by the element; its output is the list of the results.
     */
    public TaskRef map(String id, String functionId, TaskRef over, String args) {
        return add(id, functionId, args, Objects.requireNonNull(over, "over"), -1);
    }

    /** {@link #map(String, String, TaskRef, String)} with its own retries (0-{@value Workflow#MAX_RETRIES}). */
    public TaskRef map(String id, String functionId, TaskRef over, String args, int retries) {
        return add(id, functionId, args, Objects.requireNonNull(over, "over"), ownRetries(id, retries));
    }

    /**
     * Makes {@code task} wait for the {@code before} tasks to finish without passing it their outputs (the spec's
     * {@code after}); they are added to its dependencies after those it references, in order, each once.
     */
    public WorkflowBuilder after(TaskRef task, TaskRef... before) {
        int at = own(task, "task");
        Set<String> deps = new LinkedHashSet<>(tasks.get(at).dependsOn());
        for (TaskRef b : before) {
            own(b, "after");
            deps.add(b.id());
        }
        Workflow.Task t = tasks.get(at);
        tasks.set(at, new Workflow.Task(t.id(), t.functionId(), t.args(), t.map(), List.copyOf(deps), t.retries()));
        return this;
    }

    /** What a task that failed for good does to the run (default {@link Workflow.OnError#FAIL_FAST}). */
    public WorkflowBuilder onError(Workflow.OnError onError) {
        this.onError = Objects.requireNonNull(onError, "onError");
        return this;
    }

    /** Retries of every task that sets none, 0-{@value Workflow#MAX_RETRIES} (default 0). */
    public WorkflowBuilder retries(int retries) {
        this.retries = retries;
        return this;
    }

    /** The wait before a first retry, doubled for each next one (default {@link #DEFAULT_BACKOFF}). */
    public WorkflowBuilder backoff(Duration backoff) {
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        return this;
    }

    /**
     * The statistic the run's plan predicts with: {@code mean}, {@code p50}, {@code p90}, {@code p95}, {@code p99}
     * (default: the runtime's, p50).
     *
     * @since 1.3
     */
    public WorkflowBuilder sla(String sla) {
        this.sla = Objects.requireNonNull(sla, "sla");
        return this;
    }

    /** The workflow as declared so far; checks the name, the settings and the graph. */
    public Workflow build() {
        return new Workflow(name, tasks, onError, retries, backoff, sla);
    }

    /** The JSON array text of references to {@code tasks}, in order: {@code [{"$ref":"a"},{"$ref":"b"}]}. */
    public static String refs(List<TaskRef> tasks) {
        StringBuilder out = new StringBuilder("[");
        for (TaskRef t : tasks) {
            out.append(out.length() == 1 ? "" : ",").append(t.ref());
        }
        return out.append(']').toString();
    }

    /** {@link #refs(List)} of the given tasks. */
    public static String refs(TaskRef... tasks) {
        return refs(List.of(tasks));
    }

    /** {@code value} as a JSON string literal, quoted and escaped, to put text into args. */
    public static String quote(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2);
        dev.vireo.api.validation.JsonText.quote(value, out);
        return out.toString();
    }

    private TaskRef add(String id, String functionId, String args, TaskRef over, int taskRetries) {
        Objects.requireNonNull(id, "id");
        if (!Workflow.TASK_ID.matcher(id).matches()) {
            throw new ValidationException("tasks", "task id '" + Workflow.abbreviate(id) + "' is invalid: use 1-64"
                    + " letters, digits, '_', '.' or '-'");
        }
        String label = "task '" + id + "'";
        if (index.containsKey(id)) {
            throw new ValidationException("tasks", "task id '" + id + "' appears twice");
        }
        if (over != null && over.owner() != this) {
            throw new ValidationException("tasks", label + ": map source '" + over.id() + "' was declared by another"
                    + " builder");
        }
        ArgsText parsed = ArgsText.read(label, args, over != null);
        Set<String> deps = new LinkedHashSet<>();
        if (over != null) {
            deps.add(over.id());
        }
        deps.addAll(parsed.refs());
        tasks.add(new Workflow.Task(id, functionId, parsed.text(), over == null ? "" : over.id(), List.copyOf(deps),
                taskRetries));
        index.put(id, tasks.size() - 1);
        return new TaskRef(this, id);
    }

    /** The index of the task {@code ref} stands for, when this builder declared it. */
    private int own(TaskRef ref, String what) {
        Objects.requireNonNull(ref, what);
        if (ref.owner() != this) {
            throw new ValidationException("tasks", "task '" + ref.id() + "' (" + what + ") was declared by another"
                    + " builder");
        }
        return index.get(ref.id());
    }

    /** A task's own retries as given: -1 stands for "the workflow's" inside a task, so is not one to give. */
    private static int ownRetries(String id, int retries) {
        if (retries < 0) {
            throw new ValidationException("tasks", "task '" + Workflow.abbreviate(Objects.requireNonNull(id, "id"))
                    + "': retries " + retries + " is out of range [0, " + Workflow.MAX_RETRIES + "]");
        }
        return retries; // the upper bound is the task's to check
    }
}
