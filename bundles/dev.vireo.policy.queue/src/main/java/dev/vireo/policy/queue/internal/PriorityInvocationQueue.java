package dev.vireo.policy.queue.internal;

import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueuedInvocation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.ToLongFunction;

/**
 * A queue ordered by a key computed once at admission (smaller first), ties broken by admission order. The base of
 * every priority policy (sjf; later edf, cold-priority).
 */
final class PriorityInvocationQueue implements InvocationQueue {
    private record Entry(long key, QueuedInvocation invocation) {
    }

    private final ToLongFunction<QueuedInvocation> key;
    private final PriorityQueue<Entry> heap = new PriorityQueue<>(
            Comparator.comparingLong(Entry::key).thenComparingLong(e -> e.invocation().sequence()));

    PriorityInvocationQueue(ToLongFunction<QueuedInvocation> key) {
        this.key = key;
    }

    @Override
    public void offer(QueuedInvocation invocation) {
        heap.add(new Entry(key.applyAsLong(invocation), invocation));
    }

    @Override
    public QueuedInvocation poll() {
        Entry e = heap.poll();
        return e == null ? null : e.invocation();
    }

    @Override
    public QueuedInvocation peek() {
        Entry e = heap.peek();
        return e == null ? null : e.invocation();
    }

    @Override
    public int size() {
        return heap.size();
    }

    @Override
    public List<QueuedInvocation> drain() {
        List<QueuedInvocation> all = new ArrayList<>(heap.size());
        for (Entry e : heap) {
            all.add(e.invocation());
        }
        heap.clear();
        all.sort(Comparator.comparingLong(QueuedInvocation::sequence));
        return all;
    }
}
