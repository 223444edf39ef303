package dev.vireo.dag.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import org.osgi.service.component.annotations.Component;

/**
 * The default planner: every task runs where its inputs are (the worker that finished the last of them continues
 * the graph), no fusion, no prewarming. Priority is the task's height (the longest path to a sink), so among ready
 * tasks those with the most work behind them start first. Its prediction is the list schedule of the runtime's own
 * placement ({@link PlanGraph#evaluateSpilling}: home, and a peer for a task worth a hop when the home has no free
 * slot; their slots, the predicted costs); none (start and finish -1, makespan 0) when no task's function is known.
 */
@Component
@PluginName("local")
@PluginDescription("run each task where its inputs are, longest remaining path first; the default, and the pick for"
        + " one worker or when nothing is known of the functions")
public final class LocalPlanner implements DagPlanner {
    @Override
    public DagPlan plan(DagSpec dag, PlanningContext context) {
        PlanGraph g = PlanGraph.of(dag);
        int[] priority = g.heights();
        boolean known = dag.tasks().stream().anyMatch(t -> context.predict(t.functionId()).known());
        if (!known) {
            return g.plan(null, null, null, priority, null);
        }
        // as the runtime places them: at home, spilling tasks worth a hop onto a peer when the home has no free slot
        return g.plan(null, null, null, priority, g.evaluateSpilling(context, context.home(), priority,
                Overflow.WORTH_US));
    }
}
