package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Per-function statistics as exponential moving averages (see {@link FunctionStats#ema}). Thread-safe. */
final class StatsBook {
    private final Map<String, FunctionStats> stats = new ConcurrentHashMap<>();

    FunctionStats get(String functionId) {
        return stats.getOrDefault(functionId, FunctionStats.EMPTY);
    }

    Map<String, FunctionStats> all() {
        return Map.copyOf(stats);
    }

    void remove(String functionId) {
        stats.remove(functionId);
    }

    /** Counts an arrival (for the inter-arrival time). */
    void arrived(String functionId, long arrivalNanos) {
        stats.compute(functionId, (id, s) -> {
            FunctionStats o = s == null ? FunctionStats.EMPTY : s;
            double iat = o.lastArrivalNanos() == 0 ? o.interArrivalUs()
                    : FunctionStats.ema(o.interArrivalUs(), (arrivalNanos - o.lastArrivalNanos()) / 1_000.0);
            return new FunctionStats(o.invocations(), o.coldStartUs(), o.warmUs(), o.executionUs(), o.e2eUs(), iat,
                    o.memoryMb(), arrivalNanos, o.cpuWaitUs());
        });
    }

    /** A memory measurement of one of the function's containers after an invocation. */
    void memory(String functionId, double memoryMb) {
        stats.computeIfPresent(functionId, (id, o) -> new FunctionStats(o.invocations(), o.coldStartUs(), o.warmUs(),
                o.executionUs(), o.e2eUs(), o.interArrivalUs(), FunctionStats.ema(o.memoryMb(), memoryMb),
                o.lastArrivalNanos(), o.cpuWaitUs()));
    }

    /** Counts a finished invocation that reached a container. */
    void completed(InvocationRecord r, double memoryMb) {
        stats.compute(r.functionId(), (id, s) -> {
            FunctionStats o = s == null ? FunctionStats.EMPTY : s;
            var t = r.timings();
            boolean cold = r.state().map(st -> st == ContainerState.COLD).orElse(false);
            return new FunctionStats(o.invocations() + 1,
                    cold ? FunctionStats.ema(o.coldStartUs(), t.coldStartUs()) : o.coldStartUs(),
                    cold ? o.warmUs() : FunctionStats.ema(o.warmUs(), t.e2eUs()),
                    r.success() ? FunctionStats.ema(o.executionUs(), t.executionUs()) : o.executionUs(),
                    FunctionStats.ema(o.e2eUs(), t.e2eUs()), o.interArrivalUs(),
                    memoryMb > 0 ? FunctionStats.ema(o.memoryMb(), memoryMb) : o.memoryMb(), o.lastArrivalNanos(),
                    FunctionStats.cpuWait(o.cpuWaitUs(), t.cpuWaitUs()));
        });
    }
}
