package dev.vireo.policy.queue.lifo.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * Last in, first out: the newest invocation runs next. Under overload it keeps the latency of fresh requests low
 * at the cost of old ones (a classic baseline in queueing studies). Shipped outside the default distro: drop the jar
 * into {@code deploy/} and run {@code vireo:use queue lifo}.
 */
@Component
@PluginName("lifo")
@PluginDescription("last in, first out (hot-deployed extra)")
public final class LifoQueuePolicy implements QueuePolicy {

    @Override
    public InvocationQueue newQueue(QueueContext context) {
        return new Stack();
    }

    static final class Stack implements InvocationQueue {
        private final ArrayDeque<QueuedInvocation> items = new ArrayDeque<>();

        @Override
        public void offer(QueuedInvocation invocation) {
            items.push(invocation);
        }

        @Override
        public QueuedInvocation poll() {
            return items.poll();
        }

        @Override
        public QueuedInvocation peek() {
            return items.peek();
        }

        @Override
        public int size() {
            return items.size();
        }

        @Override
        public List<QueuedInvocation> drain() {
            List<QueuedInvocation> all = new ArrayList<>(items);
            items.clear();
            all.sort(Comparator.comparingLong(QueuedInvocation::sequence));
            return all;
        }
    }
}
