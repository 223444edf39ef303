package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.worker.internal.ContainerPool.Container;
import dev.vireo.worker.internal.FunctionTable.Registration;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker's containers from creation to destruction: creating one for a registration (transport binding, backend,
 * first channel), pooling it only while its registration is current, lending it and its channels to invocations,
 * evicting idle ones (for capacity, when their keep-alive runs out, under memory pressure), retiring a registration's
 * containers when it goes, prewarming, taking back the containers an earlier run of the worker left running
 * ({@link #takeBack}, see {@link Survivors}) and reclaiming the rest.
 *
 * <p>Locking: the {@link ContainerPool}, the keep-alive index in it and the mutable state of each container are
 * guarded by the {@link WorkerLock}. Methods that say "call under the lock" assert it and leave destruction to the
 * caller (after it released the lock); the others take the lock themselves and call backends and transports outside
 * it. A container's resources go back the moment it leaves the pool ({@link #removeLocked}), its destruction follows.
 * {@link #containerIds} is atomic.
 */
final class ContainerLifecycle {
    private static final System.Logger LOG = System.getLogger(ContainerLifecycle.class.getName());
    /**
     * The label naming the registration a container was made for ({@link FunctionStore#fingerprint}): after a restart
     * only a container of the very registration restored is taken back.
     */
    static final String SPEC_LABEL = "vireo.spec";

    private final PluginRegistry registry;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final WorkerLock lock;
    private final String worker;
    private final FunctionTable functions;
    private final Resources resources;
    private final PolicyContext context;
    private final WorkerMetrics metrics;
    private final TransactionIds tids;
    private final CpuWait cpuWait;
    /** Starts what can start now; run after containers were freed. */
    private final Runnable pump;
    /** Guarded by {@link #lock}. */
    private final ContainerPool pool;
    private final AtomicLong containerIds = new AtomicLong();
    /** {@link #fingerprint(Registration)}s, forgotten with their registrations. */
    private final Map<Registration, String> fingerprints = java.util.Collections.synchronizedMap(
            new java.util.WeakHashMap<>());

    ContainerLifecycle(PluginRegistry registry, Clock clock, TaskScheduler scheduler, WorkerLock lock, String worker,
            FunctionTable functions, Resources resources, PolicyContext context, WorkerMetrics metrics,
            TransactionIds tids, CpuWait cpuWait, Runnable pump) {
        this.registry = registry;
        this.clock = clock;
        this.scheduler = scheduler;
        this.lock = lock;
        this.worker = worker;
        this.functions = functions;
        this.resources = resources;
        this.context = context;
        this.metrics = metrics;
        this.tids = tids;
        this.cpuWait = cpuWait;
        this.pump = pump;
        this.pool = new ContainerPool(clock);
        // each run numbers its containers from its start time (in thousandths of a millisecond): never an id of an
        // earlier run's container, which may still run and be taken back
        this.containerIds.set(Math.max(0, clock.now().toEpochMilli()) * 1_000);
    }

    /**
     * What a container is labelled with ({@link #SPEC_LABEL}): the stored registration's fingerprint and the state of
     * its code folder ({@link CodeState}): a container is taken back only for the same registration and code.
     */
    static String fingerprint(FunctionSpec fn) {
        String code = CodeState.of(fn.codeDir());
        return FunctionStore.fingerprint(fn) + (code.isEmpty() ? "" : "-" + code);
    }

    /**
     * The fingerprint of a registration's containers, computed once per registration (not per cold start: the code
     * folder is walked once). Code edited after the registration only makes its containers look older than they are
     * after a restart: not taken back, never taken back wrongly.
     */
    private String fingerprint(Registration r) {
        return fingerprints.computeIfAbsent(r, k -> fingerprint(k.spec()));
    }

    /** The labels of a registration's containers, made or taken back: the worker, the function, its fingerprint. */
    private Map<String, String> labels(Registration r) {
        return Map.of("vireo.worker", worker, "vireo.function", r.id(), SPEC_LABEL, fingerprint(r));
    }

    /** A container id an earlier run made: this run's sequence goes past it (its ids never repeat one). */
    void seen(String id) {
        int dash = id.lastIndexOf('-');
        try {
            long sequence = Long.parseLong(id.substring(dash + 1), 36);
            containerIds.accumulateAndGet(sequence, Math::max);
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            // not one of the ids the worker makes: nothing to go past
        }
    }

    /**
     * Removes containers an earlier run of this worker left behind (it died before it could), but those taken back
     * (the backends leave the containers they hold alone).
     */
    void reclaimLeftovers() {
        registry.activeAll(ContainerBackend.class).forEach((name, backend) -> {
            try {
                int n = backend.reclaim(worker);
                if (n > 0) {
                    LOG.log(Level.INFO, "reclaimed " + n + " leftover containers of " + worker + " on " + name);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "reclaim on " + name + " failed: " + e.getMessage());
            }
        });
        // then what the transports prepared for the containers not taken back (their network namespaces)
        registry.activeAll(AgentTransport.class).forEach((name, transport) -> {
            try {
                transport.reclaim();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "reclaim on transport " + name + " failed: " + e.getMessage());
            }
        });
    }

    // ---- the keep-alive policy's index -------------------------------------------------------------------------

    /** Makes the keep-alive index from the active policy if there is none yet. Call under the lock. */
    void ensureIndex() {
        assert lock.held();
        if (!pool.indexed()) {
            pool.reindex(registry.active(KeepAlivePolicy.class).newIndex(context));
        }
    }

    /** A new keep-alive index from the newly active policy, filled with every container. */
    void swapKeepAlive(KeepAlivePolicy policy) {
        lock.lock();
        try {
            pool.reindex(policy.newIndex(context));
        } finally {
            lock.unlock();
        }
    }

    // ---- lending containers to invocations (all under the lock) -------------------------------------------------

    /** A container of the registration with a free slot, the most recently used first; null if none. */
    Container warm(Registration r) {
        assert lock.held();
        return pool.warm(r);
    }

    /** The container takes one more invocation. Call under the lock. */
    void use(Container c) {
        assert lock.held();
        pool.use(c);
    }

    /**
     * Reserves resources for a new container, evicting idle containers the keep-alive policy gives up if needed.
     * Destruction of the victims is added to {@code after} (run outside the lock). Call under the lock.
     */
    Optional<Resources.Grants> reserve(FunctionSpec fn, String tid, List<Runnable> after) {
        return reserve(fn, tid, after, new boolean[1]);
    }

    /** As {@link #reserve(FunctionSpec, String, List)}; a refusal sets {@code quota[0]} when a namespace's quota made it. */
    Optional<Resources.Grants> reserve(FunctionSpec fn, String tid, List<Runnable> after, boolean[] quota) {
        assert lock.held();
        ResourceRequest request = Resources.containerRequest(fn, tid);
        Optional<Resources.Grants> grants = resources.acquire(request, quota);
        if (grants.isPresent()) {
            return grants;
        }
        // a namespace's quota refused: only its own idle containers free it (another namespace's never do); else
        // the keep-alive policy's victims
        List<Container> victims = quota[0] ? pool.idleOf(fn.namespace(), fn.memoryMb()) : pool.victims(fn.memoryMb());
        if (victims.isEmpty()) {
            return Optional.empty();
        }
        for (Container v : victims) {
            removeLocked(v);
            after.add(() -> destroy(v, tid));
        }
        LOG.log(Level.DEBUG, () -> "[" + tid + "] evicted " + victims.size() + " idle containers for " + fn.id());
        metrics.evicted("capacity", victims.size());
        return resources.acquire(request, quota);
    }

    /**
     * An invocation on the container ended; {@code ok}: the container works ({@code channel} goes back to it),
     * otherwise it is broken and leaves the pool. Call under the lock.
     *
     * @return whether the caller must destroy it (after releasing the lock): broken, or retired and now idle
     */
    boolean release(Container c, AgentChannel channel, boolean ok) {
        assert lock.held();
        if (ok) {
            c.idleChannels.push(channel);
            if (pool.release(c) && c.retired) {
                removeLocked(c);
                return true;
            }
            return false;
        }
        if (channel != null) {
            channel.close();
        }
        c.inUse--;
        removeLocked(c);
        return true;
    }

    /** An idle channel of the container, or a new one. */
    AgentChannel channel(Container c, String tid) throws IOException {
        AgentChannel channel;
        lock.lock();
        try {
            channel = c.idleChannels.poll();
        } finally {
            lock.unlock();
        }
        return channel != null ? channel : c.transport.open(c.handle.endpoint(), tid);
    }

    // ---- creation and destruction ------------------------------------------------------------------------------

    /** Creates a container: transport binding, backend creation, first channel. Fails leaving nothing behind. */
    CompletableFuture<Container> create(Registration r, String tid, Resources.Grants grants) {
        FunctionSpec fn = r.spec();
        long start = clock.nanoTime();
        String id = ContainerIds.of(worker, fn, containerIds.incrementAndGet());
        AgentTransport transport;
        ContainerBackend backend;
        TransportBinding binding;
        try {
            transport = registry.get(AgentTransport.class, fn.transport());
            backend = registry.get(ContainerBackend.class, fn.backend());
            binding = transport.bind(id, tid, fn);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Map<String, String> labels = labels(r);
        return backend.create(new ContainerRequest(id, tid, fn, worker, binding, labels, grants.devices()))
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
                        throw new CompletionException(new IOException("agent of " + id + " not reachable: "
                                + e.getMessage(), e));
                    }
                    // the cold start ends when the agent said it is ready, not when the backend said it runs
                    Container c = new Container(handle, r, transport, binding, grants, placement(backend, handle, tid),
                            clock.nanoTime(), (clock.nanoTime() - start) / 1_000);
                    c.idleChannels.add(first);
                    cpuWait.created(c.placement, tid);
                    LOG.log(Level.DEBUG, () -> "[" + tid + "] container " + id + " ready in " + c.coldStartUs + " us");
                    return c;
                });
    }

    /**
     * Takes back a container an earlier run of the worker left running for this very registration: the transport's
     * binding for it again, the backend's handle ({@link ContainerBackend#adopt}), resources reserved as for a new one
     * (never by evicting others), and a first channel, whose ready message shows the agent answers. Pooled idle, as a
     * warm container whose keep-alive starts now. Completes with whether it was; if not, what was made is undone (the
     * binding freed) and the container is left to the reclaim (the backend removes it once it is not taken back).
     */
    CompletableFuture<Boolean> takeBack(Registration r, String id, String tid) {
        FunctionSpec fn = r.spec();
        AgentTransport transport;
        ContainerBackend backend;
        Optional<TransportBinding> rebound;
        try {
            transport = registry.get(AgentTransport.class, fn.transport());
            backend = registry.get(ContainerBackend.class, fn.backend());
            rebound = fn.compute() == dev.vireo.api.model.Compute.CPU ? transport.rebind(id, tid, fn) : Optional.empty();
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(refused(id, tid, e.getMessage()));
        }
        if (rebound.isEmpty()) {
            return CompletableFuture.completedFuture(refused(id, tid, "transport " + fn.transport()
                    + (fn.compute() == dev.vireo.api.model.Compute.CPU ? " cannot reach it again" : " (a GPU is not)")));
        }
        TransportBinding binding = rebound.get();
        Optional<Resources.Grants> grants;
        lock.lock();
        try {
            ensureIndex();
            grants = resources.acquire(Resources.containerRequest(fn, tid));
        } finally {
            lock.unlock();
        }
        if (grants.isEmpty()) {
            transport.unbind(binding);
            return CompletableFuture.completedFuture(refused(id, tid, "no resources for it"));
        }
        Map<String, String> labels = labels(r);
        return backend.adopt(new ContainerRequest(id, tid, fn, worker, binding, labels, grants.get().devices()))
                .toCompletableFuture()
                .handle((handle, error) -> {
                    if (error != null) {
                        grants.get().release();
                        transport.unbind(binding);
                        return refused(id, tid, Failures.message(error));
                    }
                    AgentChannel first;
                    try {
                        first = transport.open(handle.endpoint(), tid);
                    } catch (IOException | RuntimeException e) {
                        grants.get().release();
                        // the binding goes once the container has: its network namespace is never handed out while
                        // the container still runs in it
                        backend.destroy(handle, tid).whenComplete((v, x) -> transport.unbind(binding));
                        return refused(id, tid, "its agent does not answer (" + e.getMessage() + "): destroyed");
                    }
                    Container c = new Container(handle, r, transport, binding, grants.get(),
                            placement(backend, handle, tid), clock.nanoTime(), 0);
                    c.idleChannels.add(first);
                    cpuWait.created(c.placement, tid);
                    if (!adopt(c, tid, false, false)) {
                        return false;
                    }
                    pump.run(); // invocations queued for it (or for the resources it holds) start now
                    LOG.log(Level.INFO, "[" + tid + "] took back " + id + " of " + fn.id() + " (left running by the"
                            + " last run)");
                    return true;
                });
    }

    private static boolean refused(String id, String tid, String why) {
        LOG.log(Level.INFO, "[" + tid + "] " + id + " is not taken back: " + why);
        return false;
    }

    /** Where the backend says the container runs (read once: trackers bind it at every invocation); unplaced if unknown. */
    private static ContainerPlacement placement(ContainerBackend backend, ContainerHandle handle, String tid) {
        try {
            return backend.placement(handle);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "[" + tid + "] no placement of " + handle.id() + ": " + e.getMessage());
            return ContainerPlacement.unplaced(handle);
        }
    }

    /**
     * Pools a container that just started (in use for its first invocation unless {@code prewarmed}) if the
     * registration it was created for is still its function's current one. Otherwise the function was unregistered
     * (or registered again) while it started: it is destroyed and its resources returned, never pooled, never used.
     */
    boolean adopt(Container c, String tid, boolean prewarmed) {
        return adopt(c, tid, prewarmed, !prewarmed);
    }

    /** As {@link #adopt(Container, String, boolean)}; {@code inUse}: for its first invocation, else idle. */
    private boolean adopt(Container c, String tid, boolean prewarmed, boolean inUse) {
        lock.lock();
        try {
            if (functions.current(c.registration)) {
                c.prewarmed = prewarmed;
                pool.add(c);
                if (inUse) {
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

    /**
     * Destroys a container that is out of the pool (or never was in it): its channels, the backend's, the binding.
     * The stage completes (never exceptionally) once the backend is done with it, whether it succeeded or not.
     */
    CompletionStage<Void> destroy(Container c, String tid) {
        for (AgentChannel ch : c.idleChannels) {
            ch.close();
        }
        c.idleChannels.clear();
        try {
            return registry.get(ContainerBackend.class, c.function.backend()).destroy(c.handle, tid)
                    .handle((v, e) -> {
                        gone(c, tid);
                        if (e != null) {
                            LOG.log(Level.WARNING, "[" + tid + "] destroying " + c.id() + " failed: "
                                    + Failures.message(e));
                        }
                        return null;
                    });
        } catch (RuntimeException e) {
            gone(c, tid);
            LOG.log(Level.WARNING, "[" + tid + "] destroying " + c.id() + " failed: " + Failures.message(e));
            return CompletableFuture.completedFuture(null);
        }
    }

    /** The backend is done with a container: its transport binding, the CPU wait probe and the trackers forget it. */
    private void gone(Container c, String tid) {
        c.cpuTime.close(); // first: nothing below may keep the container's cgroup file open
        c.transport.unbind(c.binding);
        cpuWait.destroyed(c.placement, tid);
        resources.destroyed(c.placement, tid);
    }

    /** Takes a container out of the pool and returns its resources at once. Call under the lock. */
    private void removeLocked(Container c) {
        if (pool.remove(c)) {
            c.grants.release();
        }
    }

    /** The backend's account of why a container died, if it has one. */
    Optional<String> diagnose(Container c) {
        try {
            return registry.get(ContainerBackend.class, c.function.backend()).failure(c.handle);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    // ---- taking containers out of the pool ---------------------------------------------------------------------

    /**
     * Retires the registration's pooled containers (each is destroyed once its invocations finish) and takes its idle
     * ones out of the pool, to be destroyed by the caller after it released the lock. Call under the lock.
     */
    List<Container> retire(Registration gone) {
        assert lock.held();
        List<Container> idle = pool.retire(gone);
        idle.forEach(this::removeLocked);
        return idle;
    }

    /** Takes every container out of the pool (shutdown), to be destroyed by the caller. Call under the lock. */
    List<Container> removeAll() {
        assert lock.held();
        List<Container> all = pool.all();
        all.forEach(this::removeLocked);
        return all;
    }

    /** Containers in a running invocation now. */
    List<Container> busy() {
        lock.lock();
        try {
            return pool.all().stream().filter(c -> c.inUse > 0).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the idle containers the keep-alive policy gives up to free {@code memoryMb} out of the pool. */
    List<Container> evictIdle(long memoryMb) {
        lock.lock();
        try {
            List<Container> victims = pool.victims(memoryMb);
            victims.forEach(this::removeLocked);
            return victims;
        } finally {
            lock.unlock();
        }
    }

    /** Every keepalive.check.ms: destroys the idle containers whose keep-alive ran out. */
    void evictExpired() {
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
            pump.run();
        }
    }

    // ---- prewarm and status ------------------------------------------------------------------------------------

    /**
     * Starts up to {@code count} idle containers of the registration, as many as resources allow (evicting idle ones
     * of other functions if the keep-alive policy gives them up); completes with how many were pooled. The keep-alive
     * index must exist ({@link #ensureIndex}).
     */
    CompletionStage<Integer> prewarm(Registration r, int count, String tid) {
        FunctionSpec fn = r.spec();
        List<CompletableFuture<Boolean>> started = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < count; i++) {
                Optional<Resources.Grants> space = reserve(fn, tid, after);
                if (space.isEmpty()) {
                    break;
                }
                started.add(create(r, tid, space.get()).handle((c, error) -> {
                    if (error != null) {
                        space.get().release();
                        LOG.log(Level.WARNING, "[" + tid + "] prewarm of " + fn.id() + " failed: "
                                + Failures.message(error));
                    }
                    return error == null && adopt(c, tid, true);
                }));
            }
        } finally {
            lock.unlock();
        }
        after.forEach(scheduler::execute);
        return CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            pump.run();
            return (int) started.stream().filter(CompletableFuture::join).count();
        });
    }

    /** Calls each function's idle containers could take now ({@link ContainerPool#idleSlots}). Call under the lock. */
    List<Estimator.Idle> idleSlots() {
        assert lock.held();
        return pool.idleSlots(functions::current);
    }

    /** The pool for the worker's status. Call under the lock. */
    ContainerPool.Census census() {
        assert lock.held();
        return pool.census();
    }
}
