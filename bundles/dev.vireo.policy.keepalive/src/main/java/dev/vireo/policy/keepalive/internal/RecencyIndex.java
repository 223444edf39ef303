package dev.vireo.policy.keepalive.internal;

import dev.vireo.api.spi.keepalive.PooledContainer;
import dev.vireo.api.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Idle containers ordered by when they were last used, oldest first. Victims under memory pressure are the least
 * recently used; with a time to live, idle containers older than it expire. LRU is this index with no time to live.
 */
final class RecencyIndex extends OrderedIdleIndex {
    private final Clock clock;
    private final long ttlNanos;

    /** @param ttlNanos idle time after which a container expires; {@link Long#MAX_VALUE} for never */
    RecencyIndex(Clock clock, long ttlNanos) {
        this.clock = clock;
        this.ttlNanos = ttlNanos;
    }

    @Override
    double key(PooledContainer container) {
        return container.lastUsedNanos();
    }

    @Override
    public List<PooledContainer> expired() {
        if (ttlNanos == Long.MAX_VALUE) {
            return List.of();
        }
        long now = clock.nanoTime();
        List<PooledContainer> out = new ArrayList<>();
        for (Entry e : idle()) {
            if (now - e.container().lastUsedNanos() < ttlNanos) {
                break;
            }
            out.add(e.container());
        }
        return out;
    }
}
