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
 */
public record FunctionStats(long invocations, double coldStartUs, double warmUs, double executionUs, double e2eUs,
        double interArrivalUs, double memoryMb, long lastArrivalNanos) {
    public static final FunctionStats EMPTY = new FunctionStats(0, 0, 0, 0, 0, 0, 0, 0);
    public static final double EMA_WEIGHT = 0.1;

    /** The EMA update: the first sample is taken as is. */
    public static double ema(double average, double sample) {
        return average == 0 ? sample : average * (1 - EMA_WEIGHT) + sample * EMA_WEIGHT;
    }
}
