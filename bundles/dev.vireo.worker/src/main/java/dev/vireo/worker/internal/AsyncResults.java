package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.time.Clock;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

    private static final System.Logger LOG = System.getLogger(AsyncResults.class.getName());
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile AsyncStore store;
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

    /** Keeps async invocations in {@code store} from now on ({@link AsyncStore}); null: nowhere. */
    void store(AsyncStore next) {
        store = next;
    }

    /** Takes back what a store held at start: each answers until its retention, counted from when it finished. */
    void restore(List<AsyncStore.Stored> stored) {
        long now = clock.nanoTime();
        Instant wall = clock.now();
        for (AsyncStore.Stored s : stored) {
            Entry e = new Entry(CompletableFuture.completedFuture(s.record()));
            long ago = Math.max(0, Duration.between(s.finished(), wall).toNanos());
            e.doneNanos = now - ago == 0 ? 1 : now - ago;
            entries.putIfAbsent(s.id(), e);
        }
    }

    void track(String id, String functionId, CompletableFuture<InvocationRecord> invocation) {
        Entry e = entries.get(id);
        AsyncStore s = store;
        if (s != null) {
            try {
                s.accepted(id, functionId, clock.now());
            } catch (java.io.IOException | RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "[" + id + "] async invocation not stored (" + ex.getMessage()
                        + "): a restart before it is collected loses it");
            }
        }
        invocation.whenComplete((r, t) -> {
            e.doneNanos = clock.nanoTime();
            if (t != null) {
                e.future.completeExceptionally(t);
            } else {
                try {
                    AsyncStore st = store;
                    if (st != null) {
                        st.finished(r, clock.now());
                    }
                } catch (java.io.IOException | RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "[" + id + "] async result not stored (" + ex.getMessage()
                            + "): a restart before it is collected loses it");
                } finally {
                    e.future.complete(r); // whatever the store did, the result is there for the client
                }
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
        var it = entries.entrySet().iterator();
        while (it.hasNext()) {
            var en = it.next();
            Entry e = en.getValue();
            if (e.future.isDone() && e.doneNanos != 0 && now - e.doneNanos > retention.toNanos()) {
                AsyncStore s = store;
                if (s != null) { // the files first: once the id is free, a new invocation may take it and its files
                    try {
                        s.forget(en.getKey());
                    } catch (java.io.IOException ex) {
                        LOG.log(System.Logger.Level.WARNING, "[" + en.getKey() + "] expired async result not removed"
                                + " from the store: " + ex.getMessage());
                    }
                }
                entries.remove(en.getKey(), e);
            }
        }
    }
}
