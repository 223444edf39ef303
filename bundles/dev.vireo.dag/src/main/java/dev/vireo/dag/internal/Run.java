package dev.vireo.dag.internal;

import com.google.gson.JsonElement;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this worker holds of a run while it takes part in it: the workflow (parsed once), who needs whose output, the
 * tasks' args parsed on first use, and the store the run lives in. The run's state itself is in the store; this is
 * a cache any worker can rebuild from the stored spec. Thread-safe.
 */
final class Run {
    final String id;
    final Workflow workflow;
    final DagStore store;
    final Map<String, Workflow.Task> tasks;
    final Map<String, List<String>> dependents;
    private final Map<String, JsonElement> args = new ConcurrentHashMap<>();
    /** The plan's step per task, on the node that planned the run (empty elsewhere: nodes continuing it from a store). */
    volatile Map<String, DagPlan.Step> steps = Map.of();
    /** Tasks whose containers were asked to start ahead of their inputs (prewarm: once each). */
    final java.util.Set<String> prewarmed = ConcurrentHashMap.newKeySet();
    /** Where each of the plan's groups runs: the worker its first member went to, "" for this node. */
    final Map<String, String> groupWorkers = new ConcurrentHashMap<>();
    /**
     * Outputs this node keeps for dependents in their producer's group, by producer, with how many such dependents
     * have yet to start: they read it from here, not back from a shared store.
     */
    final Map<String, Kept> kept = new ConcurrentHashMap<>();
    /**
     * Steps of chains run on peers ({@link Chains}) whose tasks have yet to be settled here, by task, each with its
     * start and end on this node's scale (microseconds since submission).
     */
    final Map<String, Prepared> prepared = new ConcurrentHashMap<>();

    /** Tasks that ended here without an output (failed or skipped): a chain's later link must not pass for run. */
    final java.util.Set<String> unsucceeded = ConcurrentHashMap.newKeySet();

    /** A link of a chain that ran on a peer: what it did there, and when. */
    record Prepared(dev.vireo.api.dag.ChainStep step, long startUs, long endUs) {
    }

    /** Set once the run has a final state (seen here or in the store). */
    volatile boolean finished;
    volatile RunText.Meta meta;

    Run(String id, Workflow workflow, DagStore store, RunText.Meta meta) {
        this.id = id;
        this.workflow = workflow;
        this.store = store;
        this.meta = meta;
        Map<String, Workflow.Task> byId = new HashMap<>();
        for (Workflow.Task t : workflow.tasks()) {
            byId.put(t.id(), t);
        }
        this.tasks = Map.copyOf(byId);
        this.dependents = Map.copyOf(workflow.dependents());
    }

    /** The plan's step for a task, or null when this node has no plan for the run. */
    DagPlan.Step step(String task) {
        return steps.get(task);
    }

    /** An output kept in memory, and how many of its group's dependents have yet to read it. */
    record Kept(String output, java.util.concurrent.atomic.AtomicInteger readers) {
    }

    /** Keeps a task's output here for {@code readers} more starts of tasks that read it (added to any kept). */
    void keep(String task, String output, int readers) {
        kept.compute(task, (k, before) -> {
            if (before == null) {
                return new Kept(output, new java.util.concurrent.atomic.AtomicInteger(readers));
            }
            before.readers().addAndGet(readers);
            return before;
        });
    }

    /** The plan's group of a task ("" for none, or without a plan). */
    String group(String task) {
        DagPlan.Step s = steps.get(task);
        return s == null ? "" : s.group();
    }

    /** The plan's priority of a task (0 without a plan). */
    int priority(String task) {
        DagPlan.Step s = steps.get(task);
        return s == null ? 0 : s.priority();
    }

    Workflow.Task task(String id) {
        return tasks.get(id);
    }

    /** The task's args, parsed (once). */
    JsonElement args(Workflow.Task t) {
        return args.computeIfAbsent(t.id(), k -> Payloads.parse(t.args().isEmpty() ? "{}" : t.args()));
    }

    /**
     * The transaction id of a task's invocation: {@code RUN:TASK}, {@code .eN} for element N of a map, {@code .rN} for
     * attempt N; the task's position ({@code RUN:nI}) where the id would pass the 64 characters a tid may have.
     */
    String tid(String task, int item, int attempt) {
        String suffix = (item >= 0 ? ".e" + item : "") + (attempt > 1 ? ".r" + attempt : "");
        String tid = id + ":" + task + suffix;
        return tid.length() <= 64 ? tid : id + ":n" + workflow.tasks().indexOf(tasks.get(task)) + suffix;
    }
}
