package dev.vireo.workload;

import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.time.Clock;
import dev.vireo.api.worker.WorkerService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Closed loops against a {@link WorkerService}: N clients, each sending its next invocation when its last answered,
 * until the duration is over; and steps of client counts one after the other (scaling).
 *
 * <p>Threading: replies may complete on any thread.
 */
public final class ClosedLoop {
    private final WorkerService target;
    private final Clock clock;
    private final long origin;

    /** Loops against {@code target}; rows count time from {@code runOrigin} (the run's start), across every step. */
    public ClosedLoop(WorkerService target, Clock clock, long runOrigin) {
        this.target = target;
        this.clock = clock;
        this.origin = runOrigin;
    }

    /** {@code clients} loops for {@code durationMs}; completes with every invocation's row. */
    public CompletableFuture<List<Row>> run(String function, String payload, int clients, long durationMs,
            String tidPrefix, Consumer<Row> onRow) {
        ConcurrentLinkedQueue<Row> rows = new ConcurrentLinkedQueue<>();
        AtomicLong seq = new AtomicLong();
        long endNs = clock.nanoTime() + durationMs * 1_000_000;
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            CompletableFuture<Void> loop = new CompletableFuture<>();
            loops.add(loop);
            next(new Loop(function, payload, clients, endNs, tidPrefix, seq, rows, onRow, loop));
        }
        return CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).thenApply(v -> new ArrayList<>(rows));
    }

    private record Loop(String function, String payload, int clients, long endNs, String prefix,
            AtomicLong seq, ConcurrentLinkedQueue<Row> rows, Consumer<Row> onRow, CompletableFuture<Void> done) {
    }

    private void next(Loop l) {
        long sent = clock.nanoTime();
        if (sent >= l.endNs()) {
            l.done().complete(null);
            return;
        }
        String tid = l.prefix() + "-" + l.seq().incrementAndGet();
        long sentUs = (sent - origin) / 1_000;
        CompletionStage<InvocationRecord> call;
        try {
            call = target.invoke(tid, l.function(), l.payload());
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((r, e) -> {
            long took = (clock.nanoTime() - sent) / 1_000;
            Row row = e == null ? Row.of(tid, l.function(), "", l.clients(), sentUs, sentUs, took, r)
                    : Row.failure(tid, l.function(), "", l.clients(), sentUs, sentUs, took, e);
            l.rows().add(row);
            l.onRow().accept(row);
            next(l);
        });
    }

    /** Steps of closed-loop clients, one after the other; each row carries its step's client count. */
    public List<Row> scaling(String function, String payload, List<Integer> steps, long stepMs, String tidPrefix,
            Consumer<Row> onRow) {
        List<Row> all = new ArrayList<>();
        for (int clients : steps) {
            all.addAll(run(function, payload, clients, stepMs, tidPrefix + "-c" + clients, onRow).join());
        }
        return all;
    }
}
