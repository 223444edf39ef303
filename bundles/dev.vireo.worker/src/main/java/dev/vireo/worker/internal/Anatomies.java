package dev.vireo.worker.internal;

import dev.vireo.api.worker.InvocationAnatomy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The hops of the last {@link #CAPACITY} invocations that ended here, by transaction id ({@link InvocationAnatomy}),
 * for the latency anatomy: a client (the benchmark) asks for the invocation it just made, so a few hundred are
 * plenty (and a simulation of 1,000 workers keeps ~50 MB of them at most). The oldest is forgotten first; an
 * invocation whose tid repeats replaces the earlier one and counts as the newest. Thread-safe (one short lock; an
 * invocation adds once, at its end).
 */
final class Anatomies {
    static final int CAPACITY = 256;
    private final Map<String, InvocationAnatomy> byTid = new LinkedHashMap<>(CAPACITY * 2, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, InvocationAnatomy> eldest) {
            return size() > CAPACITY;
        }
    };

    synchronized void add(InvocationAnatomy a) {
        byTid.remove(a.tid()); // a repeated tid goes to the end, as the newest
        byTid.put(a.tid(), a);
    }

    synchronized Optional<InvocationAnatomy> get(String tid) {
        return Optional.ofNullable(byTid.get(tid));
    }
}
