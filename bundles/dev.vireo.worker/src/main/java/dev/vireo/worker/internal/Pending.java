package dev.vireo.worker.internal;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.worker.internal.FunctionTable.Registration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * An admitted invocation of the worker, the registration it was admitted for (it only ever runs in a container of
 * that registration), and its caller's future. {@code dequeuedNanos} is set under the {@link WorkerLock} when the
 * invocation leaves the queue ({@link AdmissionQueue#take}), {@code acquiredNanos} by the task that calls its container
 * or cancels it; both are read when its record is made, later in the same chain of tasks.
 */
final class Pending {
    final Invocation invocation;
    final Registration registration;
    final FunctionSpec function;
    final Instant arrival;
    final CompletableFuture<InvocationRecord> future;
    /** Whether it went the cold way: a container was started for it (set by the task that starts it). */
    volatile boolean coldPath;
    /** The trace it is part of (its spans are made as it ends), or null. Set at admission, before it is queued. */
    Traces.Trace trace;
    long dequeuedNanos;
    /** What was offered to the queue for it (under the lock, at admission). */
    dev.vireo.api.spi.queue.QueuedInvocation queued;
    /** Its place among the invocations the worker took out of the queue (under the lock). */
    long startOrder;
    /**
     * Its place among the calls the worker sent to agents (0: not sent yet); of two calls of the same length, the one
     * sent first ends first. Volatile: the call's task writes it, the estimate reads it under the lock.
     */
    volatile long callOrder;
    /** Volatile: the estimate reads it under the lock while the call's task may write it. */
    volatile long acquiredNanos;
    /**
     * When a warm container was taken for it (under the lock, in the pump), when the call went to the transport, and
     * when the worker saw its end (0: it never did): the anatomy.
     */
    long takenNanos;
    long sentNanos;
    long doneNanos;
    /** The container's CPU counter and time ({@link CpuTime#mark}) and the packages' energy counters as the call went out. */
    long cpuMark = -1;
    CpuTime cpuCounter;
    long[] energyMark;
    Rapl energyMeter = Rapl.NONE;

    Pending(Invocation invocation, Registration registration, Instant arrival) {
        this(invocation, registration, arrival, new CompletableFuture<>());
    }

    private Pending(Invocation invocation, Registration registration, Instant arrival,
            CompletableFuture<InvocationRecord> future) {
        this.invocation = invocation;
        this.registration = registration;
        this.function = registration.spec();
        this.arrival = arrival;
        this.future = future;
    }

    /**
     * This invocation, not started yet, bound to the registration that replaced its own ({@link WorkerCore#update}):
     * the same invocation, arrival, trace and caller's future; nothing of its way through the worker so far.
     */
    Pending rebound(Registration next) {
        Pending p = new Pending(invocation, next, arrival, future);
        p.trace = trace;
        return p;
    }

    String tid() {
        return invocation.tid();
    }
}
