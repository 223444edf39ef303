package dev.vireo.api.spi.dag;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Extension point {@code dag-store}: where workflow runs keep their state, so that whichever worker finishes a task
 * can continue the graph without a central scheduler: per-task dependency counters (atomic), outputs, task records,
 * the run's state. Values are opaque text to the store (JSON made by the runtime). The embedded store keeps them in
 * the worker's memory; a shared store (Redis) lets many workers and hosts continue one run.
 *
 * <p>Every operation is atomic on its own; none blocks for long (a store over the network answers in a round trip).
 * Operations on an unknown run fail with {@link IllegalArgumentException} unless they say otherwise.
 *
 * <p>Threading: safe from any number of threads, also across processes for a shared store.
 */
@ProviderType
public interface DagStore {
    /**
     * Creates a run: its spec, its meta data (state RUNNING) and, for every task, the number of its inputs not yet
     * there ({@code pending}); {@code remaining} is the number of tasks not yet done. Fails if the run exists.
     */
    void create(String run, String spec, String meta, Map<String, Integer> pending, int remaining);

    /** The run's spec as created, empty if the run is unknown (or deleted). */
    Optional<String> spec(String run);

    /** The run's meta data text (as last {@link #meta(String, String) set}), empty if unknown. */
    Optional<String> meta(String run);

    /** Replaces the run's meta data text. */
    void meta(String run, String meta);

    /**
     * Keeps the run's plan text (what its planner decided and predicted, written once after {@link #create}), so that
     * any node answering for the run can show it beside what happened. Removed with the run.
     *
     * @since 1.3
     */
    void plan(String run, String plan);

    /** The run's plan text, empty if the run is unknown or has none. @since 1.3 */
    Optional<String> plan(String run);

    /**
     * Marks the task done, once: true for the first call for the task (the caller then releases its dependents and
     * counts it with {@link #finishTask}), false for every later one (a retried or duplicated completion). With
     * {@code output} non-null it is stored as the task's output in the same step.
     */
    boolean settle(String run, String task, String output);

    /** Whether the task has settled (succeeded, failed or skipped); false for an unknown run. */
    boolean settled(String run, String task);

    /**
     * One input of the task arrived: decrements its pending count and returns what is left. The call that returns 0
     * is the one that runs the task (exactly one caller sees 0).
     */
    long release(String run, String task);

    /** A task is done: decrements the run's remaining count and returns what is left (0: the run is complete). */
    long finishTask(String run);

    /**
     * What {@link #complete} did: whether this call settled the task ({@code first}), the dependents it left with no
     * input missing (to start), and the run's remaining count after it (0: the run is complete; -1 when not first).
     */
    record Completion(boolean first, List<String> ready, long remaining) {
        public Completion {
            ready = List.copyOf(ready);
        }
    }

    /**
     * A task's end in one step: {@link #settle} (with {@code output}, null for none), and only if that was the first,
     * {@link #record} its final record, {@link #release} each of {@code dependents} (those not waiting for inputs are
     * skipped) and {@link #finishTask}. A store over the network does it in one round trip; the default makes the
     * calls one after another (each atomic; together they are, for each caller, in that order).
     */
    default Completion complete(String run, String task, String output, String record, List<String> dependents) {
        if (!settle(run, task, output)) {
            return new Completion(false, List.of(), -1);
        }
        record(run, task, record);
        List<String> ready = new java.util.ArrayList<>();
        for (String d : dependents) {
            if (release(run, d) == 0) {
                ready.add(d);
            }
        }
        return new Completion(true, ready, finishTask(run));
    }

    /** The stored output of each of the tasks that has one, in the order asked (absent ones are left out). */
    Map<String, String> outputs(String run, Collection<String> tasks);

    /** Drops the outputs of these tasks (intermediate results no task needs any more); unknown is fine. */
    void dropOutputs(String run, Collection<String> tasks);

    /** Stores the task's latest record text (replacing the previous one). */
    void record(String run, String task, String record);

    /**
     * Stores a progress record of the task (it runs, it was handed to a peer), unless the task has settled: a
     * progress record never replaces the record of a task that is done. Atomic: true if it was stored.
     */
    boolean progress(String run, String task, String record);

    /** Every task's latest record text, by task id. */
    Map<String, String> records(String run);

    /**
     * Sets the run's final state if it has none yet, atomically: returns the final state now (the one set, or the
     * one another caller set first).
     */
    String finish(String run, String state);

    /** The run's final state, empty while it runs (or if unknown). */
    Optional<String> finished(String run);

    /** The runs in the store, newest first. */
    List<String> runs();

    /** Removes the run and everything stored for it; unknown is fine. */
    void delete(String run);

    /**
     * Whether other nodes see what this store holds (a server such as Redis): then a run can continue on any node
     * that uses the same store, and tasks may be handed to peers. False for a store in this node's memory.
     */
    default boolean shared() {
        return false;
    }
}
