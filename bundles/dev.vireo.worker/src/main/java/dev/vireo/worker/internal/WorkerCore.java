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
    private final ContainerPool pool;
    private final TransactionIds tids;
    private final AtomicLong containerIds = new AtomicLong();
    private final List<Cancellable> tasks = new ArrayList<>();
    private final AutoCloseable listener;
    private InvocationQueue queue;
    private long sequence;
    private int running;
    private boolean closed;

    private final WorkerMetrics metrics;
    private final HostMemory host;
    private final Ticker keepAliveTicker;
    private final Ticker memoryTicker;

    WorkerCore(PluginRegistry registry, Clock clock, TaskScheduler scheduler, WorkerOptions options,
            io.micrometer.core.instrument.MeterRegistry meters) {
        this(registry, clock, scheduler, options, meters, HostMemory.PROC);
    }

    WorkerCore(PluginRegistry registry, Clock clock, TaskScheduler scheduler, WorkerOptions options,
            io.micrometer.core.instrument.MeterRegistry meters, HostMemory host) {
        this.host = host;
        this.registry = registry;
        this.clock = clock;
        this.scheduler = scheduler;
        this.options = options;
        this.tids = new TransactionIds(options.name());
        this.functions = new FunctionTable(registry, options.maxFunctions());
        this.resources = new Resources(registry);
        this.async = new AsyncResults(clock, options.asyncRetention());
        this.metrics = new WorkerMetrics(meters, options.name(), this::status);
        this.pool = new ContainerPool(clock);
        this.policyContext = new PolicyContext(clock, stats);
        this.listener = registry.addListener((point, before, after) -> {
            if (point == ExtensionPoint.QUEUE) {
                swapQueue();
            } else if (point == ExtensionPoint.KEEPALIVE) {
                swapKeepAlive();
            }
        });
        keepAliveTicker = new Ticker(scheduler, this::evictExpired, options.keepAliveCheck());
        memoryTicker = new Ticker(scheduler, this::memoryTick, options.memorySample());
        tasks.addAll(List.of(keepAliveTicker, memoryTicker));
        scheduler.execute(this::reclaimLeftovers);
        tasks.add(scheduler.scheduleAtFixedRate(async::expire, Duration.ofSeconds(1)));
    }

    private final PolicyContext policyContext;

    /** Removes containers an earlier run of this worker left behind (it died before it could). */
    private void reclaimLeftovers() {
        registry.activeAll(ContainerBackend.class).forEach((name, backend) -> {
            try {
                int n = backend.reclaim(options.name());
                if (n > 0) {
                    LOG.log(Level.INFO, "reclaimed " + n + " leftover containers of " + options.name() + " on " + name);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "reclaim on " + name + " failed: " + e.getMessage());
            }
        });
    }

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
            idle = pool.retire(gone);
            idle.forEach(this::removeLocked);
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
        idle.forEach(c -> destroy(c, tid));
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
            queue.offer(new QueuedInvocation(invocation, r.spec(), seq, now, pool.warm(r) != null));
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
            if (!pool.indexed()) {
                pool.reindex(registry.active(KeepAlivePolicy.class).newIndex(policyContext));
            }
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
                Container warm = pool.warm(p.registration);
                if (warm != null) {
                    dequeue(p);
                    pool.use(warm);
                    ContainerState state = warm.prewarmed && warm.uses == 1 ? ContainerState.PREWARM : ContainerState.WARM;
                    starts.add(() -> call(p, warm, slot.get(), state));
                    continue;
                }
                Optional<Resources.Grants> space = reserveContainer(fn, p.tid(), starts);
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

    /**
     * Reserves resources for a new container, evicting idle containers the keep-alive policy gives up if needed.
     * Destruction of the victims is added to {@code after} (run outside the lock). Call under the lock.
     */
    private Optional<Resources.Grants> reserveContainer(FunctionSpec fn, String tid, List<Runnable> after) {
        ResourceRequest request = Resources.containerRequest(fn, tid);
        Optional<Resources.Grants> grants = resources.acquire(request);
        if (grants.isPresent()) {
            return grants;
        }
        List<Container> victims = pool.victims(fn.memoryMb());
        if (victims.isEmpty()) {
            return Optional.empty();
        }
        for (Container v : victims) {
            removeLocked(v);
            after.add(() -> destroy(v, tid));
        }
        LOG.log(Level.DEBUG, () -> "[" + tid + "] evicted " + victims.size() + " idle containers for " + fn.id());
        metrics.evicted("capacity", victims.size());
        return resources.acquire(request);
    }

    /** Takes a container out of the pool and returns its resources at once. Call under the lock. */
    private void removeLocked(Container c) {
        if (pool.remove(c)) {
            c.grants.release();
        }
    }

    private void coldStart(Pending p, Resources.Grants space, Resources.Grants slot) {
        create(p.registration, p.tid(), space).whenComplete((c, error) -> {
            if (error == null && adopt(c, p.tid(), false)) {
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

    /**
     * Pools a container that just started (in use for its first invocation unless {@code prewarmed}) if the
     * registration it was created for is still its function's current one. Otherwise the function was unregistered
     * (or registered again) while it started: it is destroyed and its resources returned, never pooled, never used.
     */
    private boolean adopt(Container c, String tid, boolean prewarmed) {
        lock.lock();
        try {
            if (functions.current(c.registration)) {
                c.prewarmed = prewarmed;
                pool.add(c);
                if (!prewarmed) {
                    pool.use(c);
                }
                return true;
            }
        } finally {
            lock.unlock();
        }
        LOG.log(Level.INFO, "[" + tid + "] " + c.id() + " started for generation " + c.registration.generation()
                + " of " + c.function.id() + ", which is gone: destroyed");
        c.grants.release();
        destroy(c, tid);
        return false;
    }

    /** Creates a container: transport binding, backend creation, first channel. Fails leaving nothing behind. */
    private CompletableFuture<Container> create(Registration r, String tid, Resources.Grants grants) {
        FunctionSpec fn = r.spec();
        long start = clock.nanoTime();
        String id = options.name() + "-" + fn.name() + "-" + Long.toString(containerIds.incrementAndGet(), 36);
        AgentTransport transport;
        ContainerBackend backend;
        TransportBinding binding;
        try {
            transport = registry.get(AgentTransport.class, fn.transport());
            backend = registry.get(ContainerBackend.class, fn.backend());
            binding = transport.bind(id, tid);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Map<String, String> labels = Map.of("vireo.worker", options.name(), "vireo.function", fn.id());
        return backend.create(new ContainerRequest(id, tid, fn, options.name(), binding, labels, grants.devices()))
                .toCompletableFuture()
                .handle((handle, error) -> {
                    if (error != null) {
                        transport.unbind(binding);
                        throw new CompletionException(Failures.unwrap(error));
                    }
                    AgentChannel first;
                    try {
                        first = transport.open(handle.endpoint(), tid);
                    } catch (IOException | RuntimeException e) {
                        backend.destroy(handle, tid);
                        transport.unbind(binding);
                        throw new CompletionException(new IOException("agent of " + id + " not reachable: " + e.getMessage(), e));
                    }
                    // the cold start ends when the agent said it is ready, not when the backend said it runs
                    Container c = new Container(handle, r, transport, binding, grants, clock.nanoTime(),
                            (clock.nanoTime() - start) / 1_000);
                    c.idleChannels.add(first);
                    LOG.log(Level.DEBUG, () -> "[" + tid + "] container " + id + " ready in " + c.coldStartUs + " us");
                    return c;
                });
    }

    /** Sends the invocation to the container's agent. */
    private void call(Pending p, Container c, Resources.Grants slot, ContainerState state) {
        p.acquiredNanos = clock.nanoTime();
        AgentChannel channel;
        lock.lock();
        try {
            channel = c.idleChannels.poll();
        } finally {
            lock.unlock();
        }
        if (channel == null) {
            try {
                channel = c.transport.open(c.handle.endpoint(), p.tid());
            } catch (IOException | RuntimeException e) {
                done(p, c, null, slot, state, p.acquiredNanos, null, e);
                return;
            }
        }
        AgentChannel ch = channel;
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
            failure = Failures.callFailed(error, p.function, c.id(), () -> diagnose(c));
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
            if (containerOk) {
                c.idleChannels.push(ch);
                if (pool.release(c) && c.retired) {
                    removeLocked(c);
                    destroyNow.add(c);
                }
            } else {
                if (ch != null) {
                    ch.close();
                }
                c.inUse--;
                removeLocked(c);
                destroyNow.add(c);
            }
        } finally {
            lock.unlock();
        }
        slot.release();
        destroyNow.forEach(x -> destroy(x, p.tid()));
        if (failure != null && failure.kind() != ErrorKind.USER_ERROR) {
            LOG.log(Level.WARNING, "[" + p.tid() + "] " + failure.message());
        }
        finish(p, c, state, state == ContainerState.COLD ? c.coldStartUs : 0, executionUs,
                Math.max(0, roundTripUs - executionUs), result, failure);
        if (containerOk && end - c.measuredNanos >= options.memorySample().toNanos()) {
            // after the record is out, so the cgroup read stays off the invocation's path; a busy container at most
            // once per memory.sample.ms (its first invocation always)
            c.measuredNanos = end;
            scheduler.execute(() -> measure(c, true));
        }
        pump();
    }

    /** Reads a container's memory from its backend (its cgroup); {@code after}: also feeds the function's stats. */
    private void measure(Container c, boolean after) {
        ContainerUsage u;
        try {
            u = registry.get(ContainerBackend.class, c.function.backend()).usage(c.handle);
        } catch (RuntimeException e) {
            return;
        }
        if (u.memoryBytes() > 0) {
            if (after && functions.current(c.registration)) {
                stats.memory(c.function.id(), u.memoryBytes() / (1024.0 * 1024.0));
            }
            c.memoryBytes = u.memoryBytes(); // last: whoever sees it sees the statistics too
        }
    }

    /**
     * Every memory.sample.ms: reads the containers in a running invocation (long invocations are measured while they
     * run; idle containers are never read), then evicts idle containers if the host is short of memory.
     */
    private void memoryTick() {
        List<Container> busy;
        lock.lock();
        try {
            busy = pool.all().stream().filter(c -> c.inUse > 0).toList();
        } finally {
            lock.unlock();
        }
        busy.forEach(c -> measure(c, false));
        evictUnderPressure();
    }

    /** Below memory.pressure.free.percent of the host's memory available: evict idle containers in keep-alive order. */
    void evictUnderPressure() {
        int percent = options.pressureFreePercent();
        HostMemory.Reading r = percent == 0 ? null : host.read();
        if (r == null || r.availableMb() * 100 >= r.totalMb() * percent) {
            return;
        }
        long needMb = r.totalMb() * percent / 100 - r.availableMb();
        List<Container> victims;
        lock.lock();
        try {
            victims = pool.victims(needMb);
            victims.forEach(this::removeLocked);
        } finally {
            lock.unlock();
        }
        if (!victims.isEmpty()) {
            String tid = tids.next();
            LOG.log(Level.WARNING, "[" + tid + "] host memory pressure: " + r.availableMb() + " MB available of "
                    + r.totalMb() + " MB (below " + percent + " %): evicting " + victims.size() + " idle containers");
            metrics.evicted("memory-pressure", victims.size());
            victims.forEach(c -> destroy(c, tid));
            pump();
        }
    }

    /** The backend's account of why a container died, if it has one. */
    private Optional<String> diagnose(Container c) {
        try {
            return registry.get(ContainerBackend.class, c.function.backend()).failure(c.handle);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
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

    private void destroy(Container c, String tid) {
        for (AgentChannel ch : c.idleChannels) {
            ch.close();
        }
        c.idleChannels.clear();
        try {
            registry.get(ContainerBackend.class, c.function.backend()).destroy(c.handle, tid)
                    .whenComplete((v, e) -> {
                        c.transport.unbind(c.binding);
                        if (e != null) {
                            LOG.log(Level.WARNING, "[" + tid + "] destroying " + c.id() + " failed: " + Failures.message(e));
                        }
                    });
        } catch (RuntimeException e) {
            c.transport.unbind(c.binding);
            LOG.log(Level.WARNING, "[" + tid + "] destroying " + c.id() + " failed: " + Failures.message(e));
        }
    }

    // ---- prewarm and keep-alive --------------------------------------------------------------------------------

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        if (count < 1 || count > 1_000) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "prewarm count " + count + " is out of range [1, 1000]");
        }
        Registration r = functions.get(functionId);
        FunctionSpec fn = r.spec();
        String tid = tids.next();
        List<CompletableFuture<Boolean>> started = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            ensurePolicies();
            for (int i = 0; i < count; i++) {
                Optional<Resources.Grants> space = reserveContainer(fn, tid, after);
                if (space.isEmpty()) {
                    break;
                }
                started.add(create(r, tid, space.get()).handle((c, error) -> {
                    if (error != null) {
                        space.get().release();
                        LOG.log(Level.WARNING, "[" + tid + "] prewarm of " + functionId + " failed: " + Failures.message(error));
                    }
                    return error == null && adopt(c, tid, true);
                }));
            }
        } finally {
            lock.unlock();
        }
        after.forEach(scheduler::execute);
        return CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            pump();
            return (int) started.stream().filter(CompletableFuture::join).count();
        });
    }

    private void evictExpired() {
        List<Container> expired;
        lock.lock();
        try {
            expired = pool.expired();
            expired.forEach(this::removeLocked);
        } finally {
            lock.unlock();
        }
        if (!expired.isEmpty()) {
            String tid = tids.next();
            LOG.log(Level.DEBUG, () -> "[" + tid + "] keep-alive expired " + expired.size() + " containers");
            metrics.evicted("keepalive", expired.size());
            expired.forEach(c -> destroy(c, tid));
            pump();
        }
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
            lock.lock();
            try {
                pool.reindex(policy.newIndex(policyContext));
            } finally {
                lock.unlock();
            }
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
            ContainerPool.Census c = pool.census();
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
        List<Container> containers;
        lock.lock();
        try {
            closed = true;
            for (QueuedInvocation q : queue == null ? List.<QueuedInvocation>of() : queue.drain()) {
                cancelled.add(waiting.remove(q.sequence()));
            }
            containers = pool.all();
            containers.forEach(this::removeLocked);
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
        containers.forEach(c -> destroy(c, tid));
    }
}
