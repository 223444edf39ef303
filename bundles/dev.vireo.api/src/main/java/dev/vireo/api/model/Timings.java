package dev.vireo.api.model;

/**
 * Where the time of one invocation went, in microseconds. Missing phases are zero.
 *
 * @param queuedUs     from arrival to leaving the queue
 * @param acquireUs    getting a container (includes {@code coldStartUs} when cold)
 * @param coldStartUs  creating the container and getting its agent ready
 * @param transportUs  the round trip to the agent minus the function's execution
 * @param executionUs  the function's own execution, as measured by the agent
 * @param e2eUs        end to end inside the worker, from arrival to reply
 */
public record Timings(long queuedUs, long acquireUs, long coldStartUs, long transportUs, long executionUs, long e2eUs) {
    public static final Timings NONE = new Timings(0, 0, 0, 0, 0, 0);

    public Timings {
        if (queuedUs < 0 || acquireUs < 0 || coldStartUs < 0 || transportUs < 0 || executionUs < 0 || e2eUs < 0) {
            throw new ValidationException("timings", "negative duration");
        }
    }

    /** Everything the platform added: end to end minus the function's execution. */
    public long overheadUs() {
        return Math.max(0, e2eUs - executionUs);
    }
}
