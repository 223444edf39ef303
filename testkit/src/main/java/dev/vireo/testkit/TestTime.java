package dev.vireo.testkit;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Real threads and the real clock: enough for unit tests (the build check covers main code only). */
public final class TestTime implements Clock, TaskScheduler, AutoCloseable {
    private final ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        var f = pool.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return handle(f);
    }

    @Override
    public Cancellable scheduleAtFixedRate(Runnable task, Duration period) {
        return handle(pool.scheduleAtFixedRate(task, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS));
    }

    private static Cancellable handle(java.util.concurrent.Future<?> f) {
        return new Cancellable() {
            @Override
            public boolean cancel() {
                return f.cancel(false);
            }

            @Override
            public boolean isDone() {
                return f.isDone();
            }
        };
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
