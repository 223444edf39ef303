package dev.vireo.worker.internal;

import dev.vireo.api.worker.InvocationAnatomy;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The hops of the last {@link #CAPACITY} invocations that ended here, by transaction id ({@link InvocationAnatomy}),
 * for the latency anatomy: a client (the benchmark) asks for the invocation it just made. A bounded ring: the oldest
 * is forgotten first, and an invocation whose tid repeats replaces the earlier one. Thread-safe (one short lock; an
 * invocation adds once, at its end).
 */
final class Anatomies {
    static final int CAPACITY = 4096;
    private final Map<String, InvocationAnatomy> byTid = new HashMap<>();
    private final ArrayDeque<String> order = new ArrayDeque<>();

    synchronized void add(InvocationAnatomy a) {
        if (byTid.put(a.tid(), a) == null) {
            order.addLast(a.tid());
            if (order.size() > CAPACITY) {
                byTid.remove(order.removeFirst());
            }
        }
    }

    synchronized Optional<InvocationAnatomy> get(String tid) {
        return Optional.ofNullable(byTid.get(tid));
    }
}
