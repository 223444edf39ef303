package dev.vireo.api.time;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Runs work now or later on the project's executor. Live, tasks run on virtual threads and timers on one timer thread;
 * in simulation, on the virtual clock's event loop.
 *
 * <p>Threading: every method is safe to call from any thread and returns at once. Tasks must not block on the real
 * clock; they may block on I/O (live only). A task that throws is logged and does not affect other tasks.
 */
@ProviderType
public interface TaskScheduler extends Executor {

    /** Runs the task as soon as possible. */
    @Override
    void execute(Runnable task);

    /**
     * Runs a task that spends its time blocked in a socket or pipe read, as soon as possible: live, on a platform
     * thread of a pool kept for such waits (a virtual thread's blocking socket read parks it and is woken through the
     * JDK's poller thread: one more hand-off per read, 10-20 us on the agent exchange, docs/performance.md); in
     * simulation, as {@link #execute}. The default is {@link #execute}.
     *
     * @since 1.1
     */
    default void executeBlocking(Runnable task) {
        execute(task);
    }

    /** Runs the task once after the delay (measured on {@link Clock}). A zero or negative delay runs it at once. */
    Cancellable schedule(Runnable task, Duration delay);

    /** Runs the task every period, first after one period, until cancelled. A run that throws does not stop later runs. */
    Cancellable scheduleAtFixedRate(Runnable task, Duration period);

    /**
     * Runs the task every period, first after one period, until cancelled, supervised: a run that throws is logged
     * with its stack under {@code name}, counted ({@link #failures}), and the next run comes after a backoff (the
     * period doubled for each failure in a row, at most 60 s, or the period where that is longer), then every period
     * again once a run succeeds. Runs never overlap. The default runs it as {@link #scheduleAtFixedRate(Runnable,
     * Duration)} (no backoff, nothing counted).
     *
     * @param name what the task is, for the log and the metric (e.g. {@code worker.keepalive})
     * @since 1.2
     */
    default Cancellable scheduleAtFixedRate(String name, Runnable task, Duration period) {
        return scheduleAtFixedRate(task, period);
    }

    /**
     * Runs of supervised periodic tasks ({@link #scheduleAtFixedRate(String, Runnable, Duration)}) that threw so far,
     * by task name; empty where nothing is counted (the default).
     *
     * @since 1.2
     */
    default java.util.Map<String, Long> failures() {
        return java.util.Map.of();
    }

    /** Runs the supplier on this scheduler and completes the future with its result or failure. */
    default <T> CompletableFuture<T> supply(Supplier<T> supplier) {
        CompletableFuture<T> future = new CompletableFuture<>();
        execute(() -> {
            try {
                future.complete(supplier.get());
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        return future;
    }

    /** A future that completes after the delay, on this scheduler's clock. */
    default CompletableFuture<Void> delay(Duration delay) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        schedule(() -> future.complete(null), delay);
        return future;
    }
}
