package dev.vireo.worker.internal;

import dev.vireo.worker.internal.FunctionTable.Registration;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.probe.CpuWaitProbe;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.InvocationAnatomy;
import dev.vireo.worker.internal.ContainerPool.Container;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Runs admitted invocations: dispatch ({@link #pump}: while the queue's head can start, an invocation slot from the
 * resource trackers and a warm container of its own registration, or resources for a new one), the cold start, the
 * call to the container's agent under the worker's own timeout guard, and the record (timings, statistics, metrics,
 * the caller's future). Every step passes the invocation's transaction id on, to the SPI calls and the log lines.
 *
 * <p>The slot: an invocation acquires its slot grant in the same locked step that takes it out of the queue, and
 * holds it until it ended: after the reply (the trackers' {@link Resources.Grants#unbind} comes first, before the
 * container goes back to the pool), or, when the call failed or timed out, after the backend destroyed the container
 * (its code may run until then). So a tracker's in-flight count covers everything that runs, at any moment.
 *
 * <p>Locking: {@link #running} is guarded by the {@link WorkerLock}. {@link #pump} decides under the lock (the queue's
 * head, its slot and its container together) and runs what it decided after releasing it, on the scheduler; the cold
 * start, the call and the record run outside the lock and take it only to return the container and count the
 * invocation out. A caller's future is completed outside the lock.
 */
final class InvocationRunner {
    private static final System.Logger LOG = System.getLogger(InvocationRunner.class.getName());
    /** Extra time past a function's timeout before the worker stops waiting for a transport that never answers. */
    private static final Duration GUARD = Duration.ofMillis(200);

    private final Clock clock;
    private final TaskScheduler scheduler;
    private final WorkerLock lock;
    private final String worker;
    private final AdmissionQueue admission;
    private final ContainerLifecycle containers;
    private final MemoryWatch memory;
    private final Resources resources;
    private final FunctionTable functions;
    private final StatsBook stats;
    private final WorkerMetrics metrics;
    private final CpuWait cpuWait;
    private final java.util.function.Supplier<Rapl> rapl;
    private final Anatomies anatomies;
    private final ActivationLog activations;
    /** Invocations taken out of the queue and not yet finished. */
    private final java.util.Set<Pending> running = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** Invocations started so far ({@link Pending#startOrder}). */
    private long started;
    /** Calls sent so far ({@link Pending#callOrder}). */
    private final java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();

    private final Traces traces;

    InvocationRunner(Clock clock, TaskScheduler scheduler, WorkerLock lock, String worker, AdmissionQueue admission,
            ContainerLifecycle containers, MemoryWatch memory, Resources resources, FunctionTable functions,
            StatsBook stats, WorkerMetrics metrics, CpuWait cpuWait, Anatomies anatomies,
            ActivationLog activations, Traces traces, java.util.function.Supplier<Rapl> rapl) {
        this.anatomies = anatomies;
        this.traces = traces;
        this.activations = activations;
        this.clock = clock;
        this.scheduler = scheduler;
        this.lock = lock;
        this.worker = worker;
        this.admission = admission;
        this.containers = containers;
        this.memory = memory;
        this.resources = resources;
        this.functions = functions;
        this.stats = stats;
        this.metrics = metrics;
        this.cpuWait = cpuWait;
        this.rapl = rapl;
    }

    /** How one try to start an invocation ended. */
    private enum Outcome {
        STARTED,
        /** its namespace is at a quota: others may start */
        QUOTA,
        /** the node has no room: nothing else starts now */
        FULL
    }

    /**
     * Starts every queued invocation that can start now: first those held because their namespace was at a quota
     * (each namespace's in arrival order, as far as its quota allows now), then the queue's in its policy's order. One
     * whose namespace is at a quota ({@link dev.vireo.api.spi.resource.ResourceTracker#perNamespace()}) is held with
     * its namespace's, and so are that namespace's later ones in this pass, so that one namespace's backlog does not
     * hold up the others nor its small invocations overtake its large one; the node's own limits stop the pass.
     */
    void pump() {
        List<Runnable> starts = new ArrayList<>();
        boolean[] quota = new boolean[1];
        lock.lock();
        try {
            boolean full = false;
            List<String> heldNamespaces = admission.heldNamespaces();
            for (String namespace : heldNamespaces) {
                for (Pending p = admission.firstHeld(namespace); p != null && !full; p = admission.firstHeld(namespace)) {
                    Outcome o = start(p, starts, quota, true);
                    if (o != Outcome.STARTED) {
                        full = o == Outcome.FULL;
                        break;
                    }
                }
                if (full) {
                    break;
                }
            }
            // namespaces whose invocations wait held: made only when there are some (most passes have none)
            java.util.Set<String> blocked = heldNamespaces.isEmpty() ? null
                    : new java.util.HashSet<>(admission.heldNamespaces());
            while (!full) {
                Pending p = admission.head();
                if (p == null) {
                    break;
                }
                String namespace = p.function.namespace();
                if (blocked != null && blocked.contains(namespace)) {
                    admission.hold();
                    continue;
                }
                Outcome o = start(p, starts, quota, false);
                if (o == Outcome.QUOTA) {
                    admission.hold();
                    if (blocked == null) {
                        blocked = new java.util.HashSet<>();
                    }
                    blocked.add(namespace);
                } else if (o == Outcome.FULL) {
                    full = true;
                }
            }
        } finally {
            lock.unlock();
        }
        starts.forEach(scheduler::execute);
    }

    /** Tries to start {@code p} (held, or the queue's head): a slot, then a warm container or room for a new one. */
    private Outcome start(Pending p, List<Runnable> starts, boolean[] quota, boolean held) {
        FunctionSpec fn = p.function;
        Optional<Resources.Grants> slot = resources.acquire(Resources.slotRequest(fn, p.tid(), stats.get(fn.id())),
                quota);
        if (slot.isEmpty()) {
            return quota[0] ? Outcome.QUOTA : Outcome.FULL;
        }
        Container warm = containers.warm(p.registration);
        if (warm != null) {
            take(p, held);
            containers.use(warm);
            p.takenNanos = clock.nanoTime();
            ContainerState state = warm.prewarmed && warm.uses == 1 ? ContainerState.PREWARM : ContainerState.WARM;
            starts.add(() -> call(p, warm, slot.get(), state));
            return Outcome.STARTED;
        }
        Optional<Resources.Grants> space = containers.reserve(fn, p.tid(), starts, quota);
        if (space.isEmpty()) {
            slot.get().release();
            return quota[0] ? Outcome.QUOTA : Outcome.FULL;
        }
        take(p, held);
        starts.add(() -> coldStart(p, space.get(), slot.get()));
        return Outcome.STARTED;
    }

    private void take(Pending p, boolean held) {
        if (held) {
            admission.takeHeld(p);
        } else {
            admission.take(p);
        }
        p.startOrder = ++started;
        running.add(p);
    }

    /** How many invocations run now (taken out of the queue, not finished). Call under the lock. */
    int running() {
        assert lock.held();
        return running.size();
    }

    /**
     * What runs now and when each is expected to end (for the estimate): its start (the call's, or for one still in its
     * cold start the dequeue plus the expected cold start) plus its expected execution. Call under the lock.
     */
    List<Estimator.Busy> busy(java.util.function.Function<FunctionSpec, Estimator.Times> times) {
        assert lock.held();
        List<Estimator.Busy> out = new ArrayList<>();
        for (Pending p : running) {
            Estimator.Times x = times.apply(p.function);
            long start = p.acquiredNanos > 0 ? p.acquiredNanos
                    : p.takenNanos > 0 ? p.takenNanos : p.dequeuedNanos + x.coldStartUs() * 1_000;
            // calls sent, in the order sent; then those still starting, in the order taken
            long order = p.callOrder > 0 ? p.callOrder : Long.MAX_VALUE / 2 + p.startOrder;
            out.add(new Estimator.Busy(p.function, start + x.executionUs() * 1_000, start, order));
        }
        return out; // in no order: the estimate queues them by when they end
    }

    private void countOut(Pending p) {
        lock.lock();
        try {
            running.remove(p);
        } finally {
            lock.unlock();
        }
    }

    private void coldStart(Pending p, Resources.Grants space, Resources.Grants slot) {
        p.coldPath = true;
        containers.create(p.registration, p.tid(), space).whenComplete((c, error) -> {
            if (error == null && containers.adopt(c, p.tid(), false)) {
                call(p, c, slot, ContainerState.COLD);
                return;
            }
            countOut(p);
            slot.release();
            if (error == null) {
                // its registration went away while the container started: it never reached the function, so after
                // an update it runs on the new registration (back in the queue); after an unregistration it ends
                Registration next = functions.successor(p.registration);
                if (next == null || !admission.requeue(p, next)) {
                    cancel(p, false, "function " + p.function.id() + " was unregistered while its container started");
                }
            } else {
                space.release();
                p.acquiredNanos = clock.nanoTime();
                finish(p, null, ContainerState.COLD, 0, 0, 0, Timings.NOT_MEASURED, Timings.NOT_MEASURED,
                        Timings.NOT_MEASURED, null, Output.NONE, Failures.startFailed(p.function, error),
                        AgentReply.Stamps.NONE);
            }
            pump();
        });
    }

    /** Sends the invocation to the container's agent, and times it out if the agent does not answer in time. */
    private void call(Pending p, Container c, Resources.Grants slot, ContainerState state) {
        p.acquiredNanos = clock.nanoTime();
        p.callOrder = calls.incrementAndGet();
        slot.bind(c.placement); // the invocation holds its slot and its container: trackers may confine it now
        AgentChannel ch;
        try {
            ch = containers.channel(c, p.tid());
        } catch (IOException | RuntimeException e) {
            done(p, c, null, slot, state, p.acquiredNanos, CpuWaitProbe.NOT_MEASURED, null, e);
            return;
        }
        long waited = cpuWait.mark(c.placement, p.tid()); // after bind: the wait counted is the confined one
        p.cpuCounter = c.cpuTime.get(c.placement);
        p.cpuMark = p.cpuCounter.mark();
        p.energyMeter = rapl.get();
        p.energyMark = p.energyMeter.mark();
        long sent = clock.nanoTime();
        p.sentNanos = sent;
        CompletableFuture<AgentReply> reply;
        try {
            reply = ch.invoke(p.tid(), p.invocation.payload(), p.function.timeout()).toCompletableFuture();
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<AgentReply> guarded = reply;
        Cancellable guard = scheduler.schedule(() -> guarded.completeExceptionally(new TimeoutException()),
                p.function.timeout().plus(GUARD));
        guarded.whenComplete((r, error) -> {
            guard.cancel();
            done(p, c, ch, slot, state, sent, waited, r, error);
        });
    }

    /**
     * The agent answered, or the call failed: the container goes back to the pool (or, broken, is destroyed), the
     * slot is returned, the record made, and the next invocations start. {@code waited}: the container's CPU wait
     * before the call ({@link CpuWait#mark}).
     */
    private void done(Pending p, Container c, AgentChannel ch, Resources.Grants slot, ContainerState state, long sent,
            long waited, AgentReply reply, Throwable error) {
        long end = clock.nanoTime();
        p.doneNanos = end;
        long cpuWaitUs = cpuWait.since(c.placement, waited, p.tid());
        long cpuTimeUs = p.cpuCounter == null ? Timings.NOT_MEASURED : p.cpuCounter.since(p.cpuMark);
        long energyUj = p.energyMeter.since(p.energyMark);
        boolean containerOk = error == null;
        InvocationError failure = null;
        long executionUs = 0;
        String result = "";
        Output output = Output.NONE;
        if (error != null) {
            failure = Failures.callFailed(error, p.function, c.id(), () -> containers.diagnose(c));
        } else {
            executionUs = Math.max(0, reply.durationUs());
            output = reply.output();
            if (reply.success()) {
                result = reply.result();
            } else {
                failure = Failures.userError(reply);
            }
        }
        long roundTripUs = (end - sent) / 1_000;
        if (containerOk) {
            slot.unbind(); // before another invocation can take the container from the pool and bind it
        }
        boolean destroy;
        lock.lock();
        try {
            running.remove(p);
            destroy = containers.release(c, ch, containerOk);
        } finally {
            lock.unlock();
        }
        if (destroy) {
            // a broken or timed-out container may still run its invocation until the backend stopped it: the slot
            // (and whatever confines the container) is held until then, so the in-flight limit counts what runs
            containers.destroy(c, p.tid()).whenComplete((v, e) -> {
                slot.release();
                pump();
            });
        } else {
            slot.release();
        }
        if (failure != null && failure.kind() != ErrorKind.USER_ERROR) {
            LOG.log(Level.WARNING, "[" + p.tid() + "] " + failure.message());
        }
        finish(p, c, state, state == ContainerState.COLD ? c.coldStartUs : 0, executionUs,
                Math.max(0, roundTripUs - executionUs), cpuWaitUs, cpuTimeUs, energyUj, result, output, failure,
                reply == null ? AgentReply.Stamps.NONE : reply.stamps());
        if (containerOk) {
            memory.afterInvocation(c, end);
        }
        pump();
    }

    /** Makes the invocation's record, counts it, and completes the caller's future with it. */
    private void finish(Pending p, Container c, ContainerState state, long coldUs, long executionUs, long transportUs,
            long cpuWaitUs, long cpuTimeUs, long energyUj, String result, Output output, InvocationError failure,
            AgentReply.Stamps stamps) {
        long end = clock.nanoTime();
        long arrival = p.invocation.arrivalNanos();
        Timings timings = new Timings((p.dequeuedNanos - arrival) / 1_000, (p.acquiredNanos - p.dequeuedNanos) / 1_000,
                coldUs, transportUs, executionUs, (end - arrival) / 1_000, cpuWaitUs, cpuTimeUs, energyUj);
        InvocationRecord record = new InvocationRecord(p.tid(), p.function.id(), worker, p.function.backend(),
                c == null && failure != null ? Optional.empty() : Optional.of(state), p.arrival, timings, result,
                Optional.ofNullable(failure), Optional.empty(), output);
        // a function that is gone keeps no statistics; one that was updated keeps counting what its old code ran
        if (c != null && functions.successor(p.registration) != null) {
            stats.completed(record, 0);
        }
        metrics.record(record);
        // a warm container was taken in the pump, the call task started later (acquiredNanos: the record's acquire
        // time includes that hand-off, as it always has); a cold one was adopted where its call started
        InvocationAnatomy anatomy = new InvocationAnatomy(p.tid(), arrival, p.dequeuedNanos,
                p.takenNanos > 0 ? p.takenNanos : p.acquiredNanos, p.acquiredNanos, p.sentNanos,
                stamps.writeNs(), stamps.agentInNs(), stamps.agentOutNs(), stamps.readNs(), p.doneNanos,
                clock.nanoTime());
        anatomies.add(anatomy);
        activations.add(record);
        p.future.complete(record);
        if (p.trace != null) { // after the caller has its answer: spans are never on its way, nor can they stop it
            try {
                traces.ended(p.trace, record, anatomy, p.coldPath ? Traces.Path.COLD
                        : p.takenNanos > 0 ? Traces.Path.WARM : Traces.Path.NONE);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "[" + p.tid() + "] its spans could not be made: " + e);
            }
        }
    }

    /** Ends an invocation that never reached a container as CANCELLED: taken out of the queue, or its start undone. */
    void cancel(Pending p, boolean queued, String why) {
        p.acquiredNanos = clock.nanoTime();
        if (queued) {
            p.dequeuedNanos = p.acquiredNanos;
        }
        LOG.log(Level.DEBUG, () -> "[" + p.tid() + "] cancelled: " + why);
        finish(p, null, ContainerState.COLD, 0, 0, 0, Timings.NOT_MEASURED, Timings.NOT_MEASURED, Timings.NOT_MEASURED,
                null, Output.NONE, InvocationError.of(ErrorKind.CANCELLED, why), AgentReply.Stamps.NONE);
    }
}
