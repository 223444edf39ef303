package dev.vireo.kernel.time;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SystemTimeTest {

    @Test
    void tasksRunOnVirtualThreadsAndBlockingOnesOnPlatformThreads() throws Exception {
        SystemTime time = new SystemTime();
        try {
            java.util.concurrent.CompletableFuture<Boolean> task = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Boolean> blocking = new java.util.concurrent.CompletableFuture<>();
            time.execute(() -> task.complete(Thread.currentThread().isVirtual()));
            time.executeBlocking(() -> blocking.complete(Thread.currentThread().isVirtual()));
            assertTrue(task.get(5, TimeUnit.SECONDS));
            assertFalse(blocking.get(5, TimeUnit.SECONDS));
        } finally {
            time.close();
        }
    }

    @Test
    void scheduledTaskRunsNoEarlierThanItsDelay() throws Exception {
        SystemTime time = new SystemTime();
        try {
            long start = time.nanoTime();
            var done = time.delay(Duration.ofMillis(30)).thenApply(v -> time.nanoTime() - start);
            assertTrue(done.get(5, TimeUnit.SECONDS) >= Duration.ofMillis(30).toNanos());
        } finally {
            time.close();
        }
    }

    @Test
    void cancelledTaskNeverRunsAndFailingTaskDoesNotStopPeriodicOnes() throws Exception {
        SystemTime time = new SystemTime();
        try {
            AtomicInteger ran = new AtomicInteger();
            var c = time.schedule(ran::incrementAndGet, Duration.ofMillis(200));
            assertTrue(c.cancel());
            CountDownLatch three = new CountDownLatch(3);
            var periodic = time.scheduleAtFixedRate(() -> {
                three.countDown();
                throw new IllegalStateException("boom");
            }, Duration.ofMillis(5));
            assertTrue(three.await(5, TimeUnit.SECONDS));
            periodic.cancel();
            time.delay(Duration.ofMillis(300)).get(5, TimeUnit.SECONDS);
            assertFalse(ran.get() > 0);
        } finally {
            time.close();
        }
    }
}
