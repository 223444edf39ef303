package dev.vireo.testkit;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * A deterministic clock and scheduler: one event loop on one thread. The time-skipping simulation ({@code sim/}) runs
 * on it, and so do unit tests that wait for time to pass (a test advances virtual time instead of sleeping). Work
 * handed to {@link #execute} runs in FIFO order at the current virtual time; timers wait in a queue ordered by (due
 * time, order of scheduling). The clock moves only in {@link #step()}, and only when no work is runnable: it then
 * jumps straight to the earliest timer. So a simulated hour of waiting costs nothing, and the same inputs give the
 * same order of events, every run.
 *
 * <p>{@link #nanoTime()} starts at {@link #START_NANOS} (so that 0 keeps its meaning of "never" for code that uses it
 * that way); {@link #now()} is {@code origin} plus the time elapsed since then.
 *
 * <p>Threading: confined to the thread that runs the loop. Work submitted from any other thread is refused with an
 * exception (a simulated component that made its own thread would make the run depend on the OS scheduler).
 */
public final class VirtualTime implements Clock, TaskScheduler {
    private static final System.Logger LOG = System.getLogger(VirtualTime.class.getName());
    /** The virtual monotonic clock's reading at the start of a simulation. */
    public static final long START_NANOS = 1_000_000_000L;
    /** The default calendar origin of a simulation: virtual timestamps are recognisably not wall-clock ones. */
    public static final Instant ORIGIN = Instant.parse("2000-01-01T00:00:00Z");

    /** Told each time the clock moves: from, to, and how many tasks were runnable then (always 0). */
    @FunctionalInterface
    public interface AdvanceListener {
        void advanced(long fromNanos, long toNanos, int runnable);
    }

    private final Instant origin;
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final List<AdvanceListener> listeners = new ArrayList<>();
    private Thread owner;
    private long now = START_NANOS;
    private long order;
    private long cancelledInQueue;
    private long tasksRun;
    private long timersFired;
    private long jumps;
    private long failures;

    public VirtualTime() {
        this(ORIGIN);
    }

    public VirtualTime(Instant origin) {
        this.origin = origin;
    }

    /** A timer: one-shot or periodic; runnable from the ready queue too (then due = when it was scheduled). */
    private final class Timer implements Cancellable, Comparable<Timer>, Runnable {
        final Runnable task;
        final long period;
        long due;
        final long seq;
        boolean cancelled;
        boolean done;
        boolean queued;

        Timer(Runnable task, long due, long period) {
            this.task = task;
            this.due = due;
            this.period = period;
            this.seq = order++;
        }

        @Override
        public int compareTo(Timer o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            if (period <= 0) {
                done = true;
            }
            runSafely(task);
            if (period > 0 && !cancelled) {
                due += period;
                enqueue(this);
            }
        }

        @Override
        public boolean cancel() {
            confined();
            if (done || cancelled) {
                return false;
            }
            cancelled = true;
            done = true;
            if (queued) {
                cancelledInQueue++;
            }
            return true;
        }

        @Override
        public boolean isDone() {
            return done;
        }
    }

    /**
     * Makes the calling thread the loop's thread now, before anything is scheduled (a component that schedules work
     * from another thread while a simulation is set up is then refused, not silently made the owner).
     */
    public void claim() {
        confined();
    }

    private void confined() {
        Thread t = Thread.currentThread();
        if (owner == null) {
            owner = t;
        } else if (owner != t) {
            throw new IllegalStateException("the simulation is single-threaded: work was submitted from thread '"
                    + t.getName() + "' while the event loop runs on '" + owner.getName() + "'");
        }
    }

    private void enqueue(Timer t) {
        t.queued = true;
        timers.add(t);
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (Throwable e) {
            failures++;
            LOG.log(Level.ERROR, "a simulated task failed at " + (now - START_NANOS) / 1_000 + " us: " + e, e);
        }
    }

    // ---- Clock --------------------------------------------------------------------------------------------------

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Instant now() {
        return origin.plusNanos(now - START_NANOS);
    }

    /** Virtual time elapsed since the start. */
    public Duration elapsed() {
        return Duration.ofNanos(now - START_NANOS);
    }

    // ---- TaskScheduler ------------------------------------------------------------------------------------------

    @Override
    public void execute(Runnable task) {
        confined();
        ready.add(task);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        confined();
        long d = delay.toNanos();
        Timer t = new Timer(task, now + Math.max(0, d), 0);
        if (d <= 0) {
            ready.add(t);
        } else {
            enqueue(t);
        }
        return t;
    }

    @Override
    public Cancellable scheduleAtFixedRate(Runnable task, Duration period) {
        confined();
        long p = period.toNanos();
        if (p <= 0) {
            throw new IllegalArgumentException("period must be positive, was " + period);
        }
        Timer t = new Timer(task, now + p, p);
        enqueue(t);
        return t;
    }

    // ---- the loop -----------------------------------------------------------------------------------------------

    /** Called each time the clock moves (tests check that nothing was runnable). */
    public void onAdvance(AdvanceListener listener) {
        listeners.add(listener);
    }

    /**
     * Runs one piece of work: the next runnable task, else the earliest timer, moving the clock to it.
     *
     * @return false when there is nothing left to do at all
     */
    public boolean step() {
        confined();
        Runnable task = ready.poll();
        if (task != null) {
            tasksRun++;
            runSafely(task);
            return true;
        }
        Timer t = nextLive();
        if (t == null) {
            return false;
        }
        timers.poll();
        t.queued = false;
        advanceTo(t.due);
        timersFired++;
        t.run();
        purge();
        return true;
    }

    /** Drops cancelled timers once they are most of the queue (they would otherwise wait there until due). */
    private void purge() {
        if (cancelledInQueue > 4_096 && cancelledInQueue * 2 > timers.size()) {
            List<Timer> live = new ArrayList<>(timers.size());
            for (Timer t : timers) {
                if (!t.cancelled) {
                    live.add(t);
                } else {
                    t.queued = false;
                }
            }
            timers.clear();
            timers.addAll(live);
            cancelledInQueue = 0;
        }
    }

    /**
     * Runs until {@code done} holds (checked between steps).
     *
     * @throws IllegalStateException if nothing is left to run before it holds: the simulation would wait forever
     */
    public void runUntil(BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            if (!step()) {
                throw new IllegalStateException("the simulation stalled at " + elapsed()
                        + ": nothing is runnable or scheduled, but it is not finished");
            }
        }
    }

    /**
     * Runs until {@code done} holds (checked between steps), but not past {@code within} of virtual time from now: for
     * tests of components with periodic tasks, whose loop never runs dry, so a condition that never holds would
     * otherwise run the clock forever.
     *
     * @throws IllegalStateException if the next piece of work is due later than {@code within} from now, or nothing is
     *                               left to run, before {@code done} holds
     */
    public void runUntil(BooleanSupplier done, Duration within) {
        long until = now + within.toNanos();
        while (!done.getAsBoolean()) {
            if (ready.isEmpty()) {
                Timer next = nextLive();
                if (next == null) {
                    throw new IllegalStateException("the simulation stalled at " + elapsed()
                            + ": nothing is runnable or scheduled, but it is not finished");
                }
                if (next.due > until) {
                    throw new IllegalStateException("not done within " + within + " of virtual time (now at "
                            + elapsed() + ")");
                }
            }
            step();
        }
    }

    /** Runs every piece of work due up to {@code delay} from now, then sets the clock there. */
    public void runFor(Duration delay) {
        long until = now + delay.toNanos();
        while (!ready.isEmpty() || (nextLive() != null && nextLive().due <= until)) {
            step();
        }
        advanceTo(until);
    }

    /** The earliest timer not cancelled, left in the queue (cancelled ones ahead of it are dropped); or null. */
    private Timer nextLive() {
        Timer next = timers.peek();
        while (next != null && next.cancelled) {
            timers.poll();
            next.queued = false;
            cancelledInQueue--;
            next = timers.peek();
        }
        return next;
    }

    /** Moves the clock forward (never back), telling the listeners. Only called with nothing runnable. */
    private void advanceTo(long nanos) {
        if (nanos > now) {
            for (AdvanceListener l : listeners) {
                l.advanced(now, nanos, ready.size());
            }
            now = nanos;
            jumps++;
        }
    }

    /** Work run so far: tasks, timers, clock jumps, tasks that threw. */
    public record Counts(long tasks, long timers, long jumps, long failures, int pendingTimers) {
    }

    public Counts counts() {
        return new Counts(tasksRun, timersFired, jumps, failures, timers.size());
    }
}
