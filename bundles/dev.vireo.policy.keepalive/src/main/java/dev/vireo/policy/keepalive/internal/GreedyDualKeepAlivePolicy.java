package dev.vireo.policy.keepalive.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.keepalive.KeepAliveContext;
import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.keepalive.PooledContainer;
import org.osgi.service.component.annotations.Component;

/**
 * Greedy-Dual-Size-Frequency keep-alive (FaasCache, ASPLOS'21): an idle container's priority is
 * {@code clock + frequency x cost / size}, with cost its cold-start time, size its memory and frequency the
 * invocations it served. Under memory pressure the lowest priority goes first and the clock rises to the evicted
 * priority, so containers that have not been used for a while age out relative to new ones. Nothing expires by time.
 */
@Component
@PluginName("greedy-dual")
@PluginDescription("Greedy-Dual-Size-Frequency: keep what is costly to restart, often used and small")
public final class GreedyDualKeepAlivePolicy implements KeepAlivePolicy {

    @Override
    public KeepAliveIndex newIndex(KeepAliveContext context) {
        return new Index();
    }

    static final class Index extends OrderedIdleIndex {
        private double clock;

        @Override
        double key(PooledContainer c) {
            double cost = Math.max(1, c.coldStartUs());
            return clock + Math.max(1, c.uses()) * cost / Math.max(1, c.memoryMb());
        }

        /** The clock rises to the priority of each container that leaves while idle (an eviction). */
        @Override
        void leftWhileIdle(Entry entry) {
            clock = Math.max(clock, entry.key());
        }

        double clock() {
            return clock;
        }
    }
}
