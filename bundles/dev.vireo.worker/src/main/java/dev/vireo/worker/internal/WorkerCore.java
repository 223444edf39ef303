package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.worker.internal.ContainerPool.Container;
import dev.vireo.worker.internal.FunctionTable.Registration;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The worker: registration, admission into a bounded queue ordered by the active queue policy, resources from every
 * active tracker, a warm container or a new one (evicting idle containers the keep-alive policy gives up), the call
 * through the function's transport, and a record with timings. This class composes the parts and implements the
 * service; each part owns one concern:
 * <ul>
 * <li>{@link FunctionTable}: registrations, each with its own generation;</li>
 * <li>{@link AdmissionQueue}: admission and the invocations waiting to start;</li>
 * <li>{@link InvocationRunner}: dispatch, cold start, the call, the record;</li>
 * <li>{@link ContainerLifecycle}: the containers from creation to destruction, and the pool;</li>
 * <li>{@link MemoryWatch}: container memory readings and host memory pressure;</li>
 * <li>{@link StatusReport}: the status; {@link Failures}: how failures are typed.</li>
 * </ul>
 * Here: unregistering and shutting down (they sweep the queue and the pool together), policy swaps (the registry's
 * listener), reconfiguration, and the periodic tasks.
 *
 * <p>Locking: one {@link WorkerLock} guards the queue, the pool and the running count together (see there for why
 * and what else); each part says which of its state it guards. Container creation and invocations run outside it on
 * the scheduler and come back through callbacks. Nothing here reads the wall clock, sleeps or makes threads.
 */
final class WorkerCore implements WorkerService, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WorkerCore.class.getName());

    private final PluginRegistry registry;
    private final Clock clock;
    private volatile WorkerOptions options;
    /** The RAPL package zones of {@code options.raplDir()}, found again when it changes. */
    private volatile Rapl rapl;
    /** RAPL counters replaced by a reconfiguration: closed when the worker stops (a call may still read them). */
    private final List<Rapl> retiredRapl = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final FunctionTable functions;
    private final StatsBook stats = new StatsBook();
    private final CpuWait cpuWait = new CpuWait();
    private final AsyncResults async;
    private final WorkerLock lock = new WorkerLock();
    private final TransactionIds tids;
    private final WorkerMetrics metrics;
    private final ContainerLifecycle containers;
    private final MemoryWatch memory;
    private final AdmissionQueue admission;
    private final InvocationRunner runner;
    private final Anatomies anatomies = new Anatomies();
    private final ActivationLog activations;
    private final Traces traces;
    private final StatusReport report;
    private final AutoCloseable listener;
    private final Ticker keepAliveTicker;
    private final Ticker memoryTicker;
    private final List<Cancellable> tasks = new ArrayList<>();
    /**
     * How long after the start the containers an earlier run left are kept for registrations still to come back; then
     * they are reclaimed (sooner once every stored registration is back).
     */
    static final Duration TAKE_BACK_WINDOW = Duration.ofSeconds(60);
    private final TaskScheduler scheduler;
    /** Where registrations are kept across restarts; null: nowhere (tests, the simulation). */
    private volatile FunctionStore store;
    private volatile Restorer restorer;
    /** What an earlier run left running: taken back as its registrations come back, the rest reclaimed. */
    private final Survivors survivors;
    /** Held while the function table and the stored files change together (register, unregister). */
    private final Object storeLock = new Object();

    WorkerCore(PluginRegistry registry, Clock clock, TaskScheduler scheduler, WorkerOptions options,
            MeterRegistry meters) {
        this(registry, clock, scheduler, options, meters, HostMemory.PROC);
    }

    WorkerCore(PluginRegistry registry, Clock clock, TaskScheduler scheduler, WorkerOptions options,
            MeterRegistry meters, HostMemory host) {
        this.registry = registry;
        this.clock = clock;
        this.scheduler = scheduler;
        this.options = options;
        String name = options.name();
        this.tids = new TransactionIds(name);
        this.functions = new FunctionTable(registry, options.maxFunctions());
        Resources resources = new Resources(registry);
        this.async = new AsyncResults(clock, options.asyncRetention());
        this.metrics = new WorkerMetrics(meters, name, this::status);
        PolicyContext policies = new PolicyContext(clock, stats);
        this.containers = new ContainerLifecycle(registry, clock, scheduler, lock, name, functions, resources,
                policies, metrics, tids, cpuWait, this::pump);
        this.memory = new MemoryWatch(registry, scheduler, functions, stats, containers, metrics, tids, host,
                () -> this.options, this::pump);
        this.admission = new AdmissionQueue(registry, clock, lock, functions, stats, containers, policies, metrics,
                () -> this.options);
        this.rapl = Rapl.of(options.raplDir());
        this.activations = new ActivationLog(clock);
        this.traces = new Traces(name);
        this.runner = new InvocationRunner(clock, scheduler, lock, name, admission, containers, memory, resources,
                functions, stats, metrics, cpuWait, anatomies, activations, traces, () -> rapl);
        this.report = new StatusReport(registry, lock, () -> this.options, admission, runner, containers, functions,
                stats);
        this.listener = registry.addListener((point, before, after) -> {
            Restorer r = restorer;
            if (r != null) {
                scheduler.execute(r::attempt); // not under the registry's lock: a restore may take a while
            }
            if (point == ExtensionPoint.QUEUE) {
                swapQueue();
            } else if (point == ExtensionPoint.KEEPALIVE) {
                swapKeepAlive();
            }
        });
        keepAliveTicker = new Ticker(scheduler, "worker.keepalive", containers::evictExpired,
                options.keepAliveCheck());
        memoryTicker = new Ticker(scheduler, "worker.memory", memory::tick, options.memorySample());
        tasks.addAll(List.of(keepAliveTicker, memoryTicker));
        this.survivors = new Survivors(registry, name, containers, scheduler);
        tasks.add(scheduler.scheduleAtFixedRate("worker.async-results", async::expire, Duration.ofSeconds(1)));
    }

    /** The CPU wait probe to use from now on (null: none); see {@link CpuWait}. */
    void cpuWaitProbe(dev.vireo.api.spi.probe.CpuWaitProbe probe) {
        cpuWait.use(probe);
    }

    /** The probe went away: no probe from now on, unless another replaced it already. */
    void cpuWaitProbeGone(dev.vireo.api.spi.probe.CpuWaitProbe probe) {
        cpuWait.gone(probe);
    }

    private void pump() {
        runner.pump();
    }

    // ---- registration ------------------------------------------------------------------------------------------

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        Registration r = add(spec);
        FunctionStore s = store;
        if (s != null) {
            // the table and the files change together: an unregistration racing this one cannot leave a file behind
            synchronized (storeLock) {
                if (!functions.current(r)) {
                    return r.spec(); // unregistered (or replaced) already: nothing of it to keep
                }
                try {
                    s.save(r.spec());
                } catch (java.io.IOException | RuntimeException e) {
                    unregister(r.id());
                    throw new WorkerException(ErrorKind.INTERNAL, "function " + r.id() + " is not registered: it could"
                            + " not be stored for restarts in " + s.dir() + " (" + e.getMessage() + ")");
                }
            }
            Restorer waiting = restorer;
            if (waiting != null) {
                waiting.forget(r.id()); // an older stored registration of this id waits no more: this one replaced it
            }
        }
        return r.spec();
    }

    /**
     * Replaces the function's registration: checked first (code, plugins, resources), then stored for restarts (a
     * store that refuses it refuses the update: nothing changes), then, in one step under the worker's lock, the table
     * swapped, the old registration's idle containers taken out (busy ones are destroyed when their invocations end)
     * and its queued invocations bound to the new one: nothing can start on the old code after the swap.
     */
    @Override
    public FunctionSpec update(FunctionSpec spec) {
        new CodeCheck(options.codeRoots()).check(spec);
        FunctionSpec resolved = functions.check(spec);
        Registration old;
        Registration next;
        List<Container> idle;
        int moved;
        synchronized (storeLock) { // the table and the stored file change together, as in register()
            if (!functions.has(spec.id())) {
                throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + spec.id() + " is not registered"
                        + " (register it first)");
            }
            FunctionStore s = store;
            if (s != null) {
                try {
                    s.save(resolved);
                } catch (java.io.IOException | RuntimeException e) {
                    throw new WorkerException(ErrorKind.INTERNAL, "function " + spec.id() + " is not updated: it could"
                            + " not be stored for restarts in " + s.dir() + " (" + e.getMessage() + ")");
                }
            }
            lock.lock();
            try {
                Registration[] both = functions.replace(resolved);
                old = both[0];
                next = both[1];
                idle = containers.retire(old);
                moved = admission.rebind(old, next);
            } finally {
                lock.unlock();
            }
        }
        String tid = "update-" + next.id();
        idle.forEach(c -> containers.destroy(c, tid));
        LOG.log(Level.INFO, "[" + tid + "] updated " + next.id() + " (generation " + old.generation() + " -> "
                + next.generation() + ") on backend " + next.spec().backend() + ", destroyed " + idle.size()
                + " idle containers, " + moved + " queued invocations run on the new registration");
        pump();
        return next.spec();
    }

    private Registration add(FunctionSpec spec) {
        new CodeCheck(options.codeRoots()).check(spec);
        Registration r = functions.register(spec);
        LOG.log(Level.INFO, "registered " + r.id() + " (generation " + r.generation() + ") on backend "
                + r.spec().backend() + " via " + r.spec().transport());
        return r;
    }

    /**
     * Keeps async invocations in {@code store} from now on, and answers again for those it holds (finished ones until
     * their retention ends, ones a stop cut off as CANCELLED). Called once, right after construction.
     */
    void keepAsyncIn(AsyncStore store) throws java.io.IOException {
        List<String> problems = new ArrayList<>();
        List<AsyncStore.Stored> stored = store.load(options.name(), clock.now(), problems);
        problems.forEach(p -> LOG.log(Level.WARNING, "[restore] async result not read back: " + p));
        async.store(store); // first: an expiry from now on removes the files of what it drops
        async.restore(stored);
        if (!stored.isEmpty()) {
            LOG.log(Level.INFO, "[restore] " + stored.size() + " async invocations answer again after the restart");
        }
    }

    /**
     * Keeps registrations in {@code store} from now on, and registers those it holds again as soon as the kernel is
     * ready (see {@link Restorer}). Called once, right after construction.
     */
    void keepRegistrationsIn(FunctionStore store) throws java.io.IOException {
        Restorer r = new Restorer(registry, store.load(), spec -> survivors.takeBack(add(spec)), survivors::sweep);
        this.store = store;
        this.restorer = r;
        if (!r.waiting().isEmpty()) {
            tasks.add(scheduler.scheduleAtFixedRate("worker.restore", r::attempt, Duration.ofSeconds(1)));
            // a registration that cannot come back soon (its backend is gone) keeps no container of its waiting
            tasks.add(scheduler.schedule(survivors::sweep, TAKE_BACK_WINDOW));
            scheduler.execute(r::attempt);
        } else {
            reclaimLeftovers();
        }
    }

    /**
     * Reclaims every container an earlier run of this worker left: for a worker that keeps no registrations (those
     * that do take back what they can first, see {@link #keepRegistrationsIn}). Called once, right after construction.
     */
    void reclaimLeftovers() {
        survivors.sweep();
    }

    /**
     * Ends the function's current registration: its idle containers are destroyed now, its busy ones when their
     * invocations finish, the ones still starting when they are ready (never pooled), and its queued invocations are
     * cancelled. A registration under the same id later is a new one and shares nothing with this.
     */
    @Override
    public void unregister(String functionId) {
        Restorer waiting = restorer;
        Registration gone;
        synchronized (storeLock) {
            if (waiting != null && waiting.forget(functionId) && !functions.has(functionId)) {
                forgetStored(functionId);
                LOG.log(Level.INFO, "unregistered " + functionId + " before it was registered again after the restart");
                return;
            }
            gone = functions.remove(functionId); // first: what checks it under the lock from now sees it gone
            forgetStored(functionId);
        }
        List<Container> idle;
        List<Pending> cancelled;
        lock.lock();
        try {
            idle = containers.retire(gone);
            cancelled = admission.removeAll(gone);
        } finally {
            lock.unlock();
        }
        String tid = "unregister-" + functionId;
        idle.forEach(c -> containers.destroy(c, tid));
        cancelled.forEach(p -> runner.cancel(p, true, "function " + functionId
                + " was unregistered before the invocation ran"));
        stats.remove(functionId);
        metrics.unregistered(functionId);
        LOG.log(Level.INFO, "[" + tid + "] unregistered " + functionId + " (generation " + gone.generation()
                + "), destroyed " + idle.size() + " idle containers, cancelled " + cancelled.size() + " queued invocations");
        pump();
    }

    private void forgetStored(String functionId) {
        FunctionStore s = store;
        if (s != null) {
            try {
                s.remove(functionId);
            } catch (java.io.IOException e) {
                LOG.log(Level.WARNING, "unregistered " + functionId + ", but its stored registration could not be removed"
                        + " (" + e.getMessage() + "): a restart registers it again");
            }
        }
    }

    @Override
    public List<FunctionSpec> functions() {
        return functions.list();
    }

    // ---- invocation --------------------------------------------------------------------------------------------

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        return invoke(tid, functionId, payload, null);
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
            dev.vireo.api.trace.TraceContext trace) {
        return admit(tids.orNew(tid), functionId, payload, trace).future;
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        return invokeAsync(tid, functionId, payload, null);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload, dev.vireo.api.trace.TraceContext trace) {
        String id = tids.orNew(tid);
        while (!async.reserve(id)) {
            if (tid != null && !tid.isEmpty()) {
                throw new WorkerException(ErrorKind.INVALID_REQUEST, "transaction id '" + id + "' is already in use");
            }
            id = tids.next(); // one of ours from before a restart, still answering: the next
        }
        try {
            async.track(id, functionId, admit(id, functionId, payload, trace).future);
            return id;
        } catch (RuntimeException e) {
            async.release(id);
            throw e;
        }
    }

    @Override
    public List<InvocationRecord> activations(dev.vireo.api.worker.ActivationQuery query) {
        return activations.list(query);
    }

    @Override
    public InvocationRecord activation(String tid) {
        return activations.get(tid);
    }

    /** Where the spans of traced invocations go from now on: also to {@code exporter}. */
    void addSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        traces.add(exporter);
    }

    void removeSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        traces.remove(exporter);
    }

    /** Whether invocations that arrive without a trace context start a trace (when an exporter is there). */
    void traceAll(boolean on) {
        traces.traceAll(on);
    }

    /** How much the activation log keeps from now on. */
    void activationLimits(ActivationLog.Limits limits) {
        activations.limits(limits);
    }

    @Override
    public AsyncResult result(String id) {
        return async.get(id);
    }

    private Pending admit(String tid, String functionId, String payload, dev.vireo.api.trace.TraceContext trace) {
        Pending p = admission.admit(tid, functionId, payload, traces.traceOf(trace));
        pump();
        return p;
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        if (count < 1 || count > 1_000) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "prewarm count " + count + " is out of range [1, 1000]");
        }
        Registration r = functions.get(functionId);
        String tid = tids.next();
        lock.lock();
        try {
            admission.ensurePolicies();
        } finally {
            lock.unlock();
        }
        return containers.prewarm(r, count, tid);
    }

    // ---- configuration and policy swaps ------------------------------------------------------------------------

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
        if (!next.raplDir().equals(options.raplDir())) {
            // a call that marked the old counters reads them again: they are closed only when the worker stops
            retiredRapl.add(rapl);
            rapl = Rapl.of(next.raplDir());
        }
        options = next.named(name);
        async.retention(next.asyncRetention());
        functions.max(next.maxFunctions());
        keepAliveTicker.period(next.keepAliveCheck());
        memoryTicker.period(next.memorySample());
        pump();
    }

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
            admission.swap(policy);
            pump();
        });
    }

    /** A new keep-alive index from the newly active policy, filled with every container. */
    void swapKeepAlive() {
        activeOrKeep(KeepAlivePolicy.class, "keep-alive policy").ifPresent(containers::swapKeepAlive);
    }

    // ---- status and shutdown -----------------------------------------------------------------------------------

    @Override
    public java.util.Optional<dev.vireo.api.worker.InvocationAnatomy> anatomy(String tid) {
        return anatomies.get(tid);
    }

    @Override
    public dev.vireo.api.worker.Estimate estimate(String functionId) {
        FunctionTable.Registration r = functions.get(functionId);
        java.util.function.Function<FunctionSpec, Estimator.Times> times = fn -> Estimator.Times.of(fn,
                stats.get(fn.id()));
        List<dev.vireo.api.spi.queue.QueuedInvocation> waiting;
        List<Estimator.Busy> busy;
        List<Estimator.Idle> idle;
        dev.vireo.api.spi.queue.InvocationQueue model;
        List<Estimator.Room> rooms;
        long now;
        lock.lock();
        try {
            admission.ensurePolicies();
            now = clock.nanoTime();
            waiting = admission.waiting();
            busy = runner.busy(times);
            idle = containers.idleSlots();
            model = admission.modelQueue();
            // with the rest: a call that starts or ends now changes both (trackers answer without blocking)
            rooms = registry.activeAll(dev.vireo.api.spi.resource.ResourceTracker.class).values().stream()
                    .map(t -> Estimator.Room.of(t.usage())).toList();
        } finally {
            lock.unlock();
        }
        java.util.Map<String, FunctionSpec> registered = new java.util.HashMap<>();
        functions().forEach(f -> registered.put(f.id(), f));
        return Estimator.run(options.name(), r.spec(), now, model, waiting, busy, idle, registered, rooms, times);
    }

    @Override
    public WorkerStatus status() {
        return report.read();
    }

    @Override
    public void close() {
        List<Pending> cancelled;
        List<Container> all;
        lock.lock();
        try {
            cancelled = admission.close();
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
        cancelled.forEach(p -> runner.cancel(p, true, "worker " + options.name() + " shut down"));
        retiredRapl.forEach(Rapl::close);
        rapl.close();
        String tid = tids.next();
        all.forEach(c -> containers.destroy(c, tid));
    }
}
