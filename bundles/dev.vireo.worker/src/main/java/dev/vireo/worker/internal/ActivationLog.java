package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.time.Clock;
import dev.vireo.api.worker.ActivationQuery;
import dev.vireo.api.worker.WorkerException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The activation log: the records of finished invocations, each with the function's captured stdout and stderr
 * (bounded by the agent), kept in memory in arrival order of their ends. The oldest go first when the log holds more
 * than {@code max} records, more than {@code maxBytes} (each record counted by its result, output and message), or
 * when older than {@code retention}. Thread-safe; one short lock per finished invocation.
 */
final class ActivationLog {
    /** How much the log keeps: count, bytes, age; {@code max == 0} keeps nothing. */
    record Limits(int max, long maxBytes, Duration retention) {
        static final Limits DEFAULT = new Limits(10_000, 64L * 1024 * 1024, Duration.ofHours(1));
    }

    private record Entry(InvocationRecord record, long at, long bytes) {
    }

    private final Clock clock;
    private volatile Limits limits = Limits.DEFAULT;
    /** Guarded by this: oldest first. */
    private final ArrayDeque<Entry> order = new ArrayDeque<>();
    /** Guarded by this. */
    private final Map<String, Entry> byTid = new HashMap<>();
    /** Guarded by this. */
    private long bytes;

    ActivationLog(Clock clock) {
        this.clock = clock;
    }

    void limits(Limits next) {
        limits = next;
        synchronized (this) {
            trim(clock.nanoTime());
        }
    }

    void add(InvocationRecord r) {
        Limits l = limits;
        if (l.max() == 0) {
            return;
        }
        long size = 512 + 2L * (r.result().length() + r.output().stdout().length() + r.output().stderr().length()
                + r.error().map(e -> e.message().length()).orElse(0));
        long now = clock.nanoTime();
        synchronized (this) {
            Entry e = new Entry(r, now, size);
            order.addLast(e);
            byTid.put(r.tid(), e); // a repeated transaction id: the newest answers for it
            bytes += size;
            trim(now);
        }
    }

    /** The newest records that answer the query, newest first. */
    List<InvocationRecord> list(ActivationQuery q) {
        List<InvocationRecord> out = new ArrayList<>();
        synchronized (this) {
            trim(clock.nanoTime());
            Iterator<Entry> it = order.descendingIterator();
            while (it.hasNext() && out.size() < q.limit()) {
                // a result that is not JSON is shown as the APIs show it live: a user error saying so
                InvocationRecord r = dev.vireo.api.validation.Results.checked(it.next().record());
                if (q.matches(r.functionId(), r.arrival(), r.error().isPresent())) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    InvocationRecord get(String tid) {
        synchronized (this) {
            trim(clock.nanoTime());
            Entry e = byTid.get(tid);
            if (e != null) {
                return dev.vireo.api.validation.Results.checked(e.record());
            }
        }
        throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "activation " + tid + " is not in the log (never run"
                + " here, or past its retention: activations.* of vireo.worker)");
    }

    /** Guarded by this. */
    private void trim(long now) {
        Limits l = limits;
        long retention = l.retention().toNanos();
        while (!order.isEmpty() && (order.size() > l.max() || bytes > l.maxBytes()
                || now - order.peekFirst().at() > retention)) {
            Entry gone = order.removeFirst();
            bytes -= gone.bytes();
            byTid.remove(gone.record().tid(), gone);
        }
    }
}
