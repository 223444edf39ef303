package dev.vireo.kernel.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void aSupervisedTaskThatThrowsIsCountedAndBacksOffThenRunsAtItsPeriodAgain() throws Exception {
        SystemTime time = new SystemTime();
        try {
            java.util.List<Long> runs = new java.util.concurrent.CopyOnWriteArrayList<>();
            CountDownLatch five = new CountDownLatch(5);
            var task = time.scheduleAtFixedRate("test.flaky", () -> {
                runs.add(System.nanoTime());
                five.countDown();
                if (runs.size() <= 2) {
                    throw new IllegalStateException("boom " + runs.size());
                }
            }, Duration.ofMillis(40));
            assertTrue(five.await(10, TimeUnit.SECONDS), "it ran on after failing: " + runs.size());
            task.cancel();
            assertEquals(java.util.Map.of("test.flaky", 2L), time.failures());
            long afterFirst = runs.get(1) - runs.get(0);
            long afterSecond = runs.get(2) - runs.get(1);
            long afterSuccess = runs.get(4) - runs.get(3);
            assertTrue(afterFirst >= Duration.ofMillis(80).toNanos(), "backoff 2x the period: " + afterFirst);
            assertTrue(afterSecond >= Duration.ofMillis(160).toNanos(), "then 4x: " + afterSecond);
            assertTrue(afterSuccess >= Duration.ofMillis(40).toNanos() && afterSuccess < afterSecond,
                    "every period again once it succeeded: " + afterSuccess);
            int seen = runs.size();
            time.delay(Duration.ofMillis(200)).get(5, TimeUnit.SECONDS);
            assertEquals(seen, runs.size(), "cancelled: no run after");
            assertEquals(Duration.ofSeconds(60), SystemTime.backoff(Duration.ofSeconds(1), 10), "at most 60 s");
            assertEquals(Duration.ofMinutes(5), SystemTime.backoff(Duration.ofMinutes(5), 3), "or the period");
        } finally {
            time.close();
        }
    }
}
