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
 * @param cpuTimeUs    (since 1.7) CPU time the container used during the call to the agent, from its cgroup's
 *                     accounting ({@code cpu.stat usage_usec}; v1 {@code cpuacct.usage}); {@link #NOT_MEASURED} for a
 *                     container without a cgroup (the simulated backend, processes outside cgroups). Shared like
 *                     {@code cpuWaitUs}
 * @param energyUj     (since 1.7) energy the host's CPU packages drew during the call, in microjoules, from RAPL
 *                     ({@code /sys/class/powercap}, every {@code package-N} zone, wrap-around counted); the whole
 *                     host's, not the container's share; {@link #NOT_MEASURED} where the host has no RAPL (virtual
 *                     machines, most ARM hosts) or it is not readable
 */
public record Timings(long queuedUs, long acquireUs, long coldStartUs, long transportUs, long executionUs, long e2eUs,
        long cpuWaitUs, long cpuTimeUs, long energyUj) {
    /** {@link #cpuWaitUs}, {@link #cpuTimeUs} or {@link #energyUj} of an invocation where it was not measured. */
    public static final long NOT_MEASURED = -1;
    public static final Timings NONE = new Timings(0, 0, 0, 0, 0, 0);

    public Timings {
        if (queuedUs < 0 || acquireUs < 0 || coldStartUs < 0 || transportUs < 0 || executionUs < 0 || e2eUs < 0) {
            throw new ValidationException("timings", "negative duration");
        }
        if (cpuWaitUs < NOT_MEASURED || cpuTimeUs < NOT_MEASURED || energyUj < NOT_MEASURED) {
            throw new ValidationException("timings", "cpuWaitUs " + cpuWaitUs + ", cpuTimeUs " + cpuTimeUs
                    + " or energyUj " + energyUj + " is below -1 (not measured)");
        }
    }

    /** Timings with a CPU wait measurement and neither CPU time nor energy ({@code -1}). */
    public Timings(long queuedUs, long acquireUs, long coldStartUs, long transportUs, long executionUs, long e2eUs,
            long cpuWaitUs) {
        this(queuedUs, acquireUs, coldStartUs, transportUs, executionUs, e2eUs, cpuWaitUs, NOT_MEASURED,
                NOT_MEASURED);
    }

    /** Timings without a CPU wait, CPU time or energy measurement ({@code -1} each). */
    public Timings(long queuedUs, long acquireUs, long coldStartUs, long transportUs, long executionUs, long e2eUs) {
        this(queuedUs, acquireUs, coldStartUs, transportUs, executionUs, e2eUs, NOT_MEASURED);
    }

    /** Whether {@link #cpuWaitUs} was measured. */
    public boolean cpuWaitMeasured() {
        return cpuWaitUs != NOT_MEASURED;
    }

    /** These timings with {@code cpuWaitUs} instead. */
    public Timings withCpuWaitUs(long cpuWaitUs) {
        return new Timings(queuedUs, acquireUs, coldStartUs, transportUs, executionUs, e2eUs, cpuWaitUs, cpuTimeUs,
                energyUj);
    }

    /** Everything the platform added: end to end minus the function's execution. */
    public long overheadUs() {
        return Math.max(0, e2eUs - executionUs);
    }
}
