package dev.vireo.policy.keepalive.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.spi.keepalive.KeepAliveContext;
import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.PooledContainer;
import dev.vireo.api.time.Clock;
import java.lang.annotation.Annotation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeepAlivePoliciesTest {
    private long now;

    private final KeepAliveContext context = new KeepAliveContext() {
        @Override
        public Clock clock() {
            return new Clock() {
                @Override
                public long nanoTime() {
                    return now;
                }

                @Override
                public Instant now() {
                    return Instant.EPOCH.plusNanos(now);
                }
            };
        }

        @Override
        public FunctionStats stats(String functionId) {
            return FunctionStats.EMPTY;
        }
    };

    private static PooledContainer c(String id, int mb, boolean idle, long lastUsed) {
        return container(id, mb, idle, lastUsed, 1, 100_000);
    }

    private static PooledContainer gd(String id, int mb, boolean idle, long uses, long coldUs) {
        return container(id, mb, idle, 0, uses, coldUs);
    }

    private static PooledContainer container(String id, int mb, boolean idle, long lastUsed, long uses, long coldUs) {
        var h = new ContainerHandle(id, "f-1", "sim", new AgentEndpoint("uds", "/x", Map.of()), mb, Map.of());
        return new PooledContainer(h, idle, 0, lastUsed, uses, coldUs);
    }

    @Test
    void greedyDualKeepsCostlyFrequentSmallContainersAndAgesTheRest() {
        var index = (GreedyDualKeepAlivePolicy.Index) new GreedyDualKeepAlivePolicy().newIndex(context);
        index.added(gd("cheap", 128, true, 1, 10_000));      // priority 10000/128 = 78
        index.added(gd("costly", 128, true, 1, 500_000));    // 3906
        index.added(gd("frequent", 128, true, 20, 10_000));  // 1562
        index.added(gd("big", 1024, true, 1, 500_000));      // 488
        assertEquals(List.of("cheap", "big", "frequent", "costly"), ids(index.victims(10_000)));
        index.removed(gd("cheap", 128, true, 1, 10_000));    // evicted: the clock rises to its priority
        assertEquals(10_000.0 / 128, index.clock(), 1e-9);
        index.added(gd("new", 128, true, 1, 10_000));        // 78 + 78: still below the others
        assertEquals(List.of("new", "big"), ids(index.victims(1_100)));
        index.used(gd("big", 1024, false, 2, 500_000));
        assertEquals(List.of("new", "frequent", "costly"), ids(index.victims(10_000)));
    }

    private static List<String> ids(List<PooledContainer> cs) {
        return cs.stream().map(PooledContainer::id).toList();
    }

    @Test
    void lruEvictsLeastRecentlyUsedIdleContainersUntilEnoughMemory() {
        KeepAliveIndex index = new LruKeepAlivePolicy().newIndex(context);
        index.added(c("a", 128, true, 10));
        index.added(c("b", 256, true, 5));
        index.added(c("c", 128, false, 1)); // busy: never a victim
        index.added(c("d", 128, true, 20));
        assertEquals(List.of("b"), ids(index.victims(200)));
        assertEquals(List.of("b", "a"), ids(index.victims(300)));
        index.used(c("b", 256, false, 30));
        assertEquals(List.of("a", "d"), ids(index.victims(10_000)));
        index.released(c("b", 256, true, 40));
        assertEquals(List.of("a", "d", "b"), ids(index.victims(10_000)));
        index.removed(c("a", 128, true, 10));
        assertEquals(List.of("d"), ids(index.victims(1)));
        assertEquals(List.of(), index.expired());
    }

    @Test
    void ttlExpiresIdleContainersAfterTheirTimeToLive() {
        TtlKeepAlivePolicy policy = new TtlKeepAlivePolicy(config(1_000));
        KeepAliveIndex index = policy.newIndex(context);
        long ms = 1_000_000;
        index.added(c("a", 128, true, 0));
        index.added(c("b", 128, true, 500 * ms));
        now = 999 * ms;
        assertEquals(List.of(), index.expired());
        now = 1_000 * ms;
        assertEquals(List.of("a"), ids(index.expired()));
        now = 1_600 * ms;
        assertEquals(List.of("a", "b"), ids(index.expired()));
    }

    @Test
    void ttlRejectsOutOfRangeConfiguration() {
        var e = assertThrows(IllegalArgumentException.class, () -> new TtlKeepAlivePolicy(config(5)));
        assertEquals("ttl.ms 5 is out of range [1000, 86400000] ms", e.getMessage());
    }

    static TtlKeepAlivePolicy.Config config(long ms) {
        return new TtlKeepAlivePolicy.Config() {
            @Override
            public long ttl_ms() {
                return ms;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return TtlKeepAlivePolicy.Config.class;
            }
        };
    }
}
