package dev.vireo.controller.internal;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * Deterministic time for unit tests: a clock that moves only in {@link #advance}, and a scheduler that runs every
 * task on the test's thread, in order (executed work first, FIFO; then timers by due time and order of scheduling).
 * A test says how much time passes and then checks what happened: no sleeping, no polling, no other thread.
 *
 * <p>(The testkit's {@code TestTime} runs real threads on the real clock; the simulation's {@code VirtualTime} is
 * this with more, but the simulation depends on this bundle, so its tests cannot use it.)
 */
final class ManualTime implements Clock, TaskScheduler {
    private static final Instant ORIGIN = Instant.parse("2000-01-01T00:00:00Z");
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long now = 1_000_000_000L;
    private long order;

    private final class Timer implements Cancellable, Comparable<Timer> {
        final Runnable task;
        final long period;
        final long seq = order++;
        long due;
        boolean cancelled;
        boolean done;

        Timer(Runnable task, long due, long period) {
            this.task = task;
            this.due = due;
            this.period = period;
        }

        @Override
        public int compareTo(Timer o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
        }

        @Override
        public boolean cancel() {
            boolean was = !cancelled && !done;
            cancelled = true;
            timers.remove(this);
            return was;
        }

        @Override
        public boolean isDone() {
            return cancelled || done;
        }
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Instant now() {
        return ORIGIN.plusNanos(now - 1_000_000_000L);
    }

    @Override
    public void execute(Runnable task) {
        ready.add(task);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        Timer t = new Timer(task, now + Math.max(0, delay.toNanos()), 0);
        timers.add(t);
        return t;
    }

    @Override
    public Cancellable scheduleAtFixedRate(Runnable task, Duration period) {
        Timer t = new Timer(task, now + period.toNanos(), period.toNanos());
        timers.add(t);
        return t;
    }

    /** Runs the work that is runnable now, and the work that it hands on, without moving the clock. */
    void settle() {
        Runnable r;
        while ((r = ready.poll()) != null) {
            r.run();
        }
    }

    /** Moves the clock by {@code d}, running each timer at its due time, and settles after each. */
    void advance(Duration d) {
        long target = now + d.toNanos();
        settle();
        while (!timers.isEmpty() && timers.peek().due <= target) {
            Timer t = timers.poll();
            now = t.due;
            if (t.period > 0) {
                t.due += t.period;
                timers.add(t);
            } else {
                t.done = true;
            }
            t.task.run();
            settle();
        }
        now = target;
    }

    void advanceMs(long ms) {
        advance(Duration.ofMillis(ms));
    }
}
