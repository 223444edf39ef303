package dev.vireo.api.model;

/**
 * Per-function characteristics as exponential moving averages ({@code avg = 0.9 * avg + 0.1 * sample}), in
 * microseconds (memory in MB). Zero means "no sample yet". Policies read these to estimate run times.
 *
 * @param invocations  invocations seen
 * @param coldStartUs  average cold start
 * @param warmUs       average end to end of warm invocations
 * @param executionUs  average execution as reported by the agent
 * @param e2eUs        average end to end
 * @param interArrivalUs average time between arrivals
 * @param memoryMb     average memory used
 * @param lastArrivalNanos clock time of the last arrival, 0 if none
 * @param cpuWaitUs    (since 1.5) average CPU wait ({@link Timings#cpuWaitUs}) of the invocations whose wait was
 *                     measured; -1 when none was (unlike the others, 0 is a measured value here)
 * @param containers   (since 1.6) not an average: the function's containers in the worker's pool at the moment of the
 *                     status, busy or idle (where a new invocation would start warm); 0 where not reported
 */
public record FunctionStats(long invocations, double coldStartUs, double warmUs, double executionUs, double e2eUs,
        double interArrivalUs, double memoryMb, long lastArrivalNanos, double cpuWaitUs, int containers) {
    public static final FunctionStats EMPTY = new FunctionStats(0, 0, 0, 0, 0, 0, 0, 0);
    public static final double EMA_WEIGHT = 0.1;

    /** Statistics without a container count (as before 1.6). */
    public FunctionStats(long invocations, double coldStartUs, double warmUs, double executionUs, double e2eUs,
            double interArrivalUs, double memoryMb, long lastArrivalNanos, double cpuWaitUs) {
        this(invocations, coldStartUs, warmUs, executionUs, e2eUs, interArrivalUs, memoryMb, lastArrivalNanos,
                cpuWaitUs, 0);
    }

    /** These statistics with the pool's count of the function's containers now. */
    public FunctionStats withContainers(int count) {
        return new FunctionStats(invocations, coldStartUs, warmUs, executionUs, e2eUs, interArrivalUs, memoryMb,
                lastArrivalNanos, cpuWaitUs, count);
    }

    /** Statistics without a CPU wait measurement ({@code cpuWaitUs} = -1). */
    public FunctionStats(long invocations, double coldStartUs, double warmUs, double executionUs, double e2eUs,
            double interArrivalUs, double memoryMb, long lastArrivalNanos) {
        this(invocations, coldStartUs, warmUs, executionUs, e2eUs, interArrivalUs, memoryMb, lastArrivalNanos,
                Timings.NOT_MEASURED);
    }

    /** The average CPU wait after one more invocation's {@code cpuWaitUs} (-1, not measured, changes nothing). */
    public static double cpuWait(double average, long sample) {
        if (sample < 0) {
            return average;
        }
        return average < 0 ? sample : average * (1 - EMA_WEIGHT) + sample * EMA_WEIGHT;
    }

    /** The EMA update: the first sample is taken as is. */
    public static double ema(double average, double sample) {
        return average == 0 ? sample : average * (1 - EMA_WEIGHT) + sample * EMA_WEIGHT;
    }
}
