package dev.vireo.workload;

import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.worker.WorkerService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import dev.vireo.api.model.InvocationRecord;

/**
 * The open-loop trace replay, the one both a live run and a simulation use: every invocation is sent at its trace
 * time (scaled by {@code speed}) whether or not earlier ones have returned, so a slow system builds a queue instead of
 * slowing the arrivals down. It is written against {@link WorkerService} and the project's {@link Clock} and
 * {@link TaskScheduler}: a live run hands it a worker or controller over gRPC and the real time services; the
 * simulation hands it the simulated controller and the virtual clock (and runs the event loop until the returned
 * future is done).
 *
 * <p>Threading: replies may complete on any thread; rows are collected in a concurrent queue.
 */
public final class Replay {
    private final WorkerService target;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final long runOrigin;

    /**
     * @param runOrigin the run's start on {@code clock} ({@link Clock#nanoTime()}): rows count their times from it,
     *                  so they share one time axis with what else the run records (its metrics series)
     */
    public Replay(WorkerService target, Clock clock, TaskScheduler scheduler, long runOrigin) {
        this.target = target;
        this.clock = clock;
        this.scheduler = scheduler;
        this.runOrigin = runOrigin;
    }

    /**
     * Registers every function of the mapping (one registered already is fine: a rerun against the same target);
     * a refusal is a clear error naming the function.
     */
    public void register(TraceMapping mapping) {
        for (FunctionTrace f : mapping.names().keySet()) {
            try {
                target.register(mapping.spec(f));
            } catch (WorkerException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw new IllegalArgumentException("the target refused function " + mapping.name(f) + ": "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Starts the replay of {@code plan} now (the trace's time 0); the future completes with every invocation's row (failures are rows too)
     * once the last has answered. {@code onRow} sees each row as it arrives (progress).
     */
    public CompletableFuture<List<Row>> start(List<TraceMapping.Planned> plan, TraceMapping mapping, double speed,
            String tidPrefix, Consumer<Row> onRow) {
        if (!(speed > 0)) {
            throw new IllegalArgumentException("speed must be > 0, was " + speed);
        }
        // ids by identity: a trace function's hash covers its whole per-minute series
        Map<FunctionTrace, String> ids = new IdentityHashMap<>();
        mapping.names().keySet().forEach(f -> ids.put(f, mapping.id(f)));
        ConcurrentLinkedQueue<Row> rows = new ConcurrentLinkedQueue<>();
        CompletableFuture<List<Row>> done = new CompletableFuture<>();
        AtomicInteger outstanding = new AtomicInteger(plan.size());
        if (plan.isEmpty()) {
            done.complete(List.of());
            return done;
        }
        long origin = clock.nanoTime();
        int[] next = {0};
        Runnable feed = new Runnable() {
            @Override
            public void run() {
                long elapsed = clock.nanoTime() - origin;
                while (next[0] < plan.size() && due(plan.get(next[0]), speed) <= elapsed) {
                    TraceMapping.Planned c = plan.get(next[0]++);
                    send(tidPrefix + "-" + next[0], ids.get(c.function()), c, origin + due(c, speed))
                            .whenComplete((r, e) -> {
                        rows.add(r);
                        onRow.accept(r);
                        if (outstanding.decrementAndGet() == 0) {
                            done.complete(new ArrayList<>(rows));
                        }
                    });
                }
                if (next[0] < plan.size()) {
                    scheduler.schedule(this, Duration.ofNanos(due(plan.get(next[0]), speed) - elapsed));
                }
            }
        };
        scheduler.execute(feed);
        return done;
    }

    /** When a planned invocation is due, in nanoseconds from the start. */
    static long due(TraceMapping.Planned c, double speed) {
        return (long) (c.atMs() * 1_000_000 / speed); // exact at speed 1 (below 2^53 ns, ~104 days)
    }

    private CompletableFuture<Row> send(String tid, String function, TraceMapping.Planned c, long dueNanos) {
        long sent = clock.nanoTime();
        long sentUs = (sent - runOrigin) / 1_000;
        long scheduledUs = (dueNanos - runOrigin) / 1_000;
        String traceFunction = c.function().function();
        CompletionStage<InvocationRecord> call;
        try {
            call = target.invoke(tid, function, c.payload());
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        return call.handle((r, e) -> {
            long took = (clock.nanoTime() - sent) / 1_000;
            return e == null ? Row.of(tid, function, traceFunction, 0, scheduledUs, sentUs, took, r)
                    : Row.failure(tid, function, traceFunction, 0, scheduledUs, sentUs, took, e);
        }).toCompletableFuture();
    }
}
