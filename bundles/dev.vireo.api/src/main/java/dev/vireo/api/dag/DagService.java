package dev.vireo.api.dag;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs workflows on the worker (or controller) it belongs to. Every method validates its input and throws
 * {@link dev.vireo.api.model.ValidationException} or {@link dev.vireo.api.worker.WorkerException} (UNKNOWN_FUNCTION
 * for an unknown run) with a message naming what was wrong, changing nothing. The HTTP and gRPC APIs are front ends
 * of this interface: they read a spec with {@link #parse} and pass the rest through.
 *
 * <p>Threading: safe from any number of threads; nothing blocks on a run.
 */
@ProviderType
public interface DagService {
    /**
     * Reads a workflow spec (JSON text, docs/api.md "Workflows") and checks it as {@link Workflow} does, without
     * running anything: strict JSON, known fields, the graph. Whether its functions are registered is checked by
     * {@link #submit}.
     *
     * @throws dev.vireo.api.model.ValidationException naming the field, or the task and what is wrong with it
     * @since 1.1
     */
    Workflow parse(String specJson);

    /**
     * Starts a run of the workflow; every function it names must be registered (INVALID_REQUEST naming the task if
     * not). With {@code resume} (a run id, or empty for none), tasks that succeeded in that run are not run again:
     * their stored outputs are used (that run must still be kept by the store).
     *
     * @return the new run's id
     */
    default String submit(Workflow workflow, String resume) {
        return submit(workflow, resume, "");
    }

    /**
     * {@link #submit(Workflow, String)} under the id {@code run}, or under one this service picks when {@code run} is
     * empty. A controller that runs a workflow on one of its workers names the run, so that the id the client holds
     * stays the same wherever the run goes (also when it has to start again on another worker). A given id is 1-48
     * characters of {@code A-Z a-z 0-9 . _ -}, not the id of a run the store keeps (ValidationException naming
     * {@code run} otherwise).
     *
     * @return the run's id
     * @since 1.3
     */
    String submit(Workflow workflow, String resume, String run);

    /** The run's state and per-task records. */
    RunStatus status(String run);

    /**
     * Starts a task of a run that another node handed over ({@link DagPeers#start}): the run's state is in the shared
     * store both use, the task's inputs are all there, and this node is to run it (and continue the graph from it).
     * Returns once the task is accepted (it starts on the executor). UNKNOWN_FUNCTION if the store has no such run;
     * a run that has ended starts nothing.
     */
    void continueTask(String run, String task);

    /**
     * {@link #continueTask} for several tasks of one run, with {@code inputs}: outputs of tasks they depend on that the
     * caller holds (output text by producing task), carried in the request so that this node reads them from there
     * instead of the store (values inline; this node keeps them in memory until each of the given tasks that depends
     * on one has started). A name that is not a task of the run, or an input no given task depends on, is a
     * {@link dev.vireo.api.model.ValidationException} on field {@code inputs}.
     *
     * @since 1.4
     */
    default void continueTasks(String run, List<String> tasks, java.util.Map<String, String> inputs) {
        tasks.forEach(t -> continueTask(run, t));
    }

    /**
     * Runs a chain of a run's tasks here, one after the other, on this node's own worker: the first link with
     * {@code payload}, each later one with a payload built here from its args and the outputs of the earlier links it
     * reads (sub-graphs inline: a run's home sends a fused group to the peer it runs on in one request, and the
     * outputs passed between its members stay here). Nothing is stored: the home settles and records every link from
     * the answer. The chain stops at the first link that fails; an output that is not strict JSON or exceeds
     * {@code maxOutputBytes} (the caller's {@code max.output.bytes}; this node's own when it is smaller or the caller
     * gives 0) is such a failure (USER_ERROR, with the message the caller's runtime gives it). Its step is the last,
     * and the outputs of earlier links that it or a later link reads are returned, so that the caller can go on from
     * there. The chain also stops, before a link whose returned output would take the answer past 32 MiB (that link
     * is not in the answer: the caller runs it), and when the stage is cancelled (the caller went away).
     *
     * <p>Checked before anything runs: 1-64 links, each with a valid tid, a task and a function, args empty or JSON
     * whose references are all among its inputs, inputs naming earlier links only, the first with none
     * ({@link dev.vireo.api.model.ValidationException} on field {@code links}); {@code payload} strict JSON or empty
     * (field {@code payload}).
     *
     * @return one step per link that ran, in order; fails when the first link could not be invoked at all, and with
     *         an {@link UnsupportedOperationException} from a service that runs no chains (the default)
     * @since 1.5
     */
    default java.util.concurrent.CompletionStage<List<ChainStep>> runChain(List<ChainLink> links, String payload,
            int maxOutputBytes) {
        return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
                "this workflow service runs no chains"));
    }

    /** The run's state and counts without per-task records: cheap enough to poll a run of 100,000 tasks. */
    RunStatus summary(String run);

    /**
     * The run's workflow as a spec: JSON text that {@link #parse} reads back to the same workflow (its tasks in their
     * order, the dependencies that pass no data written as {@code after}). What a client needs to draw the run's
     * graph from its records, or to submit it again.
     *
     * @since 1.2
     */
    String spec(String run);

    /**
     * The run's plan: what its planner decided and predicted when it was submitted (UNKNOWN_FUNCTION for an unknown
     * run; a run submitted before plans were kept has one with no steps).
     *
     * @since 1.3
     */
    RunPlan plan(String run);

    /**
     * The outputs of the run's sinks.
     *
     * @throws RunNotFinishedException if the run has not finished yet (a ValidationException saying how far it is)
     */
    RunResult result(String run);

    /** Stops the run: nothing more starts (invocations in flight finish); a finished run is unchanged. */
    RunStatus cancel(String run);

    /** Removes a finished run and all it stored; a running run is cancelled first. */
    void delete(String run);

    /** The runs this service knows, newest first, without per-task records. */
    List<RunStatus> runs();
}
