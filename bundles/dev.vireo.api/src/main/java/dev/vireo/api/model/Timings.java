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
 * @param cpuWaitUs    (since 1.5) time the container's tasks were runnable but not running (waiting in a CPU's run
 *                     queue) during the call to the agent, summed over its tasks; {@link #NOT_MEASURED} (-1) when no
 *                     probe measured it. Shared by the invocations a container serves at once (concurrency > 1)
 */
public record Timings(long queuedUs, long acquireUs, long coldStartUs, long transportUs, long executionUs, long e2eUs,
        long cpuWaitUs) {
    /** {@link #cpuWaitUs} of an invocation whose CPU wait was not measured. */
    public static final long NOT_MEASURED = -1;
    public static final Timings NONE = new Timings(0, 0, 0, 0, 0, 0);

    public Timings {
        if (queuedUs < 0 || acquireUs < 0 || coldStartUs < 0 || transportUs < 0 || executionUs < 0 || e2eUs < 0) {
            throw new ValidationException("timings", "negative duration");
        }
        if (cpuWaitUs < NOT_MEASURED) {
            throw new ValidationException("timings", "cpuWaitUs " + cpuWaitUs + " is below -1 (not measured)");
        }
    }

    /** Timings without a CPU wait measurement ({@code cpuWaitUs} = -1). */
    public Timings(long queuedUs, long acquireUs, long coldStartUs, long transportUs, long executionUs, long e2eUs) {
        this(queuedUs, acquireUs, coldStartUs, transportUs, executionUs, e2eUs, NOT_MEASURED);
    }

    /** Whether {@link #cpuWaitUs} was measured. */
    public boolean cpuWaitMeasured() {
        return cpuWaitUs != NOT_MEASURED;
    }

    /** These timings with {@code cpuWaitUs} instead. */
    public Timings withCpuWaitUs(long cpuWaitUs) {
        return new Timings(queuedUs, acquireUs, coldStartUs, transportUs, executionUs, e2eUs, cpuWaitUs);
    }

    /** Everything the platform added: end to end minus the function's execution. */
    public long overheadUs() {
        return Math.max(0, e2eUs - executionUs);
    }
}
