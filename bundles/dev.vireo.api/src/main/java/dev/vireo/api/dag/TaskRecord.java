package dev.vireo.api.dag;

import dev.vireo.api.model.InvocationError;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one task of a run, readable while the run goes on. Times are microseconds; for a map task they
 * add up over its invocations.
 *
 * @param task        the task id
 * @param functionId  its function
 * @param state       where it is
 * @param worker      the worker that ran it (the last attempt), empty before
 * @param container   how its (last) container was obtained: cold, prewarm, warm; empty before
 * @param attempts    invocations tried (retries count; a map task counts its elements' attempts)
 * @param items       elements a map task ran over (0 for a plain task)
 * @param startUs     when it became ready, microseconds since the run was submitted (-1 before)
 * @param endUs       when it ended, microseconds since the run was submitted (-1 before)
 * @param queuedUs    time its invocations waited in worker queues
 * @param inputUs     time to fetch its inputs and build its payload
 * @param executionUs time its function ran
 * @param outputUs    time to store its output
 * @param bytesIn     payload bytes sent to the function
 * @param bytesOut    output bytes stored
 * @param error       why it failed (kind, message, traceback), when it did
 */
public record TaskRecord(String task, String functionId, TaskState state, String worker, String container,
        int attempts, int items, long startUs, long endUs, long queuedUs, long inputUs, long executionUs,
        long outputUs, long bytesIn, long bytesOut, Optional<InvocationError> error) {
    public TaskRecord {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(state, "state");
        functionId = Objects.requireNonNullElse(functionId, "");
        worker = Objects.requireNonNullElse(worker, "");
        container = Objects.requireNonNullElse(container, "");
        error = Objects.requireNonNullElse(error, Optional.empty());
    }

    /** A task no invocation of which has run yet. */
    public static TaskRecord waiting(String task, String functionId) {
        return new TaskRecord(task, functionId, TaskState.WAITING, "", "", 0, 0, -1, -1, 0, 0, 0, 0, 0, 0,
                Optional.empty());
    }

    /** This record in another state. */
    public TaskRecord in(TaskState next) {
        return new TaskRecord(task, functionId, next, worker, container, attempts, items, startUs, endUs, queuedUs,
                inputUs, executionUs, outputUs, bytesIn, bytesOut, error);
    }
}
