package dev.vireo.resource.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NamespaceQuotaTrackerTest {
    static NamespaceQuotaTracker.Config config(String concurrency, String memoryMb) {
        return new NamespaceQuotaTracker.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NamespaceQuotaTracker.Config.class;
            }

            @Override
            public String concurrency() {
                return concurrency;
            }

            @Override
            public String memory_mb() {
                return memoryMb;
            }
        };
    }

    static ResourceRequest slot(String functionId) {
        return new ResourceRequest("t", functionId, Compute.CPU, 0, 0.5, 0, 1);
    }

    static ResourceRequest container(String functionId, int memoryMb) {
        return new ResourceRequest("t", functionId, Compute.CPU, memoryMb, 0, 0, 0);
    }

    @Test
    void eachNamespaceHasItsOwnQuotasAndOneNotListedHasNone() {
        NamespaceQuotaTracker t = new NamespaceQuotaTracker(config("team-a:2, team-b:1", "team-a:256"));
        assertTrue(t.perNamespace());
        ResourceGrant a1 = t.tryAcquire(slot("team-a:f-1")).orElseThrow();
        ResourceGrant a2 = t.tryAcquire(slot("team-a:g-1")).orElseThrow();
        assertTrue(t.tryAcquire(slot("team-a:f-1")).isEmpty(), "team-a runs 2 at most");
        ResourceGrant b1 = t.tryAcquire(slot("team-b:f-1")).orElseThrow();
        assertTrue(t.tryAcquire(slot("team-b:f-1")).isEmpty());
        for (int i = 0; i < 100; i++) {
            assertEquals(0, t.tryAcquire(slot("f-1")).orElseThrow().amount(), "the default namespace has no quota");
            assertEquals(0, t.tryAcquire(slot("team-c:f-1")).orElseThrow().amount());
        }
        t.release(a1);
        t.release(a1); // twice: once
        ResourceGrant a3 = t.tryAcquire(slot("team-a:f-1")).orElseThrow();
        assertTrue(t.tryAcquire(slot("team-a:f-1")).isEmpty(), "the double release freed one slot only");

        ResourceGrant m1 = t.tryAcquire(container("team-a:f-1", 200)).orElseThrow();
        assertTrue(t.tryAcquire(container("team-a:g-1", 100)).isEmpty(), "256 MB of team-a's containers");
        assertEquals(0, t.tryAcquire(container("team-b:f-1", 4096)).orElseThrow().amount(), "team-b has no memory quota");
        assertEquals(Optional.of("needs 512 MB but namespace team-a's memory quota is 256 MB (memory.mb of"
                + " vireo.resource.namespaces)"), t.impossible(container("team-a:big-1", 512)));
        assertEquals(Optional.empty(), t.impossible(container("team-b:big-1", 512)));
        var usage = t.usage();
        assertEquals(2, usage.capacity(), "two namespaces have quotas");
        assertEquals(2, usage.used(), "both are at one");
        assertEquals(2.0, usage.detail().get("team-a.running"));
        assertEquals(200.0, usage.detail().get("team-a.memory_mb"));
        assertEquals(256.0, usage.detail().get("team-a.memory_mb_quota"));
        List.of(a2, a3, b1, m1).forEach(t::release);
        assertEquals(0, t.usage().used());

        t.modified(config("team-a:5", ""));
        for (int i = 0; i < 5; i++) {
            t.tryAcquire(slot("team-a:f-1")).orElseThrow();
        }
        assertTrue(t.tryAcquire(slot("team-a:f-1")).isEmpty(), "a quota changed at runtime applies at once");
        assertEquals(0, t.tryAcquire(container("team-a:f-1", 4096)).orElseThrow().amount());
    }

    @Test
    void aBadQuotaNamesItsKey() {
        for (String[] bad : List.of(new String[] {"team-a", ""}, new String[] {"team-a:0", ""},
                new String[] {"Team:2", ""}, new String[] {"a:1, a:2", ""}, new String[] {"", "team-a:8"})) {
            ValidationException e = assertThrows(ValidationException.class,
                    () -> new NamespaceQuotaTracker(config(bad[0], bad[1])), String.join("|", bad));
            assertEquals(bad[0].isEmpty() ? "memory.mb" : "concurrency", e.field());
        }
    }

    @Test
    void sixteenThreadsNeverRunMoreThanTheQuota() throws Exception {
        NamespaceQuotaTracker t = new NamespaceQuotaTracker(config("team-a:3", ""));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int n = 0; n < 2_000; n++) {
                    Optional<ResourceGrant> g = t.tryAcquire(slot("team-a:f-1"));
                    if (g.isPresent()) {
                        peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                        running.decrementAndGet();
                        t.release(g.get());
                    }
                }
            }));
        }
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(peak.get() <= 3, "peak " + peak.get());
        assertEquals(0, t.usage().detail().get("team-a.running"));
    }
}
