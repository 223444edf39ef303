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
import org.osgi.service.component.annotations.Component;

/**
 * The default planner: every task runs where its inputs are (the worker that finished the last of them continues
 * the graph), no fusion, no prewarming. Priority is the task's height (the longest path to a sink), so among ready
 * tasks those with the most work behind them start first. Its estimate is that height times the mean warm time of
 * the functions it knows, 0 if it knows none.
 */
@Component
@PluginName("local")
@PluginDescription("run each task where its inputs are; longest remaining path first")
public final class LocalPlanner implements DagPlanner {
    @Override
    public DagPlan plan(DagSpec dag, PlanningContext context) {
        Map<String, List<String>> next = new HashMap<>();
        for (DagSpec.Edge e : dag.edges()) {
            next.computeIfAbsent(e.from(), k -> new ArrayList<>()).add(e.to());
        }
        Map<String, Integer> height = new HashMap<>();
        // heights from the sinks back: a task's successors come after it in a topological order
        List<String> order = topological(dag, next);
        for (int i = order.size() - 1; i >= 0; i--) {
            String t = order.get(i);
            int h = 0;
            for (String n : next.getOrDefault(t, List.of())) {
                h = Math.max(h, height.get(n) + 1);
            }
            height.put(t, h);
        }
        List<DagPlan.Step> steps = new ArrayList<>();
        long warm = 0;
        int known = 0;
        for (DagSpec.Task t : dag.tasks()) {
            var stats = context.stats(t.functionId());
            if (stats != null && stats.invocations() > 0) {
                warm += (long) stats.warmUs();
                known++;
            }
        }
        for (String t : order) {
            steps.add(new DagPlan.Step(t, "", "", false, height.get(t)));
        }
        int longest = height.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        return new DagPlan(dag.name(), steps, known == 0 ? 0 : longest * (warm / known));
    }

    private static List<String> topological(DagSpec dag, Map<String, List<String>> next) {
        Map<String, Integer> indegree = new HashMap<>();
        dag.tasks().forEach(t -> indegree.put(t.id(), 0));
        dag.edges().forEach(e -> indegree.merge(e.to(), 1, Integer::sum));
        java.util.ArrayDeque<String> ready = new java.util.ArrayDeque<>();
        dag.tasks().forEach(t -> {
            if (indegree.get(t.id()) == 0) {
                ready.add(t.id());
            }
        });
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String t = ready.poll();
            order.add(t);
            for (String n : next.getOrDefault(t, List.of())) {
                if (indegree.merge(n, -1, Integer::sum) == 0) {
                    ready.add(n);
                }
            }
        }
        return order;
    }
}
