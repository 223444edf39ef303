package dev.vireo.policy.queue.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.osgi.service.component.annotations.Component;

/**
 * Fair queueing across functions (start-time fair queueing, one flow per function): each invocation gets a start tag
 * {@code max(virtual time, finish tag of the flow's previous invocation)} and a finish tag {@code start + cost}, the
 * cost being its expected execution time. The head with the smallest start tag runs next and the virtual time moves
 * to it, so a function with a burst cannot starve the others, and each gets service in proportion, whatever its
 * arrival rate.
 */
@Component
@PluginName("mqfq")
@PluginDescription("fair queueing across functions (start-time fair queueing)")
public final class MqfqQueuePolicy implements QueuePolicy {

    @Override
    public InvocationQueue newQueue(QueueContext context) {
        return new Fair(context);
    }

    private static final class Fair implements InvocationQueue {
        private record Tagged(QueuedInvocation invocation, double start, double finish) {
        }

        private final class Flow {
            final ArrayDeque<Tagged> items = new ArrayDeque<>();
            double lastFinish;
        }

        private final QueueContext context;
        private final Map<String, Flow> flows = new HashMap<>();
        private final PriorityQueue<Flow> heads = new PriorityQueue<>(Comparator
                .comparingDouble((Flow f) -> f.items.peekFirst().start())
                .thenComparingLong(f -> f.items.peekFirst().invocation().sequence()));
        private double virtualTime;
        private int size;

        Fair(QueueContext context) {
            this.context = context;
        }

        @Override
        public void offer(QueuedInvocation invocation) {
            Flow flow = flows.computeIfAbsent(invocation.function().id(), k -> new Flow());
            double cost = Math.max(1, SjfQueuePolicy.expectedUs(context, invocation));
            double start = Math.max(virtualTime, flow.lastFinish);
            Tagged t = new Tagged(invocation, start, start + cost);
            flow.lastFinish = t.finish();
            boolean wasEmpty = flow.items.isEmpty();
            flow.items.addLast(t);
            if (wasEmpty) {
                heads.add(flow);
            }
            size++;
        }

        @Override
        public QueuedInvocation poll() {
            Flow flow = heads.poll();
            if (flow == null) {
                return null;
            }
            Tagged t = flow.items.pollFirst();
            virtualTime = Math.max(virtualTime, t.start());
            if (!flow.items.isEmpty()) {
                heads.add(flow);
            }
            size--;
            return t.invocation();
        }

        @Override
        public QueuedInvocation peek() {
            Flow flow = heads.peek();
            return flow == null ? null : flow.items.peekFirst().invocation();
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public List<QueuedInvocation> drain() {
            List<QueuedInvocation> all = new ArrayList<>(size);
            for (Flow f : flows.values()) {
                f.items.forEach(t -> all.add(t.invocation()));
            }
            flows.clear();
            heads.clear();
            size = 0;
            all.sort(Comparator.comparingLong(QueuedInvocation::sequence));
            return all;
        }
    }
}
