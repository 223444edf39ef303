package dev.vireo.policy.queue.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuePolicy;
import org.osgi.service.component.annotations.Component;

/**
 * Cold invocations first: an invocation that found no idle warm container at admission will pay a cold start, so it
 * starts first and its container creation overlaps the warm invocations behind it. Ties in arrival order.
 */
@Component
@PluginName("cold-priority")
@PluginDescription("invocations that need a cold start go first, then arrival order")
public final class ColdPriorityQueuePolicy implements QueuePolicy {

    @Override
    public InvocationQueue newQueue(QueueContext context) {
        return new PriorityInvocationQueue(q -> q.warmAvailable() ? 1 : 0);
    }
}
