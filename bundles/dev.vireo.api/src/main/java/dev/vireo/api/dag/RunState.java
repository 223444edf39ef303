package dev.vireo.api.dag;

/** Where a run is. Only RUNNING changes, once. */
public enum RunState {
    RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean done() {
        return this != RUNNING;
    }
}
