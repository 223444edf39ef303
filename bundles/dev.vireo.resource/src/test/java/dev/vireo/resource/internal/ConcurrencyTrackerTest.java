package dev.vireo.resource.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConcurrencyTrackerTest {

    static ConcurrencyTracker tracker(int limit) {
        return new ConcurrencyTracker(new ConcurrencyTracker.Config() {
            @Override
            public int limit() {
                return limit;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return ConcurrencyTracker.Config.class;
            }
        });
    }

    static ResourceRequest slot(String tid) {
        return new ResourceRequest(tid, "f-1", Compute.CPU, 0, 1, 0, 1);
    }

    @Test
    void limitIsNeverExceededUnderContention() throws Exception {
        int limit = 3;
        ConcurrencyTracker tracker = tracker(limit);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger granted = new AtomicInteger();
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    Optional<ResourceGrant> g = tracker.tryAcquire(slot("t" + id + "-" + i));
                    if (g.isPresent()) {
                        int now = inside.incrementAndGet();
                        maxInside.accumulateAndGet(now, Math::max);
                        granted.incrementAndGet();
                        inside.decrementAndGet();
                        tracker.release(g.get());
                        tracker.release(g.get()); // twice: must not free a second slot
                    }
                }
            }));
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        assertTrue(maxInside.get() <= limit, "observed " + maxInside.get() + " inside a limit of " + limit);
        assertTrue(granted.get() > 0);
        assertEquals(0, tracker.usage().used());
        assertTrue(tracker.usage().detail().get("peak") <= limit);
    }

    @Test
    void equalLookingGrantsAreTwoGrants() {
        ConcurrencyTracker tracker = tracker(2);
        ResourceGrant a = tracker.tryAcquire(slot("same")).orElseThrow();
        ResourceGrant b = tracker.tryAcquire(slot("same")).orElseThrow();
        assertEquals(a, b);
        assertTrue(tracker.tryAcquire(slot("x")).isEmpty());
        tracker.release(a);
        tracker.release(a);
        assertEquals(1, tracker.usage().used());
        tracker.release(b);
        assertEquals(0, tracker.usage().used());
    }

    @Test
    void requestsThatCanNeverFitAreNamed() {
        MemoryTracker memory = new MemoryTracker(new MemoryTracker.Config() {
            @Override
            public long memory_mb() {
                return 1024;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return MemoryTracker.Config.class;
            }
        });
        var big = new ResourceRequest("t", "f-1", Compute.CPU, 2048, 0, 0, 0);
        assertEquals(Optional.of("needs 2048 MB of memory but the worker has 1024 MB in all"), memory.impossible(big));
        assertTrue(memory.impossible(new ResourceRequest("t", "f-1", Compute.CPU, 512, 0, 0, 0)).isEmpty());
        assertTrue(memory.tryAcquire(big).isEmpty());
    }
}
