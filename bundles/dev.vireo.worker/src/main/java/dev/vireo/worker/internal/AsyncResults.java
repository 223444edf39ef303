package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.time.Clock;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Results of async invocations, kept for a retention time after they finish. Thread-safe. */
final class AsyncResults {
    private static final class Entry {
        final CompletableFuture<InvocationRecord> future;
        volatile long doneNanos;

        Entry(CompletableFuture<InvocationRecord> future) {
            this.future = future;
        }
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Clock clock;
    private volatile Duration retention;

    AsyncResults(Clock clock, Duration retention) {
        this.clock = clock;
        this.retention = retention;
    }

    void retention(Duration next) {
        retention = next;
    }

    /** Reserves an id before the invocation is admitted; false if the id is taken. */
    boolean reserve(String id) {
        return entries.putIfAbsent(id, new Entry(new CompletableFuture<>())) == null;
    }

    void release(String id) {
        entries.remove(id);
    }

    void track(String id, CompletableFuture<InvocationRecord> invocation) {
        Entry e = entries.get(id);
        invocation.whenComplete((r, t) -> {
            e.doneNanos = clock.nanoTime();
            if (t != null) {
                e.future.completeExceptionally(t);
            } else {
                e.future.complete(r);
            }
        });
    }

    AsyncResult get(String id) {
        Entry e = entries.get(id);
        if (e == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no async invocation '" + id
                    + "' (unknown, or its result expired after " + retention.toSeconds() + " s)");
        }
        if (!e.future.isDone()) {
            return new AsyncResult(id, false, Optional.empty());
        }
        return new AsyncResult(id, true, Optional.of(e.future.join()));
    }

    /** Drops results that finished longer ago than the retention. */
    void expire() {
        long now = clock.nanoTime();
        entries.values().removeIf(e -> e.future.isDone() && e.doneNanos != 0 && now - e.doneNanos > retention.toNanos());
    }
}
