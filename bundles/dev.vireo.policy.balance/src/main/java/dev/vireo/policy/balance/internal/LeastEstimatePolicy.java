package dev.vireo.policy.balance.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.balance.Balancer;
import dev.vireo.api.spi.balance.BalancerContext;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.balance.WorkerView;
import dev.vireo.api.worker.Estimate;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Component;

/**
 * Each invocation to the healthy worker whose own estimate of it ends soonest ({@link BalancerContext#estimate}: the
 * worker runs its queue, containers and free resources forward with its queue policy). A research policy: it asks
 * every healthy worker per invocation, a round trip each. Workers that give no estimate are left out; when none gives
 * one, the least loaded ((running + queued + in flight) / slots) takes it; ties go to the first by name.
 */
@Component
@PluginName("least-estimate")
@PluginDescription("each invocation to the healthy worker whose estimate of it (queue, cold start, execution) ends"
        + " soonest; asks every worker per invocation")
public final class LeastEstimatePolicy implements LoadBalancingPolicy {

    @Override
    public Balancer newBalancer(BalancerContext context) {
        return (tid, functionId, workers) -> {
            List<WorkerView> healthy = workers.stream().filter(WorkerView::healthy).toList();
            WorkerView best = null;
            long bestUs = Long.MAX_VALUE;
            for (WorkerView w : healthy) {
                Optional<Estimate> e = context.estimate(w.id(), functionId);
                if (e.isPresent() && e.get().e2eUs() < bestUs) {
                    best = w;
                    bestUs = e.get().e2eUs();
                }
            }
            if (best != null) {
                return Optional.of(best);
            }
            return healthy.stream().min(java.util.Comparator.comparingDouble(WorkerView::load));
        };
    }
}
