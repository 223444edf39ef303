package dev.vireo.loadgen;

import dev.vireo.workload.FunctionTrace;
import dev.vireo.grpc.v1.FunctionSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** The three kinds of run; each returns its rows. */
final class Runs {
    private Runs() {
    }

    /**
     * Open loop: every invocation is sent at its trace time (scaled by {@code speed}), whether or not earlier ones
     * have returned, so a slow system builds a queue instead of slowing the arrivals down.
     */
    static List<Row> trace(Target target, List<FunctionTrace> functions, TraceMapping mapping, long seed, double speed,
            long limitMs, String tidPrefix) {
        List<TraceMapping.Planned> calls = TraceMapping.plan(functions, seed, limitMs);
        for (FunctionTrace f : mapping.names().keySet()) {
            target.register(mapping.spec(f));
        }
        long lastMs = calls.isEmpty() ? 0 : calls.get(calls.size() - 1).atMs();
        ConcurrentLinkedQueue<Row> rows = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Row>> pending = new ArrayList<>(calls.size());
        long origin = target.micros();
        try (Progress progress = new Progress("trace", calls.size(), (long) (lastMs / speed))) {
            long n = 0;
            for (TraceMapping.Planned c : calls) {
                long dueUs = origin + (long) (c.atMs() * 1000 / speed);
                long wait;
                while ((wait = dueUs - target.micros()) > 0) {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(wait));
                }
                pending.add(target.invoke(tidPrefix + "-" + (++n), mapping.id(c.function()), c.function().function(),
                        c.payload(), 0, dueUs).whenComplete((r, e) -> {
                            rows.add(r);
                            progress.record(r);
                        }));
            }
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
        }
        return new ArrayList<>(rows);
    }

    /** Registers the benchmark's function: a no-op on the simulated backend unless another is named. */
    static String benchFunction(Target target, String function, long execMs) {
        if (!function.isEmpty()) {
            return function;
        }
        target.register(FunctionSpec.newBuilder().setName("loadgen-noop").setVersion("1").setImage("sim/noop")
                .setBackend("sim").setTransport("sim").setMemoryMb(16).setCpus(0.01).setTimeoutMs(60_000)
                .setConcurrency(1).setExpectedColdStartMs(0).setExpectedWarmMs(execMs).build());
        return "loadgen-noop-1";
    }

    /** Closed loop: {@code clients} loops each sending its next invocation when the last returns. */
    static List<Row> closed(Target target, String function, String payload, int clients, long durationMs,
            String tidPrefix, Progress progress) {
        List<Row> rows = Collections.synchronizedList(new ArrayList<>());
        AtomicLong seq = new AtomicLong();
        long endUs = target.micros() + durationMs * 1000;
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            CompletableFuture<Void> loop = new CompletableFuture<>();
            loops.add(loop);
            next(target, function, payload, clients, endUs, tidPrefix, seq, rows, progress, loop);
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).join();
        return rows;
    }

    private static void next(Target target, String function, String payload, int clients, long endUs, String prefix,
            AtomicLong seq, List<Row> rows, Progress progress, CompletableFuture<Void> loop) {
        if (target.micros() >= endUs) {
            loop.complete(null);
            return;
        }
        target.invoke(prefix + "-" + seq.incrementAndGet(), function, "", payload, clients, -1).whenComplete((r, e) -> {
            rows.add(r);
            progress.record(r);
            next(target, function, payload, clients, endUs, prefix, seq, rows, progress, loop);
        });
    }

    /** Steps of closed-loop clients, one after the other; each row carries its step's client count. */
    static List<Row> scaling(Target target, String function, String payload, List<Integer> steps, long stepMs,
            String tidPrefix) {
        List<Row> all = new ArrayList<>();
        try (Progress progress = new Progress("scaling", 0, stepMs * steps.size())) {
            for (int clients : steps) {
                all.addAll(closed(target, function, payload, clients, stepMs, tidPrefix + "-c" + clients, progress));
            }
        }
        return all;
    }
}
