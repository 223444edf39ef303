package dev.vireo.policy.queue.internal;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import org.osgi.service.component.annotations.Component;

/**
 * Shortest job first: the invocation whose function has the smallest expected execution time runs next. The
 * expectation is the function's execution-time average from history, else its declared warm time, else zero (unknown
 * functions go first so that they acquire history).
 */
@Component
@PluginName("sjf")
@PluginDescription("shortest expected execution time first (from history)")
public final class SjfQueuePolicy implements QueuePolicy {

    @Override
    public InvocationQueue newQueue(QueueContext context) {
        return new PriorityInvocationQueue(q -> expectedUs(context, q));
    }

    static long expectedUs(QueueContext context, QueuedInvocation q) {
        FunctionStats stats = context.stats(q.function().id());
        if (stats.executionUs() > 0) {
            return (long) stats.executionUs();
        }
        return q.function().expected().warmMs() * 1_000L;
    }
}
