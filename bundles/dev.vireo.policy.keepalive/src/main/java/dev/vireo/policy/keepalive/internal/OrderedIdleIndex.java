package dev.vireo.policy.keepalive.internal;

import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.PooledContainer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The idle containers of the pool ordered by a key computed when a container becomes idle, lowest first: the
 * lowest-keyed idle containers are the victims under memory pressure. Busy containers are not in the order.
 * Subclasses say what the key is (recency, Greedy-Dual priority) and what expires.
 */
abstract class OrderedIdleIndex implements KeepAliveIndex {
    /** An idle container and the key it was ordered by. */
    record Entry(PooledContainer container, double key) {
    }

    private final Map<String, Entry> byId = new HashMap<>();
    private final TreeSet<Entry> idle = new TreeSet<>(Comparator.comparingDouble(Entry::key)
            .thenComparing(e -> e.container().id()));

    /** The key of a container that just became idle. */
    abstract double key(PooledContainer container);

    /** Called when an idle container leaves the pool (evicted, expired, destroyed). */
    void leftWhileIdle(Entry entry) {
    }

    @Override
    public final void added(PooledContainer container) {
        track(container);
    }

    @Override
    public final void used(PooledContainer container) {
        untrack(container.id());
    }

    @Override
    public final void released(PooledContainer container) {
        track(container);
    }

    @Override
    public final void removed(PooledContainer container) {
        Entry e = untrack(container.id());
        if (e != null) {
            leftWhileIdle(e);
        }
    }

    private void track(PooledContainer c) {
        untrack(c.id());
        if (c.idle()) {
            Entry e = new Entry(c, key(c));
            byId.put(c.id(), e);
            idle.add(e);
        }
    }

    private Entry untrack(String id) {
        Entry e = byId.remove(id);
        if (e != null) {
            idle.remove(e);
        }
        return e;
    }

    @Override
    public final List<PooledContainer> victims(long memoryMb) {
        List<PooledContainer> out = new ArrayList<>();
        long freed = 0;
        for (Entry e : idle) {
            if (freed >= memoryMb) {
                break;
            }
            out.add(e.container());
            freed += e.container().memoryMb();
        }
        return out;
    }

    @Override
    public List<PooledContainer> expired() {
        return List.of();
    }

    /** Idle containers, lowest key first. */
    final Iterable<Entry> idle() {
        return idle;
    }
}
