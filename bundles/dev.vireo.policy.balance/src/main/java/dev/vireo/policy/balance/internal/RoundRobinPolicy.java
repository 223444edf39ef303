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

/** Round robin over the healthy workers, whatever the function. */
@Component
@PluginName("round-robin")
@PluginDescription("each invocation to the next healthy worker in turn")
public final class RoundRobinPolicy implements LoadBalancingPolicy {

    @Override
    public Balancer newBalancer(BalancerContext context) {
        AtomicLong next = new AtomicLong();
        return (tid, functionId, workers) -> {
            List<WorkerView> healthy = workers.stream().filter(WorkerView::healthy).toList();
            if (healthy.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(healthy.get((int) Math.floorMod(next.getAndIncrement(), (long) healthy.size())));
        };
    }
}
