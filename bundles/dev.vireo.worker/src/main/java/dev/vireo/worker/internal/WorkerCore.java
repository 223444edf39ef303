package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerUsage;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.worker.internal.ContainerPool.Container;
import dev.vireo.worker.internal.FunctionTable.Registration;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The invocation pipeline: admission into a bounded queue ordered by the active queue policy, resources from every
 * active tracker, a warm container or a new one (evicting idle containers the keep-alive policy gives up), the call
 * through the function's transport, and a record with timings.
 *
 * <p>One lock guards the queue, the pool and the counters; container creation and invocations run outside it on the
 * scheduler and come back through callbacks. Nothing here reads the wall clock or makes threads.
 */
final class WorkerCore implements WorkerService, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WorkerCore.class.getName());
    /** Extra time past a function's timeout before the worker stops waiting for a transport that never answers. */
    private static final Duration GUARD = Duration.ofMillis(200);

    private final PluginRegistry registry;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private volatile WorkerOptions options;
    private final FunctionTable functions;
    private final StatsBook stats = new StatsBook();
    private final Resources resources;
    private final AsyncResults async;
    private final WorkerLock lock = new WorkerLock();
    private final Map<Long, Pending> waiting = new HashMap<>();
    private final ContainerLifecycle containers;
    private final MemoryWatch memory;
    private final TransactionIds tids;
    private final List<Cancellable> tasks = new ArrayList<>();
    private final AutoCloseable listener;
    private InvocationQueue queue;
    private long sequence;
    private int running;
    private boolean closed;

    private final WorkerMetrics metrics;
    private final Ticker keepAliveTicker;
    private final Ticker memoryTicker;

    WorkerCore(PluginRegistry registry, Clock clock, TaskScheduler scheduler, WorkerOptions options,
            io.micrometer.core.instrument.MeterRegistry meters) {
        this(registry, clock, scheduler, options, meters, HostMemory.PROC);
    }

    WorkerCore(PluginRegistry registry, Clock clock, TaskScheduler scheduler, WorkerOptions options,
            io.micrometer.core.instrument.MeterRegistry meters, HostMemory host) {
        this.registry = registry;
        this.clock = clock;
        this.scheduler = scheduler;
        this.options = options;
        this.tids = new TransactionIds(options.name());
        this.functions = new FunctionTable(registry, options.maxFunctions());
        this.resources = new Resources(registry);
        this.async = new AsyncResults(clock, options.asyncRetention());
        this.metrics = new WorkerMetrics(meters, options.name(), this::status);
        this.policyContext = new PolicyContext(clock, stats);
        this.containers = new ContainerLifecycle(registry, clock, scheduler, lock, options.name(), functions, resources,
                policyContext, metrics, tids, this::pump);
        this.memory = new MemoryWatch(registry, scheduler, functions, stats, containers, metrics, tids, host,
                () -> this.options, this::pump);
        this.listener = registry.addListener((point, before, after) -> {
            if (point == ExtensionPoint.QUEUE) {
                swapQueue();
            } else if (point == ExtensionPoint.KEEPALIVE) {
                swapKeepAlive();
            }
        });
        keepAliveTicker = new Ticker(scheduler, containers::evictExpired, options.keepAliveCheck());
        memoryTicker = new Ticker(scheduler, memory::tick, options.memorySample());
        tasks.addAll(List.of(keepAliveTicker, memoryTicker));
        scheduler.execute(containers::reclaimLeftovers);
        tasks.add(scheduler.scheduleAtFixedRate(async::expire, Duration.ofSeconds(1)));
    }

    private final PolicyContext policyContext;

    // ---- registration ------------------------------------------------------------------------------------------

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        Registration r = functions.register(spec);
        LOG.log(Level.INFO, "registered " + r.id() + " (generation " + r.generation() + ") on backend "
                + r.spec().backend() + " via " + r.spec().transport());
        return r.spec();
    }

    /**
     * Ends the function's current registration: its idle containers are destroyed now, its busy ones when their
     * invocations finish, the ones still starting when they are ready (never pooled), and its queued invocations are
     * cancelled. A registration under the same id later is a new one and shares nothing with this.
     */
    @Override
    public void unregister(String functionId) {
        Registration gone = functions.remove(functionId);
        List<Container> idle;
        List<Pending> cancelled = new ArrayList<>();
        lock.lock();
        try {
            idle = containers.retire(gone);
            for (QueuedInvocation q : queue == null ? List.<QueuedInvocation>of() : queue.drain()) {
                if (waiting.get(q.sequence()).registration == gone) {
                    cancelled.add(waiting.remove(q.sequence()));
                } else {
                    queue.offer(q); // drain() is in arrival order: the others keep theirs
                }
            }
        } finally {
            lock.unlock();
        }
        String tid = "unregister-" + functionId;
        idle.forEach(c -> containers.destroy(c, tid));
        cancelled.forEach(p -> cancel(p, true, "function " + functionId + " was unregistered before the invocation ran"));
        stats.remove(functionId);
        LOG.log(Level.INFO, "[" + tid + "] unregistered " + functionId + " (generation " + gone.generation()
                + "), destroyed " + idle.size() + " idle containers, cancelled " + cancelled.size() + " queued invocations");
        pump();
    }

    @Override
    public List<FunctionSpec> functions() {
        return functions.list();
    }

    // ---- invocation --------------------------------------------------------------------------------------------

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        return admit(tids.orNew(tid), functionId, payload).future;
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        String id = tids.orNew(tid);
        if (!async.reserve(id)) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "transaction id '" + id + "' is already in use");
        }
        try {
            async.track(id, admit(id, functionId, payload).future);
            return id;
        } catch (RuntimeException e) {
            async.release(id);
            throw e;
        }
    }

    @Override
    public AsyncResult result(String id) {
        return async.get(id);
    }

    private Pending admit(String tid, String functionId, String payload) {
        try {
            return admitOrThrow(tid, functionId, payload);
        } catch (WorkerException e) {
            metrics.rejected(functionId, e.kind().name());
            throw e;
        }
    }

    private Pending admitOrThrow(String tid, String functionId, String payload) {
        long now = clock.nanoTime();
        Invocation invocation = new Invocation(tid, functionId, payload, now);
        Registration r = functions.get(functionId);
        Pending p = new Pending(invocation, r, clock.now());
        lock.lock();
        try {
            if (closed) {
                throw new WorkerException(ErrorKind.CANCELLED, "worker " + options.name() + " is shutting down");
            }
            if (!functions.current(r)) { // unregistered since: unregister() cancels what it finds queued, not this
                throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
            }
            ensurePolicies();
            if (queue.size() >= options.queueCapacity()) {
                throw new WorkerException(ErrorKind.OVERLOADED, "worker overloaded: " + queue.size()
                        + " invocations queued (queue.capacity " + options.queueCapacity() + "); retry later");
            }
            long seq = ++sequence;
            waiting.put(seq, p);
            queue.offer(new QueuedInvocation(invocation, r.spec(), seq, now, containers.warm(r) != null));
            stats.arrived(functionId, now); // under the lock: unregister() removes the statistics after it
        } finally {
            lock.unlock();
        }
        LOG.log(Level.DEBUG, () -> "[" + tid + "] admitted " + functionId);
        pump();
        return p;
    }

    /**
     * Creates the queue and the keep-alive index from the active policies the first time they are needed, so the
     * worker does not depend on the order in which bundles start. Call under the lock.
     */
    private void ensurePolicies() {
        try {
            if (queue == null) {
                queue = registry.active(QueuePolicy.class).newQueue(policyContext);
            }
            containers.ensureIndex();
        } catch (RuntimeException e) {
            throw new WorkerException(ErrorKind.INTERNAL, "worker " + options.name() + " is not ready: " + e.getMessage());
        }
    }

    /**
     * Applies a changed configuration: every option at once, the periods of the keep-alive check and of memory
     * sampling included, except the name. The name labels this worker's containers (reclaimed by it after a crash),
     * records and metrics, so it keeps its value until a restart.
     */
    void reconfigure(WorkerOptions next) {
        String name = options.name();
        if (!next.name().equals(name)) {
            LOG.log(Level.WARNING, "worker " + name + " keeps its name until a restart; '" + next.name() + "' is ignored");
        }
        options = next.named(name);
        async.retention(next.asyncRetention());
        functions.max(next.maxFunctions());
        keepAliveTicker.period(next.keepAliveCheck());
        memoryTicker.period(next.memorySample());
        pump();
    }

    /** Starts every queued invocation that can start now, in the queue policy's order. */
    private void pump() {
        List<Runnable> starts = new ArrayList<>();
        lock.lock();
        try {
            while (!closed && queue != null) {
                QueuedInvocation head = queue.peek();
                if (head == null) {
                    break;
                }
                Pending p = waiting.get(head.sequence());
                FunctionSpec fn = p.function;
                Optional<Resources.Grants> slot = resources.acquire(Resources.slotRequest(fn, p.tid()));
                if (slot.isEmpty()) {
                    break;
                }
                Container warm = containers.warm(p.registration);
                if (warm != null) {
                    dequeue(p);
                    containers.use(warm);
                    ContainerState state = warm.prewarmed && warm.uses == 1 ? ContainerState.PREWARM : ContainerState.WARM;
                    starts.add(() -> call(p, warm, slot.get(), state));
                    continue;
                }
                Optional<Resources.Grants> space = containers.reserve(fn, p.tid(), starts);
                if (space.isEmpty()) {
                    slot.get().release();
                    break;
                }
                dequeue(p);
                starts.add(() -> coldStart(p, space.get(), slot.get()));
            }
        } finally {
            lock.unlock();
        }
        starts.forEach(scheduler::execute);
    }

    private void dequeue(Pending p) {
        QueuedInvocation q = queue.poll();
        waiting.remove(q.sequence());
        running++;
        p.dequeuedNanos = clock.nanoTime();
    }

    private void coldStart(Pending p, Resources.Grants space, Resources.Grants slot) {
        containers.create(p.registration, p.tid(), space).whenComplete((c, error) -> {
            if (error == null && containers.adopt(c, p.tid(), false)) {
                call(p, c, slot, ContainerState.COLD);
                return;
            }
            lock.lock();
            try {
                running--;
            } finally {
                lock.unlock();
            }
            slot.release();
            if (error == null) {
                cancel(p, false, "function " + p.function.id() + " was unregistered while its container started");
            } else {
                space.release();
                p.acquiredNanos = clock.nanoTime();
                finish(p, null, ContainerState.COLD, 0, 0, 0, null, Failures.startFailed(p.function, error));
            }
            pump();
        });
    }

    /** Sends the invocation to the container's agent. */
    private void call(Pending p, Container c, Resources.Grants slot, ContainerState state) {
        p.acquiredNanos = clock.nanoTime();
        AgentChannel ch;
        try {
            ch = containers.channel(c, p.tid());
        } catch (IOException | RuntimeException e) {
            done(p, c, null, slot, state, p.acquiredNanos, null, e);
            return;
        }
        long sent = clock.nanoTime();
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
            done(p, c, ch, slot, state, sent, r, error);
        });
    }

    private void done(Pending p, Container c, AgentChannel ch, Resources.Grants slot, ContainerState state, long sent,
            AgentReply reply, Throwable error) {
        long end = clock.nanoTime();
        boolean containerOk = error == null;
        InvocationError failure = null;
        long executionUs = 0;
        String result = "";
        if (error != null) {
            failure = Failures.callFailed(error, p.function, c.id(), () -> containers.diagnose(c));
        } else {
            executionUs = Math.max(0, reply.durationUs());
            if (reply.success()) {
                result = reply.result();
            } else {
                failure = Failures.userError(reply);
            }
        }
        long roundTripUs = (end - sent) / 1_000;
        List<Container> destroyNow = new ArrayList<>();
        lock.lock();
        try {
            running--;
            if (containers.release(c, ch, containerOk)) {
                destroyNow.add(c);
            }
        } finally {
            lock.unlock();
        }
        slot.release();
        destroyNow.forEach(x -> containers.destroy(x, p.tid()));
        if (failure != null && failure.kind() != ErrorKind.USER_ERROR) {
            LOG.log(Level.WARNING, "[" + p.tid() + "] " + failure.message());
        }
        finish(p, c, state, state == ContainerState.COLD ? c.coldStartUs : 0, executionUs,
                Math.max(0, roundTripUs - executionUs), result, failure);
        if (containerOk) {
            memory.afterInvocation(c, end);
        }
        pump();
    }

    private void finish(Pending p, Container c, ContainerState state, long coldUs, long executionUs, long transportUs,
            String result, InvocationError failure) {
        long end = clock.nanoTime();
        long arrival = p.invocation.arrivalNanos();
        Timings timings = new Timings((p.dequeuedNanos - arrival) / 1_000, (p.acquiredNanos - p.dequeuedNanos) / 1_000,
                coldUs, transportUs, executionUs, (end - arrival) / 1_000);
        InvocationRecord record = new InvocationRecord(p.tid(), p.function.id(), options.name(), p.function.backend(),
                c == null && failure != null ? Optional.empty() : Optional.of(state), p.arrival, timings, result,
                Optional.ofNullable(failure));
        if (c != null && functions.current(p.registration)) { // a registration that is gone keeps no statistics
            stats.completed(record, 0);
        }
        metrics.record(record);
        p.future.complete(record);
    }

    /** Ends an invocation that never reached a container as CANCELLED: taken out of the queue, or its start undone. */
    private void cancel(Pending p, boolean queued, String why) {
        p.acquiredNanos = clock.nanoTime();
        if (queued) {
            p.dequeuedNanos = p.acquiredNanos;
        }
        LOG.log(Level.DEBUG, () -> "[" + p.tid() + "] cancelled: " + why);
        finish(p, null, ContainerState.COLD, 0, 0, 0, null, InvocationError.of(ErrorKind.CANCELLED, why));
    }

    // ---- prewarm and keep-alive --------------------------------------------------------------------------------

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        if (count < 1 || count > 1_000) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "prewarm count " + count + " is out of range [1, 1000]");
        }
        Registration r = functions.get(functionId);
        String tid = tids.next();
        lock.lock();
        try {
            ensurePolicies();
        } finally {
            lock.unlock();
        }
        return containers.prewarm(r, count, tid);
    }

    // ---- policy swaps ------------------------------------------------------------------------------------------

    /** The active plugin of a single point, or empty (logged) when there is none: the current one then stays. */
    private <T> Optional<T> activeOrKeep(Class<T> type, String what) {
        try {
            return Optional.of(registry.active(type));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, what + " unavailable, keeping the current one: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Moves every waiting invocation into a queue of the newly active policy: none lost, none twice. */
    void swapQueue() {
        activeOrKeep(QueuePolicy.class, "queue policy").ifPresent(policy -> {
            lock.lock();
            try {
                InvocationQueue next = policy.newQueue(policyContext);
                if (queue != null) {
                    for (QueuedInvocation q : queue.drain()) {
                        next.offer(q);
                    }
                }
                queue = next;
            } finally {
                lock.unlock();
            }
            pump();
        });
    }

    /** A new keep-alive index from the newly active policy, filled with every container. */
    void swapKeepAlive() {
        activeOrKeep(KeepAlivePolicy.class, "keep-alive policy").ifPresent(policy -> {
            containers.swapKeepAlive(policy);
        });
    }

    // ---- status and shutdown -----------------------------------------------------------------------------------

    @Override
    public WorkerStatus status() {
        List<ResourceUsage> usages = registry.activeAll(ResourceTracker.class).values().stream()
                .map(ResourceTracker::usage).toList();
        long limit = usages.stream().filter(u -> u.resource().equals("memory")).mapToLong(u -> (long) u.capacity())
                .sum();
        Map<String, String> policies = new java.util.TreeMap<>();
        for (ExtensionPoint p : List.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE)) {
            policies.put(p.id(), String.join(",", registry.selection(p).effective()));
        }
        lock.lock();
        try {
            ContainerPool.Census c = containers.census();
            return new WorkerStatus(options.name(), queue == null ? 0 : queue.size(), options.queueCapacity(), running,
                    functions.size(), c.busy(), c.idle(), c.runningMb(), c.cachedMb(), c.runningUsedBytes() >> 20,
                    c.cachedUsedBytes() >> 20, limit, c.backends(), policies, usages, stats.all());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        List<Pending> cancelled = new ArrayList<>();
        List<Container> all;
        lock.lock();
        try {
            closed = true;
            for (QueuedInvocation q : queue == null ? List.<QueuedInvocation>of() : queue.drain()) {
                cancelled.add(waiting.remove(q.sequence()));
            }
            all = containers.removeAll();
        } finally {
            lock.unlock();
        }
        tasks.forEach(Cancellable::cancel);
        try {
            listener.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "removing the selection listener failed: " + e.getMessage());
        }
        cancelled.forEach(p -> cancel(p, true, "worker " + options.name() + " shut down"));
        String tid = tids.next();
        all.forEach(c -> containers.destroy(c, tid));
    }
}
