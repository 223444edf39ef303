package dev.vireo.dag.internal;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.spi.dag.PlanningContext;
import dev.vireo.api.spi.dag.Prediction;
import dev.vireo.api.spi.dag.Sla;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * What a planner knows on this node when a run is submitted: the workers the run may use (this one, its home, first;
 * then its peers), the run's SLA statistic, predictions from this node's {@link History} (falling back on the
 * worker's moving averages for a function no task has run yet), slots per worker, and where a function is warm: it
 * ran there lately as this node saw it, or that worker's status counts containers of it now (a peer's status is asked
 * once per plan, when a planner first asks about that peer). Immutable for one plan, except the history it reads.
 */
final class NodePlanning implements PlanningContext {
    private final Map<String, FunctionStats> stats;
    private final List<String> workers;
    private final Sla sla;
    private final History history;
    private final long nowNs;
    private final ToIntFunction<String> slots;
    private final Function<String, Map<String, FunctionStats>> statusOf;
    private final Map<String, Map<String, FunctionStats>> asked = new ConcurrentHashMap<>();

    NodePlanning(Map<String, FunctionStats> stats, List<String> workers, Sla sla, History history, long nowNs,
            ToIntFunction<String> slots) {
        this(stats, workers, sla, history, nowNs, slots, w -> Map.of());
    }

    /**
     * @param statusOf a worker's per-function statistics now ({@code WorkerStatus.stats}; empty when it cannot be
     *                 asked), for its container counts
     */
    NodePlanning(Map<String, FunctionStats> stats, List<String> workers, Sla sla, History history, long nowNs,
            ToIntFunction<String> slots, Function<String, Map<String, FunctionStats>> statusOf) {
        this.stats = Map.copyOf(stats);
        this.statusOf = statusOf;
        this.workers = List.copyOf(workers);
        this.sla = sla;
        this.history = history;
        this.nowNs = nowNs;
        this.slots = slots;
    }

    @Override
    public FunctionStats stats(String functionId) {
        return stats.get(functionId);
    }

    @Override
    public List<String> workers() {
        return workers;
    }

    @Override
    public Sla sla() {
        return sla;
    }

    @Override
    public Prediction predict(String functionId) {
        Prediction seen = history.predict(functionId, sla);
        return seen.known() ? seen : PlanningContext.super.predict(functionId);
    }

    /** Measured ({@link History#hopCost}) once this node sent enough tasks to peers; the default before. */
    @Override
    public double transferUsPerByte() {
        double[] hop = history.hopCost();
        return hop == null ? PlanningContext.super.transferUsPerByte() : hop[1];
    }

    @Override
    public long transferUs(dev.vireo.api.spi.dag.DagSpec.Task from, dev.vireo.api.spi.dag.DagSpec.Task to,
            String fromWorker, String toWorker) {
        double[] hop = history.hopCost();
        if (hop == null || fromWorker.equals(toWorker)) {
            return PlanningContext.super.transferUs(from, to, fromWorker, toWorker);
        }
        // a task on a peer: its input goes there and its output comes back, in one measured hop
        return (long) (hop[0] + predict(from.functionId()).outputBytes() * hop[1]);
    }

    @Override
    public int slots(String worker) {
        return Math.max(1, slots.applyAsInt(worker));
    }

    @Override
    public boolean warm(String worker, String functionId) {
        if (history.warm(worker, functionId, nowNs)) {
            return true;
        }
        // the first worker is this node: its own statistics came with the context
        Map<String, FunctionStats> now = !workers.isEmpty() && workers.get(0).equals(worker) ? stats
                : asked.computeIfAbsent(worker, statusOf);
        FunctionStats f = now.get(functionId);
        return f != null && f.containers() > 0;
    }
}
