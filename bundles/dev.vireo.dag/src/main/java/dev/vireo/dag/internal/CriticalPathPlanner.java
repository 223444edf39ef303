package dev.vireo.dag.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * Critical path first, the rest downgraded while the predicted makespan holds (the non-uniform planner of a
 * decentralized serverless executor, with "larger" read as "on the home worker"). The critical path is the longest
 * path with every task on home(): startUs + executionUs per task, transferUs(home -> home) per edge, all in the
 * run's SLA statistic (the context predicts in it). Its tasks run on home(), get the highest priorities and
 * prewarm. The others start on home() too; then, by decreasing upward rank, each is moved to the other worker whose
 * lanes are least loaded (predicted cost / slots) when the list schedule ({@link PlanGraph#evaluate}) then predicts
 * a makespan no longer than the critical path's (or than the makespan before the move, when contention on home
 * already made it longer); else it stays home. Moved tasks are not prewarmed. Past {@value #TRIALS} tasks off the
 * path they are moved in {@value #TRIALS} chunks (one evaluation each, all of a chunk or none), which bounds the
 * planning time.
 */
@Component
@PluginName("critical-path")
@PluginDescription("keep the predicted critical path on the home worker, prewarmed and first; move other tasks out"
        + " while the predicted makespan holds; pick it when predictions exist and the SLA makespan matters")
public final class CriticalPathPlanner implements DagPlanner {
    /** Evaluations at most for the tasks off the critical path. */
    static final int TRIALS = 128;

    @Override
    public DagPlan plan(DagSpec dag, PlanningContext context) {
        PlanGraph g = PlanGraph.of(dag);
        String home = context.home();
        boolean[] critical = new boolean[g.n];
        long length = criticalPath(g, context, home, critical);
        int[] first = g.byRank(g.upwardRank(context));
        int[] priority = g.priorities(first);
        List<Integer> off = new ArrayList<>();
        for (int t : first) {
            if (critical[t]) {
                priority[t] += g.n;
            } else {
                off.add(t);
            }
        }
        String[] worker = new String[g.n];
        Arrays.fill(worker, home);
        PlanGraph.Schedule schedule = g.evaluate(context, worker, priority);
        List<String> others = context.workers().stream().filter(w -> !w.equals(home)).toList();
        Map<String, Double> load = new HashMap<>();
        others.forEach(w -> load.put(w, 0.0));
        int chunk = Math.max(1, (off.size() + TRIALS - 1) / TRIALS);
        for (int from = 0; from < off.size() && !others.isEmpty(); from += chunk) {
            List<Integer> moved = off.subList(from, Math.min(off.size(), from + chunk));
            Map<String, Double> before = new HashMap<>(load);
            for (int t : moved) {
                String w = others.stream().min((a, b) -> Double.compare(load.get(a), load.get(b))).orElseThrow();
                worker[t] = w;
                load.merge(w, (double) PlanGraph.cost(context, g.task(t), w)
                        / Math.max(1, Math.min(context.slots(w), g.n)), Double::sum);
            }
            PlanGraph.Schedule trial = g.evaluate(context, worker, priority);
            if (trial.makespan() <= Math.max(length, schedule.makespan())) {
                schedule = trial;
            } else {
                moved.forEach(t -> worker[t] = home);
                load.putAll(before);
            }
        }
        return g.plan(worker, null, critical, priority, schedule);
    }

    /**
     * Marks the tasks of the longest path (every task on home) in {@code critical} and returns its length; among
     * equally long paths, the one whose tasks come first in the topological order.
     */
    static long criticalPath(PlanGraph g, PlanningContext context, String home, boolean[] critical) {
        long[] length = new long[g.n];
        int[] via = new int[g.n];
        int end = -1;
        for (int t : g.order) {
            via[t] = -1;
            long in = 0;
            for (int p : g.preds[t]) {
                long l = length[p] + context.transferUs(g.task(p), g.task(t), home, home);
                if (via[t] < 0 || l > in) {
                    in = l;
                    via[t] = p;
                }
            }
            length[t] = in + PlanGraph.cost(context, g.task(t), home);
            if (end < 0 || length[t] > length[end]) {
                end = t;
            }
        }
        for (int t = end; t >= 0; t = via[t]) {
            critical[t] = true;
        }
        return end < 0 ? 0 : length[end];
    }
}
