package dev.vireo.workload;

import java.util.Arrays;
import java.util.Objects;

/**
 * One function of a trace: its per-minute invocation counts, its duration percentiles (ms, without cold start) and its
 * memory (MB; in an Azure Functions 2019 trace its app's average allocated memory shared among the app's functions),
 * and for a trace that has them (Ilúvatar's format: {@link IluvatarTrace}) its exact invocation times.
 *
 * @param owner     HashOwner
 * @param app       HashApp
 * @param function  HashFunction
 * @param trigger   http, timer, queue, event, storage, orchestration, others
 * @param perMinute invocations in each minute of the trace (1,440 a day, days one after the other; fewer for a
 *                  shorter trace)
 * @param durations Average, Count, Minimum, Maximum, then percentiles 0, 1, 25, 50, 75, 99, 100
 * @param memoryMb  the app's average allocated memory divided by its functions in the trace
 * @param invokeAtMs its invocations' times, ms from the trace's start, in order; empty: the trace has only the
 *                  per-minute counts (the schedule spreads them: {@link Schedule})
 */
public record FunctionTrace(String owner, String app, String function, String trigger, int[] perMinute,
        Durations durations, double memoryMb, long[] invokeAtMs) {
    public FunctionTrace {
        Objects.requireNonNull(function, "function");
        perMinute = perMinute.clone();
        invokeAtMs = invokeAtMs.clone();
    }

    /** A function of a trace with per-minute counts only. */
    public FunctionTrace(String owner, String app, String function, String trigger, int[] perMinute,
            Durations durations, double memoryMb) {
        this(owner, app, function, trigger, perMinute, durations, memoryMb, new long[0]);
    }

    @Override
    public int[] perMinute() {
        return perMinute.clone();
    }

    @Override
    public long[] invokeAtMs() {
        return invokeAtMs.clone();
    }

    /** Durations as the trace gives them (ms). */
    public record Durations(double average, long count, double minimum, double maximum, double p0, double p1, double p25,
            double p50, double p75, double p99, double p100) {
    }

    public long invocations() {
        return Arrays.stream(perMinute).asLongStream().sum();
    }

    /** The common mapping: cold start = Maximum, warm = percentile_Average_25. */
    public double coldMs() {
        return durations.maximum();
    }

    public double warmMs() {
        return durations.p25();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunctionTrace f && owner.equals(f.owner) && app.equals(f.app) && function.equals(f.function)
                && trigger.equals(f.trigger) && Arrays.equals(perMinute, f.perMinute) && durations.equals(f.durations)
                && Double.compare(memoryMb, f.memoryMb) == 0 && Arrays.equals(invokeAtMs, f.invokeAtMs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(owner, app, function, trigger, Arrays.hashCode(perMinute), durations, memoryMb,
                Arrays.hashCode(invokeAtMs));
    }
}
