package dev.vireo.policy.keepalive.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.keepalive.KeepAliveContext;
import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.keepalive.PooledContainer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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

    static final class Index implements KeepAliveIndex {
        private record Entry(PooledContainer container, double priority) {
        }

        private final Map<String, Entry> byId = new HashMap<>();
        private final TreeSet<Entry> idle = new TreeSet<>(Comparator.comparingDouble(Entry::priority)
                .thenComparing(e -> e.container().id()));
        private double clock;

        double priority(PooledContainer c) {
            double cost = Math.max(1, c.coldStartUs());
            return clock + Math.max(1, c.uses()) * cost / Math.max(1, c.memoryMb());
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
            Entry e = untrack(container.id());
            if (e != null) {
                clock = Math.max(clock, e.priority());
            }
        }

        private void track(PooledContainer c) {
            untrack(c.id());
            if (c.idle()) {
                Entry e = new Entry(c, priority(c));
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
        public List<PooledContainer> victims(long memoryMb) {
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

        double clock() {
            return clock;
        }
    }
}
