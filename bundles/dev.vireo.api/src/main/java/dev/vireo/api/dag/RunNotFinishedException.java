package dev.vireo.api.dag;

import dev.vireo.api.model.ValidationException;

/**
 * A run's result was asked for before the run finished. The APIs answer it apart from other bad requests (HTTP 409,
 * gRPC FAILED_PRECONDITION, error kind {@value #KIND}): the request was right, only early.
 *
 * @since 1.1
 */
public final class RunNotFinishedException extends ValidationException {
    private static final long serialVersionUID = 1L;

    /** The error kind the APIs report it with. */
    public static final String KIND = "NOT_FINISHED";

    private final int finished;
    private final int tasks;

    public RunNotFinishedException(String run, int finished, int tasks) {
        super("run", "run '" + run + "' has not finished yet (" + finished + " of " + tasks + " tasks done)");
        this.finished = finished;
        this.tasks = tasks;
    }

    /** Tasks done when it was asked. */
    public int finished() {
        return finished;
    }

    /** Tasks in all. */
    public int tasks() {
        return tasks;
    }
}
