package dev.vireo.worker.internal;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.TaskScheduler;
import java.time.Duration;

/**
 * A task the scheduler runs at a fixed rate whose period can change while the worker runs (a reconfiguration): the
 * old schedule is cancelled and the task runs one new period later. Once cancelled it stays cancelled. Thread-safe.
 */
final class Ticker implements Cancellable {
    private final TaskScheduler scheduler;
    private final String name;
    private final Runnable task;
    private Duration period;
    private Cancellable scheduled;
    private boolean cancelled;

    Ticker(TaskScheduler scheduler, String name, Runnable task, Duration period) {
        this.scheduler = scheduler;
        this.name = name;
        this.task = task;
        this.period = period;
        this.scheduled = scheduler.scheduleAtFixedRate(name, task, period);
    }

    /** Runs the task every {@code next} from now on; nothing changes if that is the period already. */
    synchronized void period(Duration next) {
        if (cancelled || next.equals(period)) {
            return;
        }
        scheduled.cancel();
        period = next;
        scheduled = scheduler.scheduleAtFixedRate(name, task, next);
    }

    @Override
    public synchronized boolean cancel() {
        cancelled = true;
        return scheduled.cancel();
    }

    @Override
    public synchronized boolean isDone() {
        return cancelled || scheduled.isDone();
    }
}
