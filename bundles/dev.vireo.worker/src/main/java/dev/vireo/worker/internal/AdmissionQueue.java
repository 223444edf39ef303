package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import dev.vireo.api.time.Clock;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.worker.internal.FunctionTable.Registration;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Admission and the invocations waiting to start. An invocation is admitted if the worker is open, its function's
 * registration is current and fewer than queue.capacity invocations wait; it then waits in the queue that the active
 * {@link QueuePolicy} made, in the policy's order, until {@link InvocationRunner} takes it. It stays bound to the
 * registration it was admitted for: when that registration goes, its waiting invocations are taken out here and
 * cancelled.
 *
 * <p>Locking: every field (the queue, the waiting invocations by sequence number, the last sequence number, whether
 * the worker is closed) is guarded by the {@link WorkerLock}. Methods that say "call under the lock" assert it; the
 * others take it. Admission checks the registration under the lock, so nothing queues for a registration that an
 * unregistration has already swept. The arrival is counted in the statistics under the lock too, so that the
 * unregistration's removal of the statistics comes after it.
 */
final class AdmissionQueue {
    /**
     * Invocations of namespaces at a quota, taken out of the policy's queue ({@link #hold}) by namespace, each in
     * arrival order: they start before that namespace's later ones, as its quota allows, without holding up other
     * namespaces (whose invocations the policy's queue keeps serving).
     */
    private final Map<String, java.util.TreeMap<Long, QueuedInvocation>> held = new java.util.LinkedHashMap<>();
    private int heldCount;
    private static final System.Logger LOG = System.getLogger(AdmissionQueue.class.getName());

    private final PluginRegistry registry;
    private final Clock clock;
    private final WorkerLock lock;
    private final FunctionTable functions;
    private final StatsBook stats;
    private final ContainerLifecycle containers;
    private final PolicyContext context;
    private final WorkerMetrics metrics;
    private final Supplier<WorkerOptions> options;
    /** The active queue policy's queue; null until first needed. */
    private InvocationQueue queue;
    /** The queued invocations by their sequence number. */
    private final Map<Long, Pending> waiting = new HashMap<>();
    private long sequence;
    private boolean closed;

    AdmissionQueue(PluginRegistry registry, Clock clock, WorkerLock lock, FunctionTable functions, StatsBook stats,
            ContainerLifecycle containers, PolicyContext context, WorkerMetrics metrics,
            Supplier<WorkerOptions> options) {
        this.registry = registry;
        this.clock = clock;
        this.lock = lock;
        this.functions = functions;
        this.stats = stats;
        this.containers = containers;
        this.context = context;
        this.metrics = metrics;
        this.options = options;
    }

    /** Queues an invocation, or refuses it (counted as a rejection) with the reason. The caller pumps after. */
    Pending admit(String tid, String functionId, String payload, Traces.Trace trace) {
        try {
            return admitOrThrow(tid, functionId, payload, trace);
        } catch (WorkerException e) {
            metrics.rejected(functionId, e.kind().name());
            throw e;
        }
    }

    private Pending admitOrThrow(String tid, String functionId, String payload, Traces.Trace trace) {
        long now = clock.nanoTime();
        Registration r = functions.get(functionId);
        Pending p = pending(tid, r, payload, now, trace);
        lock.lock();
        try {
            WorkerOptions o = options.get();
            if (closed) {
                throw new WorkerException(ErrorKind.CANCELLED, "worker " + o.name() + " is shutting down");
            }
            if (!functions.current(r)) {
                // updated since (the update swaps the table under this lock): the new registration takes it;
                // unregistered since: unregister() cancels what it finds queued, not this
                r = functions.find(functionId);
                if (r == null) {
                    throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId
                            + " is not registered");
                }
                p = pending(tid, r, payload, now, trace);
            }
            ensurePolicies();
            if (queue.size() >= o.queueCapacity()) {
                throw new WorkerException(ErrorKind.OVERLOADED, "worker overloaded: " + queue.size()
                        + " invocations queued (queue.capacity " + o.queueCapacity() + "); retry later");
            }
            long seq = ++sequence;
            waiting.put(seq, p);
            p.queued = new QueuedInvocation(p.invocation, r.spec(), seq, now, containers.warm(r) != null);
            queue.offer(p.queued);
            stats.arrived(functionId, now); // under the lock: unregister() removes the statistics after it
        } finally {
            lock.unlock();
        }
        LOG.log(Level.DEBUG, () -> "[" + tid + "] admitted " + functionId);
        return p;
    }

    /** The invocation as the registration runs it: its default parameters under the payload's keys. */
    private Pending pending(String tid, Registration r, String payload, long now, Traces.Trace trace) {
        Pending p = new Pending(new Invocation(tid, r.id(), r.spec().config().merge(payload), now), r, clock.now());
        p.trace = trace;
        return p;
    }

    /**
     * Makes the queue and the keep-alive index from the active policies the first time they are needed, so the
     * worker does not depend on the order in which bundles start. Call under the lock.
     */
    void ensurePolicies() {
        assert lock.held();
        try {
            if (queue == null) {
                queue = registry.active(QueuePolicy.class).newQueue(context);
            }
            containers.ensureIndex();
        } catch (RuntimeException e) {
            throw new WorkerException(ErrorKind.INTERNAL, "worker " + options.get().name() + " is not ready: "
                    + e.getMessage());
        }
    }

    /** The invocation the queue policy starts next; null if none (or the worker is closed). Call under the lock. */
    Pending head() {
        assert lock.held();
        if (closed || queue == null) {
            return null;
        }
        QueuedInvocation head = queue.peek();
        return head == null ? null : waiting.get(head.sequence());
    }

    /**
     * Moves the {@link #head} to its namespace's held invocations: the namespace is at a quota. Taken out of the
     * policy's queue once, never offered to it again. Call under the lock.
     */
    void hold() {
        assert lock.held();
        QueuedInvocation q = queue.poll();
        held.computeIfAbsent(q.function().namespace(), k -> new java.util.TreeMap<>()).put(q.sequence(), q);
        heldCount++;
    }

    /** The namespaces with held invocations, a copy. Call under the lock. */
    List<String> heldNamespaces() {
        assert lock.held();
        return held.isEmpty() ? List.of() : List.copyOf(held.keySet());
    }

    /** The namespace's first held invocation, or null. Call under the lock. */
    Pending firstHeld(String namespace) {
        assert lock.held();
        java.util.TreeMap<Long, QueuedInvocation> h = held.get(namespace);
        return h == null || h.isEmpty() ? null : waiting.get(h.firstKey());
    }

    /** Takes a held invocation ({@link #firstHeld}) out: it starts now. Call under the lock. */
    void takeHeld(Pending p) {
        assert lock.held();
        String namespace = p.queued.function().namespace();
        java.util.TreeMap<Long, QueuedInvocation> h = held.get(namespace);
        h.remove(p.queued.sequence());
        if (h.isEmpty()) {
            held.remove(namespace);
        }
        heldCount--;
        waiting.remove(p.queued.sequence());
        p.dequeuedNanos = clock.nanoTime();
    }

    /** Removes held invocations that {@code gone} says go; returns their pendings. */
    private List<Pending> removeHeld(java.util.function.Predicate<Pending> gone) {
        List<Pending> removed = new ArrayList<>();
        for (var it = held.values().iterator(); it.hasNext();) {
            java.util.TreeMap<Long, QueuedInvocation> h = it.next();
            for (var e = h.entrySet().iterator(); e.hasNext();) {
                Pending p = waiting.get(e.next().getKey());
                if (gone.test(p)) {
                    e.remove();
                    heldCount--;
                    removed.add(waiting.remove(p.queued.sequence()));
                }
            }
            if (h.isEmpty()) {
                it.remove();
            }
        }
        return removed;
    }

    /** Takes the {@link #head} out of the queue: it starts now. Call under the lock. */
    void take(Pending head) {
        assert lock.held();
        QueuedInvocation q = queue.poll();
        waiting.remove(q.sequence());
        head.dequeuedNanos = clock.nanoTime();
    }

    /**
     * Takes the registration's waiting invocations out of the queue (to be cancelled); the others keep their places.
     * Call under the lock.
     */
    List<Pending> removeAll(Registration gone) {
        assert lock.held();
        List<Pending> removed = removeHeld(p -> p.registration == gone);
        for (QueuedInvocation q : queue == null ? List.<QueuedInvocation>of() : queue.drain()) {
            if (waiting.get(q.sequence()).registration == gone) {
                removed.add(waiting.remove(q.sequence()));
            } else {
                queue.offer(q); // drain() is in arrival order: the others keep theirs
            }
        }
        return removed;
    }

    /**
     * Binds the waiting invocations of a replaced registration to the one that replaced it: they keep their places in
     * the queue (which is not touched: a policy keeps its own state) and run in containers of the new one. Their
     * payloads stay as merged at admission. Call under the lock.
     *
     * @return how many moved
     */
    int rebind(Registration old, Registration next) {
        assert lock.held();
        int moved = 0;
        for (var e : waiting.entrySet()) {
            Pending p = e.getValue();
            if (p.registration == old) {
                Pending np = p.rebound(next);
                np.queued = p.queued;
                e.setValue(np);
                moved++;
            }
        }
        return moved;
    }

    /**
     * Puts an invocation that left the queue but never reached a container (its container was still starting when
     * the function was updated) back in the queue, bound to {@code next}, with its first place in the arrival order.
     *
     * @return false when the worker is closed (the caller cancels it)
     */
    boolean requeue(Pending p, Registration next) {
        lock.lock();
        try {
            if (closed || queue == null) {
                return false;
            }
            Pending np = p.rebound(next);
            QueuedInvocation q = p.queued;
            np.queued = new QueuedInvocation(q.invocation(), next.spec(), q.sequence(), q.enqueuedNanos(),
                    containers.warm(next) != null);
            waiting.put(q.sequence(), np);
            queue.offer(np.queued);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Admits nothing from now on and takes every waiting invocation out (to be cancelled). Call under the lock. */
    List<Pending> close() {
        assert lock.held();
        closed = true;
        List<Pending> removed = removeHeld(p -> true);
        for (QueuedInvocation q : queue == null ? List.<QueuedInvocation>of() : queue.drain()) {
            removed.add(waiting.remove(q.sequence()));
        }
        return removed;
    }

    /** Moves every waiting invocation into a queue of the newly active policy: none lost, none twice. */
    void swap(QueuePolicy policy) {
        lock.lock();
        try {
            InvocationQueue next = policy.newQueue(context);
            if (queue != null) {
                for (QueuedInvocation q : queue.drain()) {
                    next.offer(q);
                }
            }
            queue = next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * What waits, in arrival order, as each was offered to the queue (for the estimate). The queue itself is not
     * touched: a policy that keys or accounts at offer time (sjf, edf, mqfq) would change its order if offered again.
     * Call under the lock.
     */
    List<QueuedInvocation> waiting() {
        assert lock.held();
        return waiting.values().stream().map(p -> p.queued)
                .sorted(java.util.Comparator.comparingLong(QueuedInvocation::sequence)).toList();
    }

    /** A new, empty queue of the active queue policy (the estimate's model queue). Call under the lock. */
    InvocationQueue modelQueue() {
        assert lock.held();
        return registry.active(QueuePolicy.class).newQueue(context);
    }

    /** How many invocations wait. Call under the lock. */
    int size() {
        assert lock.held();
        return (queue == null ? 0 : queue.size()) + heldCount;
    }
}
