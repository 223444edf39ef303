package dev.vireo.dag.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * WUKONG-style (SoCC'20) task clustering, with no profile: it reads only workers() and home(), never a prediction
 * (steps predict nothing: start and finish -1, makespan 0). In a topological order each task is:
 * <ul>
 * <li>a source: the first on home(), the others dealt round robin over workers(), each its own group;</li>
 * <li>the only successor of a task that is its only predecessor (a chain): in that task's group (fused);</li>
 * <li>a child of a fan-out (one predecessor with several successors): the first child stays with its parent, in
 * its group (the parent's executor continues with it), the others are dealt round robin, each a new group;</li>
 * <li>a fan-in (several predecessors): on the worker holding the most of its inputs, ties to the worker of its
 * first predecessor among them, in the group of its first predecessor there (delayed I/O: the inputs already there
 * are not moved, one of them is passed in memory).</li>
 * </ul>
 * Dealing is one rotation over workers() for the whole run, starting at the second worker (home already holds the
 * first source). Priority is the height, as in {@link LocalPlanner}. No prewarm.
 */
@Component
@PluginName("wukong")
@PluginDescription("WUKONG task clustering without profiles: fan-outs dealt round robin, chains fused, fan-ins where"
        + " most inputs are; pick it for wide graphs when nothing is known of the functions")
public final class WukongPlanner implements DagPlanner {
    @Override
    public DagPlan plan(DagSpec dag, PlanningContext context) {
        PlanGraph g = PlanGraph.of(dag);
        List<String> workers = context.workers();
        String[] worker = new String[g.n];
        String[] group = new String[g.n];
        int dealt = 0;
        boolean homed = false;
        for (int t : g.order) {
            int[] preds = g.preds[t];
            if (preds.length == 0) {
                worker[t] = homed ? workers.get(++dealt % workers.size()) : context.home();
                homed = true;
                group[t] = g.task(t).id();
            } else if (preds.length == 1) {
                int p = preds[0];
                if (g.succs[p][0] == t) {
                    // a chain, or the first child of a fan-out: continues on its parent's executor
                    worker[t] = worker[p];
                    group[t] = group[p];
                } else {
                    worker[t] = workers.get(++dealt % workers.size());
                    group[t] = g.task(t).id();
                }
            } else {
                Map<String, Integer> held = new HashMap<>();
                int most = 0;
                for (int p : preds) {
                    most = Math.max(most, held.merge(worker[p], 1, Integer::sum));
                }
                for (int p : preds) {
                    if (held.get(worker[p]) == most) {
                        worker[t] = worker[p];
                        group[t] = group[p];
                        break;
                    }
                }
            }
        }
        return g.plan(worker, group, null, g.heights(), null);
    }
}
