package dev.vireo.policy.queue.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** First come, first served: invocations leave in admission order. */
@Component
@PluginName("fcfs")
@PluginDescription("first come, first served")
public final class FcfsQueuePolicy implements QueuePolicy {

    @Override
    public InvocationQueue newQueue(QueueContext context) {
        return new Fifo();
    }

    static final class Fifo implements InvocationQueue {
        private final ArrayDeque<QueuedInvocation> items = new ArrayDeque<>();

        @Override
        public void offer(QueuedInvocation invocation) {
            items.addLast(invocation);
        }

        @Override
        public QueuedInvocation poll() {
            return items.pollFirst();
        }

        @Override
        public QueuedInvocation peek() {
            return items.peekFirst();
        }

        @Override
        public int size() {
            return items.size();
        }

        @Override
        public List<QueuedInvocation> drain() {
            List<QueuedInvocation> all = new ArrayList<>(items);
            items.clear();
            return all;
        }
    }
}
