package dev.vireo.api.dag;

/** Where a task of a run is. The last four are final. */
public enum TaskState {
    /** Its inputs are not all there yet. */
    WAITING,
    /** Invoked (or being retried). */
    RUNNING,
    SUCCEEDED,
    /** Failed after its retries; its record holds the error. */
    FAILED,
    /** Not run: an input failed (on-error continue) or the run ended first. */
    SKIPPED,
    /** Not run: the run was cancelled. */
    CANCELLED;

    public boolean done() {
        return this != WAITING && this != RUNNING;
    }
}
