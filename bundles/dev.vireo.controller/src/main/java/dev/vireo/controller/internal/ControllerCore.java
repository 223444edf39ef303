package dev.vireo.controller.internal;

import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Routing;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.balance.Balancer;
import dev.vireo.api.spi.balance.BalancerContext;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.balance.WorkerView;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The controller: a {@link WorkerService} whose invocations run on workers chosen by the active load-balancing
 * policy, and the {@link ClusterService} those workers join.
 *
 * <p>Workers are reached through a {@link WorkerConnector} (gRPC live, in-process in simulation) and polled every
 * heartbeat; one that misses {@code missedHeartbeats} in a row, or whose call fails as unreachable, is taken out: its
 * invocations in flight are retried once on another worker (or fail with UNREACHABLE when retry is off). A worker
 * comes back when it answers again, after every registration has been pushed to it. Registrations are kept here and
 * pushed to every worker, including those that join later.
 *
 * <p>Threading: every method is safe from any thread; time and work go through the clock and scheduler services.
 * Public (in a private package) so that the simulation can make one outside the framework: {@link #create}.
 */
public final class ControllerCore implements WorkerService, ClusterService, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControllerCore.class.getName());
    private static final Pattern WORKER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String ASYNC_SEPARATOR = "~";

    record Options(String name, Duration heartbeat, int missedHeartbeats, boolean retry) {
        Options {
            if (!WORKER_NAME.matcher(name).matches()) {
                throw new ValidationException("name", "'" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
            }
            if (heartbeat.toMillis() < 10 || missedHeartbeats < 1) {
                throw new ValidationException("heartbeat", "heartbeat.ms must be >= 10 and missed.heartbeats >= 1");
            }
        }
    }

    /** One worker; fields written under the member's lock or atomically, read without. */
    static final class Member {
        final String name;
        final String address;
        final RemoteWorker remote;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong sent = new AtomicLong();
        final Set<Attempt> attempts = ConcurrentHashMap.newKeySet();
        volatile boolean healthy;
        volatile boolean closed;
        volatile int failures;
        volatile String reason = "joining";
        volatile long lastSeenNanos;
        volatile WorkerStatus status;

        Member(String name, String address, RemoteWorker remote) {
            this.name = name;
            this.address = address;
            this.remote = remote;
        }

        int slots() {
            WorkerStatus s = status;
            if (s == null) {
                return 1;
            }
            for (ResourceUsage u : s.resources()) {
                if (u.resource().equals("concurrency")) {
                    return (int) Math.max(1, u.capacity());
                }
            }
            return 1;
        }

        WorkerView view() {
            WorkerStatus s = status;
            return new WorkerView(name, address, s == null ? 0 : s.running(), s == null ? 0 : s.queued(), slots(),
                    inFlight.get(), healthy);
        }
    }

    /** An invocation sent to a member and not back yet: failed over when the member is taken out. */
    private record Attempt(CompletableFuture<InvocationRecord> reply) {
    }

    private final Options options;
    private final PluginRegistry registry;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final WorkerConnector connector;
    private final ControllerMetrics metrics;
    private final Map<String, Member> members = new ConcurrentHashMap<>();
    private final Map<String, FunctionSpec> functions = new LinkedHashMap<>();
    private final AtomicLong tids = new AtomicLong();
    private final Instant startInstant;
    private final long startNanos;
    private volatile Cancellable heartbeat;
    private volatile BalancerHolder balancer;

    private record BalancerHolder(LoadBalancingPolicy policy, Balancer balancer) {
    }

    ControllerCore(Options options, PluginRegistry registry, Clock clock, TaskScheduler scheduler,
            WorkerConnector connector, ControllerMetrics metrics) {
        this.options = options;
        this.registry = registry;
        this.clock = clock;
        this.scheduler = scheduler;
        this.connector = connector;
        this.metrics = metrics;
        this.startInstant = clock.now();
        this.startNanos = clock.nanoTime();
        metrics.gauges(this);
        heartbeat = scheduler.scheduleAtFixedRate(this::heartbeat, options.heartbeat());
    }

    /**
     * A controller from its configuration, joining the configured workers on the scheduler (the component does this
     * live; the simulation with its in-process connector and virtual clock).
     */
    public static ControllerCore create(ControllerConfig config, PluginRegistry registry, Clock clock,
            TaskScheduler scheduler, WorkerConnector connector, io.micrometer.core.instrument.MeterRegistry meters) {
        ControllerCore core = new ControllerCore(new Options(config.name(), Duration.ofMillis(config.heartbeat_ms()),
                config.missed_heartbeats(), config.retry()), registry, clock, scheduler, connector,
                new ControllerMetrics(meters));
        for (String entry : config.workers().split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0) {
                core.close();
                throw new ValidationException("workers", "'" + e + "' is not name=host:port");
            }
            String name = e.substring(0, eq).trim();
            String address = e.substring(eq + 1).trim();
            scheduler.execute(() -> {
                try {
                    core.join(name, address);
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, "configured worker " + name + " at " + address + " is not in service yet: "
                            + ex.getMessage() + " (heartbeats keep trying)");
                }
            });
        }
        return core;
    }

    @Override
    public void close() {
        heartbeat.cancel();
        for (Member m : members.values()) {
            m.closed = true;
            m.remote.close();
        }
        members.clear();
    }

    // ---- cluster ------------------------------------------------------------------------------------------------

    @Override
    public WorkerMember join(String name, String address) {
        if (name == null || !WORKER_NAME.matcher(name).matches()) {
            throw new ValidationException("name", "worker name '" + name
                    + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        Member m = members.get(name);
        if (m == null || !m.address.equals(address)) {
            Member fresh = new Member(name, address, connector.connect(address));
            Member old = members.put(name, fresh);
            if (old != null) {
                takeOut(old, "replaced: it re-joined from " + address);
                old.closed = true;
                old.remote.close();
                LOG.log(Level.INFO, "worker " + name + " moved from " + old.address + " to " + address);
            } else {
                LOG.log(Level.INFO, "worker " + name + " joined from " + address);
            }
            m = fresh;
        }
        if (!m.healthy) {
            // a (re)joining worker gets every registration before it takes invocations; a failure leaves it out
            // with the reason, and the next heartbeat tries again
            try {
                WorkerStatus s = m.remote.status();
                bringIn(m, s);
            } catch (RuntimeException e) {
                m.reason = "cannot reach it at " + address + ": " + e.getMessage();
                throw new WorkerException(ErrorKind.UNREACHABLE, "worker " + name + " joined but the controller"
                        + " cannot reach its gRPC API at " + address + ": " + e.getMessage());
            }
        }
        return member(m);
    }

    @Override
    public void leave(String name) {
        Member m = members.remove(name);
        if (m == null) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "no worker named '" + name + "'; workers: "
                    + String.join(", ", new java.util.TreeSet<>(members.keySet())));
        }
        takeOut(m, "left the cluster");
        m.closed = true;
        m.remote.close();
        LOG.log(Level.INFO, "worker " + name + " left");
    }

    @Override
    public List<WorkerMember> members() {
        return members.values().stream().sorted(Comparator.comparing(x -> x.name)).map(this::member).toList();
    }

    private WorkerMember member(Member m) {
        WorkerStatus s = m.status;
        Instant seen = m.lastSeenNanos == 0 ? Instant.EPOCH
                : startInstant.plusNanos(m.lastSeenNanos - startNanos);
        return new WorkerMember(m.name, m.address, m.healthy, s == null ? 0 : s.running(), s == null ? 0 : s.queued(),
                m.slots(), m.inFlight.get(), m.sent.get(), m.failures, s == null ? 0 : s.functions(), seen,
                m.healthy ? "" : m.reason);
    }

    /** Pushes every registration the worker lacks, then lets it take invocations. */
    private void bringIn(Member m, WorkerStatus status) {
        Set<String> has = new java.util.HashSet<>();
        for (FunctionSpec f : m.remote.functions()) {
            has.add(f.id());
        }
        for (FunctionSpec f : registrations()) {
            if (!has.contains(f.id())) {
                try {
                    m.remote.register(f);
                } catch (WorkerException e) {
                    if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                        LOG.log(Level.WARNING, "worker " + m.name + " refused " + f.id() + ": " + e.getMessage());
                    }
                }
            }
        }
        synchronized (m) {
            m.status = status;
            m.failures = 0;
            m.lastSeenNanos = clock.nanoTime();
            m.reason = "";
            boolean was = m.healthy;
            m.healthy = !m.closed;
            if (!was) {
                LOG.log(Level.INFO, "worker " + m.name + " in service (" + registrations().size()
                        + " registrations pushed)");
            }
        }
    }

    private void heartbeat() {
        for (Member m : members.values()) {
            m.remote.statusAsync().whenComplete((s, e) -> {
                if (m.closed) {
                    return;
                }
                if (e == null) {
                    if (m.healthy) {
                        m.status = s;
                        m.failures = 0;
                        m.lastSeenNanos = clock.nanoTime();
                    } else {
                        scheduler.execute(() -> {
                            try {
                                bringIn(m, s);
                            } catch (RuntimeException ex) {
                                m.reason = "answers but registrations could not be pushed: " + ex.getMessage();
                            }
                        });
                    }
                    return;
                }
                int missed;
                synchronized (m) {
                    missed = ++m.failures;
                }
                if (missed >= options.missedHeartbeats() && m.healthy) {
                    takeOut(m, "missed " + missed + " heartbeats: " + message(e));
                }
            });
        }
    }

    /** Takes a member out of service and fails over its invocations in flight. */
    private void takeOut(Member m, String why) {
        synchronized (m) {
            m.reason = why;
            if (!m.healthy) {
                return;
            }
            m.healthy = false;
        }
        LOG.log(Level.WARNING, "worker " + m.name + " taken out: " + why);
        metrics.takenOut(m.name);
        for (Attempt a : List.copyOf(m.attempts)) {
            a.reply.completeExceptionally(new WorkerException(ErrorKind.UNREACHABLE, "worker " + m.name
                    + " was taken out while serving the invocation: " + why));
        }
    }

    // ---- registrations ------------------------------------------------------------------------------------------

    private List<FunctionSpec> registrations() {
        synchronized (functions) {
            return List.copyOf(functions.values());
        }
    }

    private List<Member> healthy() {
        return members.values().stream().filter(m -> m.healthy).sorted(Comparator.comparing(x -> x.name)).toList();
    }

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        synchronized (functions) {
            if (functions.containsKey(spec.id())) {
                throw new WorkerException(ErrorKind.ALREADY_EXISTS, "function " + spec.id() + " is already registered");
            }
            // the first worker validates the registration against its plugins (unknown backend, no GPU...) and
            // resolves an empty backend; a refusal there is the caller's answer and nothing is kept
            List<Member> live = healthy();
            FunctionSpec resolved = spec;
            int pushed = 0;
            for (Member m : live) {
                try {
                    FunctionSpec r = m.remote.register(spec);
                    if (pushed == 0) {
                        resolved = r;
                    }
                    pushed++;
                } catch (WorkerException e) {
                    if (e.kind() == ErrorKind.ALREADY_EXISTS) {
                        pushed++;
                    } else if (e.kind() == ErrorKind.UNREACHABLE) {
                        takeOut(m, e.getMessage());
                    } else if (pushed == 0) {
                        throw e;
                    } else {
                        LOG.log(Level.WARNING, "worker " + m.name + " refused " + spec.id() + ": " + e.getMessage());
                    }
                }
            }
            functions.put(spec.id(), resolved);
            LOG.log(Level.INFO, "registered " + spec.id() + " on " + pushed + " of " + live.size() + " workers");
            return resolved;
        }
    }

    @Override
    public void unregister(String functionId) {
        synchronized (functions) {
            if (functions.remove(functionId) == null) {
                throw unknown(functionId);
            }
        }
        for (Member m : healthy()) {
            try {
                m.remote.unregister(functionId);
            } catch (WorkerException e) {
                if (e.kind() != ErrorKind.UNKNOWN_FUNCTION) {
                    LOG.log(Level.WARNING, "worker " + m.name + " did not unregister " + functionId + ": " + e.getMessage());
                }
            }
        }
    }

    private WorkerException unknown(String functionId) {
        return new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId
                + " is not registered with controller " + options.name());
    }

    @Override
    public List<FunctionSpec> functions() {
        return registrations();
    }

    private FunctionSpec function(String functionId) {
        synchronized (functions) {
            FunctionSpec f = functions.get(functionId);
            if (f == null) {
                throw unknown(functionId);
            }
            return f;
        }
    }

    // ---- invocations --------------------------------------------------------------------------------------------

    private Balancer balancer() {
        LoadBalancingPolicy policy = registry.active(LoadBalancingPolicy.class);
        BalancerHolder b = balancer;
        if (b == null || b.policy != policy) {
            b = new BalancerHolder(policy, policy.newBalancer(new BalancerContext() {
                @Override
                public Clock clock() {
                    return clock;
                }

                @Override
                public FunctionStats stats(String functionId) {
                    return clusterStats(functionId);
                }
            }));
            balancer = b;
        }
        return b.balancer;
    }

    private String newTid(String tid) {
        return tid == null || tid.isEmpty() ? options.name() + "-" + Long.toString(tids.incrementAndGet(), 36) : tid;
    }

    private Member pick(Balancer balancer, String tid, String functionId, Set<String> exclude) {
        List<WorkerView> views = new ArrayList<>();
        for (Member m : healthy()) {
            if (!exclude.contains(m.name)) {
                views.add(m.view());
            }
        }
        Optional<WorkerView> chosen = balancer.pick(tid, functionId, views);
        Member m = chosen.map(v -> members.get(v.id())).orElse(null);
        if (m == null) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "no healthy worker for " + functionId + " ("
                    + members.size() + " known" + (exclude.isEmpty() ? "" : ", tried " + String.join(", ", exclude))
                    + describeOut() + ")");
        }
        return m;
    }

    private String describeOut() {
        StringBuilder b = new StringBuilder();
        for (Member m : members.values()) {
            if (!m.healthy) {
                b.append("; ").append(m.name).append(": ").append(m.reason);
            }
        }
        return b.toString();
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        function(functionId);
        String id = newTid(tid);
        long arrival = clock.nanoTime();
        CompletableFuture<InvocationRecord> out = new CompletableFuture<>();
        attempt(id, functionId, payload, arrival, 1, Set.of(), out);
        return out;
    }

    private void attempt(String tid, String functionId, String payload, long arrival, int attempt,
            Set<String> tried, CompletableFuture<InvocationRecord> out) {
        long pickStart = clock.nanoTime();
        Balancer b = balancer();
        Member m;
        try {
            m = pick(b, tid, functionId, tried);
        } catch (RuntimeException e) {
            if (attempt == 1) {
                throw e;
            }
            out.completeExceptionally(e);
            return;
        }
        long sent = clock.nanoTime();
        m.inFlight.incrementAndGet();
        m.sent.incrementAndGet();
        CompletableFuture<InvocationRecord> reply = new CompletableFuture<>();
        Attempt a = new Attempt(reply);
        m.attempts.add(a);
        if (!m.healthy) {
            // taken out between the pick and now: do not wait for a reply that may never come
            reply.completeExceptionally(new WorkerException(ErrorKind.UNREACHABLE, "worker " + m.name
                    + " was taken out: " + m.reason));
        }
        CompletionStage<InvocationRecord> call;
        try {
            call = m.remote.invoke(tid, functionId, payload);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((r, e) -> {
            if (e != null) {
                reply.completeExceptionally(e);
            } else {
                reply.complete(r);
            }
        });
        reply.whenComplete((r, e) -> {
            if (!m.attempts.remove(a)) {
                return;
            }
            m.inFlight.decrementAndGet();
            b.completed(m.name, functionId);
            long end = clock.nanoTime();
            if (e == null) {
                Routing routing = new Routing(options.name(), attempt, (sent - pickStart) / 1_000,
                        (end - sent) / 1_000, (end - arrival) / 1_000);
                metrics.forwarded(m.name, r.success() ? "success" : "error", end - sent);
                out.complete(r.withRouting(routing));
                return;
            }
            WorkerException w = cause(e);
            metrics.forwarded(m.name, w.kind().name().toLowerCase(java.util.Locale.ROOT), end - sent);
            if (w.kind() == ErrorKind.UNREACHABLE) {
                takeOut(m, w.getMessage());
                if (options.retry() && attempt == 1) {
                    LOG.log(Level.WARNING, "[" + tid + "] " + functionId + " retried: " + w.getMessage());
                    Set<String> next = new java.util.HashSet<>(tried);
                    next.add(m.name);
                    scheduler.execute(() -> attempt(tid, functionId, payload, arrival, attempt + 1, next, out));
                    return;
                }
                out.completeExceptionally(new WorkerException(ErrorKind.UNREACHABLE, w.getMessage()
                        + (attempt > 1 ? " (after a retry)" : options.retry() ? "" : " (not retried: retry = false)")));
                return;
            }
            if (w.kind() == ErrorKind.UNKNOWN_FUNCTION && attempt == 1) {
                // the worker lost the registration (restarted between heartbeats): push it again and retry there
                scheduler.execute(() -> {
                    try {
                        m.remote.register(function(functionId));
                    } catch (WorkerException ex) {
                        if (ex.kind() != ErrorKind.ALREADY_EXISTS) {
                            out.completeExceptionally(ex);
                            return;
                        }
                    }
                    attempt(tid, functionId, payload, arrival, attempt + 1, Set.of(), out);
                });
                return;
            }
            out.completeExceptionally(w);
        });
    }

    private static WorkerException cause(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof WorkerException w) {
            return w;
        }
        if (c instanceof ValidationException v) {
            return new WorkerException(ErrorKind.INVALID_REQUEST, v.getMessage());
        }
        return new WorkerException(ErrorKind.INTERNAL, String.valueOf(c));
    }

    private static String message(Throwable e) {
        return cause(e).getMessage();
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        function(functionId);
        String id = newTid(tid);
        Member m = pick(balancer(), id, functionId, Set.of());
        m.sent.incrementAndGet();
        try {
            return m.name + ASYNC_SEPARATOR + m.remote.invokeAsync(id, functionId, payload);
        } catch (WorkerException e) {
            if (e.kind() == ErrorKind.UNREACHABLE) {
                takeOut(m, e.getMessage());
            }
            throw e;
        }
    }

    @Override
    public AsyncResult result(String id) {
        int sep = id == null ? -1 : id.indexOf(ASYNC_SEPARATOR);
        Member m = sep <= 0 ? null : members.get(id.substring(0, sep));
        if (m == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no async invocation '" + id
                    + "' (ids from this controller look like WORKER" + ASYNC_SEPARATOR + "TID)");
        }
        AsyncResult r = m.remote.result(id.substring(sep + 1));
        return new AsyncResult(id, r.done(), r.record());
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        function(functionId);
        if (count < 1 || count > 10_000) {
            throw new ValidationException("count", "must be 1-10000, was " + count);
        }
        List<Member> live = healthy();
        if (live.isEmpty()) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "no healthy worker to prewarm " + functionId
                    + describeOut());
        }
        List<CompletableFuture<Integer>> parts = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            int share = count / live.size() + (i < count % live.size() ? 1 : 0);
            if (share > 0) {
                parts.add(live.get(i).remote.prewarm(functionId, share).toCompletableFuture()
                        .exceptionally(e -> 0));
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> parts.stream().mapToInt(CompletableFuture::join).sum());
    }

    /** The cluster as one worker: sums over the healthy workers' last status. */
    @Override
    public WorkerStatus status() {
        int queued = 0;
        int capacity = 0;
        int running = 0;
        int cRunning = 0;
        int cIdle = 0;
        long memRunning = 0;
        long memCached = 0;
        long usedRunning = 0;
        long usedCached = 0;
        long memLimit = 0;
        Map<String, Integer> backends = new HashMap<>();
        List<ResourceUsage> resources = new ArrayList<>();
        for (Member m : healthy()) {
            WorkerStatus s = m.status;
            if (s == null) {
                continue;
            }
            queued += s.queued();
            capacity += s.queueCapacity();
            running += s.running();
            cRunning += s.containersRunning();
            cIdle += s.containersIdle();
            memRunning += s.memoryRunningMb();
            memCached += s.memoryCachedMb();
            usedRunning += s.memoryRunningUsedMb();
            usedCached += s.memoryCachedUsedMb();
            memLimit += s.memoryLimitMb();
            s.backends().forEach((k, v) -> backends.merge(k, v, Integer::sum));
            for (ResourceUsage u : s.resources()) {
                resources.add(new ResourceUsage(m.name + "/" + u.resource(), u.unit(), u.capacity(), u.used(), Map.of()));
            }
        }
        Map<String, FunctionStats> stats = new HashMap<>();
        for (FunctionSpec f : registrations()) {
            stats.put(f.id(), clusterStats(f.id()));
        }
        String policy = registry.selection(dev.vireo.api.plugin.ExtensionPoint.BALANCER).effective().stream()
                .findFirst().orElse("");
        return new WorkerStatus(options.name(), queued, capacity, running, registrations().size(), cRunning, cIdle,
                memRunning, memCached, usedRunning, usedCached, memLimit, backends, Map.of("balancer", policy),
                resources, stats);
    }

    /** A function's statistics over the workers, weighted by their invocations. */
    FunctionStats clusterStats(String functionId) {
        long n = 0;
        double cold = 0;
        double warm = 0;
        double exec = 0;
        double e2e = 0;
        double iat = 0;
        double mem = 0;
        for (Member m : members.values()) {
            WorkerStatus s = m.status;
            FunctionStats f = s == null ? null : s.stats().get(functionId);
            if (f == null || f.invocations() == 0) {
                continue;
            }
            long k = f.invocations();
            n += k;
            cold += f.coldStartUs() * k;
            warm += f.warmUs() * k;
            exec += f.executionUs() * k;
            e2e += f.e2eUs() * k;
            iat += f.interArrivalUs() * k;
            mem += f.memoryMb() * k;
        }
        if (n == 0) {
            return FunctionStats.EMPTY;
        }
        return new FunctionStats(n, cold / n, warm / n, exec / n, e2e / n, iat / n, mem / n, 0);
    }

    int healthyCount() {
        return (int) members.values().stream().filter(m -> m.healthy).count();
    }

    int knownCount() {
        return members.size();
    }
}
