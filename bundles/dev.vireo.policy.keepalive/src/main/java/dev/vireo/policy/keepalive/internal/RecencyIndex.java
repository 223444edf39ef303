package dev.vireo.policy.keepalive.internal;

import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.PooledContainer;
import dev.vireo.api.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Idle containers ordered by when they were last used, oldest first. Victims under memory pressure are the least
 * recently used; with a time to live, idle containers older than it expire. LRU is this index with no time to live.
 */
final class RecencyIndex implements KeepAliveIndex {
    private static final Comparator<PooledContainer> OLDEST_FIRST = Comparator
            .comparingLong(PooledContainer::lastUsedNanos).thenComparing(PooledContainer::id);

    private final Clock clock;
    private final long ttlNanos;
    private final Map<String, PooledContainer> byId = new HashMap<>();
    private final TreeSet<PooledContainer> idle = new TreeSet<>(OLDEST_FIRST);

    /** @param ttlNanos idle time after which a container expires; {@link Long#MAX_VALUE} for never */
    RecencyIndex(Clock clock, long ttlNanos) {
        this.clock = clock;
        this.ttlNanos = ttlNanos;
    }

    @Override
    public void added(PooledContainer container) {
        track(container);
    }

    @Override
    public void used(PooledContainer container) {
        untrack(container.id());
    }

    @Override
    public void released(PooledContainer container) {
        track(container);
    }

    @Override
    public void removed(PooledContainer container) {
        untrack(container.id());
    }

    private void track(PooledContainer container) {
        untrack(container.id());
        if (container.idle()) {
            byId.put(container.id(), container);
            idle.add(container);
        }
    }

    private void untrack(String id) {
        PooledContainer old = byId.remove(id);
        if (old != null) {
            idle.remove(old);
        }
    }

    @Override
    public List<PooledContainer> victims(long memoryMb) {
        List<PooledContainer> out = new ArrayList<>();
        long freed = 0;
        for (PooledContainer c : idle) {
            if (freed >= memoryMb) {
                break;
            }
            out.add(c);
            freed += c.memoryMb();
        }
        return out;
    }

    @Override
    public List<PooledContainer> expired() {
        if (ttlNanos == Long.MAX_VALUE) {
            return List.of();
        }
        long now = clock.nanoTime();
        List<PooledContainer> out = new ArrayList<>();
        for (PooledContainer c : idle) {
            if (now - c.lastUsedNanos() < ttlNanos) {
                break;
            }
            out.add(c);
        }
        return out;
    }

    int idleCount() {
        return idle.size();
    }
}
