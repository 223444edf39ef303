package dev.vireo.kernel.time;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.RealTimeSource;
import dev.vireo.api.time.TaskScheduler;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The live clock and scheduler: {@link System#nanoTime()}, the system calendar, tasks on virtual threads, blocking
 * reads ({@link #executeBlocking}) on a pool of platform threads (kept 30 s when idle), and timers on one daemon
 * thread that only hands due tasks over. The simulation registers a virtual-time implementation instead
 * (service property {@code vireo.time=virtual}).
 */
@RealTimeSource("the live implementation of Clock and TaskScheduler")
@Component(service = {Clock.class, TaskScheduler.class}, property = {"vireo.time=real", "service.ranking:Integer=0"})
public final class SystemTime implements Clock, TaskScheduler {
    private static final System.Logger LOG = System.getLogger(SystemTime.class.getName());

    private final ExecutorService tasks;
    private final ExecutorService blocking;
    /** Platform threads for blocking reads at most (one per invocation in flight on a transport). */
    static final int MAX_BLOCKING = 1024;
    private final ScheduledThreadPoolExecutor timers;

    @Activate
    public SystemTime() {
        // one name for all: a numbered name is a StringBuilder and a String for every task (several per invocation)
        tasks = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("vireo-task").factory());
        // at most MAX_BLOCKING platform threads; past that (or when no thread can be made) a task runs on a virtual
        // thread as before, slower but never refused
        blocking = new ThreadPoolExecutor(0, MAX_BLOCKING, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Thread.ofPlatform().name("vireo-io-", 0).daemon(true).factory(), (task, pool) -> tasks.execute(task));
        timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("vireo-timer").daemon(true).factory());
        timers.setRemoveOnCancelPolicy(true);
    }

    @Deactivate
    public void close() {
        timers.shutdownNow();
        tasks.shutdownNow();
        blocking.shutdownNow();
    }

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
        tasks.execute(guarded(task));
    }

    @Override
    public void executeBlocking(Runnable task) {
        Runnable g = guarded(task);
        try {
            blocking.execute(g);
        } catch (OutOfMemoryError e) {
            tasks.execute(g); // "unable to create native thread" (a pids limit): a virtual thread needs none
        }
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        if (delay.isNegative() || delay.isZero()) {
            var f = tasks.submit(guarded(task));
            return handle(f);
        }
        return handle(timers.schedule(() -> tasks.execute(guarded(task)), delay.toNanos(), TimeUnit.NANOSECONDS));
    }

    @Override
    public Cancellable scheduleAtFixedRate(Runnable task, Duration period) {
        String type = task.getClass().getName();
        return scheduleAtFixedRate(type.contains("$$Lambda") ? type.substring(0, type.indexOf("$$Lambda")) : type, task,
                period);
    }

    /** The supervisor of periodic tasks: every one runs as a {@link Supervised}, its failures counted here by name. */
    private final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> failures =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The longest backoff after failures in a row (unless the period is longer). */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    @Override
    public Cancellable scheduleAtFixedRate(String name, Runnable task, Duration period) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive: " + period);
        }
        Supervised s = new Supervised(name, task, period);
        s.after(period);
        return s;
    }

    @Override
    public java.util.Map<String, Long> failures() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        failures.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The delay after {@code inRow} failures in a row of a task of {@code period}. */
    static Duration backoff(Duration period, int inRow) {
        Duration max = period.compareTo(MAX_BACKOFF) > 0 ? period : MAX_BACKOFF;
        Duration d = period;
        for (int i = 0; i < inRow && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }

    /**
     * One periodic task: each run schedules the next when it ends (so runs never overlap), one period later, or after a
     * backoff when it threw (logged with its stack, counted under its name).
     */
    private final class Supervised implements Cancellable, Runnable {
        private final String name;
        private final Runnable task;
        private final Duration period;
        private int inRow;
        private boolean cancelled;
        private ScheduledFuture<?> pending;

        Supervised(String name, Runnable task, Duration period) {
            this.name = name;
            this.task = task;
            this.period = period;
        }

        synchronized void after(Duration delay) {
            if (!cancelled) {
                pending = timers.schedule(() -> tasks.execute(this), delay.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void run() {
            synchronized (this) {
                if (cancelled) {
                    return;
                }
            }
            Duration next;
            try {
                task.run();
                inRow = 0;
                next = period;
            } catch (Throwable t) {
                inRow++;
                failures.computeIfAbsent(name, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
                next = backoff(period, inRow);
                LOG.log(Level.ERROR, "periodic task " + name + " failed (" + inRow + " in a row); it runs again in "
                        + next.toMillis() + " ms", t);
            }
            after(next);
        }

        @Override
        public synchronized boolean cancel() {
            if (cancelled) {
                return false;
            }
            cancelled = true;
            if (pending != null) {
                pending.cancel(false); // a run under way ends, and schedules nothing after
            }
            return true;
        }

        @Override
        public synchronized boolean isDone() {
            return cancelled;
        }
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (Throwable t) {
                LOG.log(Level.ERROR, "task " + task + " failed", t);
            }
        };
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
}
