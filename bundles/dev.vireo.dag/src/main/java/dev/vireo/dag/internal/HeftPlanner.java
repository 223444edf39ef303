package dev.vireo.dag.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Component;

/**
 * HEFT (Topcuoglu, Hariri, Wu 2002): tasks by decreasing upward rank ({@link PlanGraph#upwardRank}), each put on the
 * worker where it would finish first, insertion-based: a task may fill an idle gap of a lane between two tasks
 * already placed. A worker has slots(worker) lanes. What a task takes on a worker is startUs + executionUs; its
 * inputs arrive at their finish + transferUs. Equal finishes go to the worker listed first (home first).
 *
 * <p>Steps: the chosen worker, predicted start (after start-up) and finish, priority from the rank order (the
 * first gets the highest), prewarm where the task has predecessors and its function is not warm on its worker (the
 * container can start while they run). No fusion. O(tasks^2 x workers) at worst (gap search over one lane).
 */
@Component
@PluginName("heft")
@PluginDescription("HEFT list scheduling: each task, by upward rank, on the worker where it finishes first; pick it"
        + " for heterogeneous workers or costly transfers when per-task costs are predicted")
public final class HeftPlanner implements DagPlanner {
    @Override
    public DagPlan plan(DagSpec dag, PlanningContext context) {
        PlanGraph g = PlanGraph.of(dag);
        List<String> workers = context.workers();
        int[] first = g.byRank(g.upwardRank(context));
        Map<String, List<TreeMap<Long, Long>>> lanes = new HashMap<>();
        String[] worker = new String[g.n];
        long[] start = new long[g.n];
        long[] finish = new long[g.n];
        boolean[] prewarm = new boolean[g.n];
        long makespan = 0;
        for (int t : first) {
            DagSpec.Task task = g.task(t);
            String best = null;
            long bestSlot = 0;
            long bestFinish = Long.MAX_VALUE;
            int bestLane = -1;
            for (String w : workers) {
                long inputs = 0;
                for (int p : g.preds[t]) {
                    inputs = Math.max(inputs, finish[p] + context.transferUs(g.task(p), task, worker[p], w));
                }
                long cost = PlanGraph.cost(context, task, w);
                List<TreeMap<Long, Long>> mine = lanes.computeIfAbsent(w, k -> new ArrayList<>());
                int lane = -1;
                long slot = Long.MAX_VALUE;
                for (int l = 0; l < mine.size() && slot > inputs; l++) {
                    long s = gap(mine.get(l), inputs, cost);
                    if (s < slot) {
                        slot = s;
                        lane = l;
                    }
                }
                if (slot > inputs && mine.size() < Math.max(1, Math.min(context.slots(w), g.n))) {
                    slot = inputs; // a lane not used yet
                    lane = mine.size();
                }
                if (slot + cost < bestFinish) {
                    best = w;
                    bestSlot = slot;
                    bestFinish = slot + cost;
                    bestLane = lane;
                }
            }
            List<TreeMap<Long, Long>> mine = lanes.get(best);
            if (bestLane == mine.size()) {
                mine.add(new TreeMap<>());
            }
            if (bestFinish > bestSlot) {
                mine.get(bestLane).put(bestSlot, bestFinish);
            }
            worker[t] = best;
            start[t] = bestSlot + context.startUs(task, best);
            finish[t] = bestFinish;
            prewarm[t] = g.preds[t].length > 0 && !context.warm(best, task.functionId());
            makespan = Math.max(makespan, finish[t]);
        }
        return g.plan(worker, null, prewarm, g.priorities(first), new PlanGraph.Schedule(start, finish, makespan));
    }

    /**
     * The earliest time at or after {@code ready} when the lane is idle for {@code length}: a gap between two busy
     * intervals (start -> end, not overlapping) or the lane's end.
     */
    static long gap(TreeMap<Long, Long> lane, long ready, long length) {
        var before = lane.floorEntry(ready);
        long at = before == null ? ready : Math.max(ready, before.getValue());
        for (var busy : lane.tailMap(ready, false).entrySet()) {
            if (at + length <= busy.getKey()) {
                return at;
            }
            at = Math.max(at, busy.getValue());
        }
        return at;
    }
}
