package dev.vireo.policy.balance.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.balance.Balancer;
import dev.vireo.api.spi.balance.BalancerContext;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.balance.WorkerView;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Component;

/**
 * Each invocation to the healthy worker with the least load now ((running + queued + in flight) / slots, from the
 * live worker views the controller passes per request, not a periodic snapshot). Ties go round the tied workers in
 * turn, so equal workers share a burst instead of one taking it all.
 */
@Component
@PluginName("least-loaded")
@PluginDescription("each invocation to the healthy worker with the lowest (running + queued + in flight) / slots")
public final class LeastLoadedPolicy implements LoadBalancingPolicy {

    @Override
    public Balancer newBalancer(BalancerContext context) {
        AtomicLong turn = new AtomicLong();
        return (tid, functionId, workers) -> {
            List<WorkerView> healthy = workers.stream().filter(WorkerView::healthy).toList();
            if (healthy.isEmpty()) {
                return Optional.empty();
            }
            double min = healthy.stream().mapToDouble(WorkerView::load).min().orElseThrow();
            List<WorkerView> least = healthy.stream().filter(w -> w.load() <= min + 1e-9).toList();
            return Optional.of(least.get((int) Math.floorMod(turn.getAndIncrement(), (long) least.size())));
        };
    }
}
