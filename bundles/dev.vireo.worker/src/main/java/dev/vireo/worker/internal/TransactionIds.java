package dev.vireo.worker.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Transaction ids the worker makes: for invocations whose caller sent none, and for its own work (prewarm, evictions,
 * shutdown), so every log line and SPI call of it carries one. {@code NAME-N}, N counting up in base 36 from 1, one
 * counter for all of them. Thread-safe.
 */
final class TransactionIds {
    private final String worker;
    private final AtomicLong last = new AtomicLong();

    /** @param worker the worker's name, which it keeps until a restart */
    TransactionIds(String worker) {
        this.worker = worker;
    }

    /** The caller's id, or a new one if it sent none. */
    String orNew(String tid) {
        return tid == null || tid.isEmpty() ? next() : tid;
    }

    String next() {
        return worker + "-" + Long.toString(last.incrementAndGet(), 36);
    }
}
