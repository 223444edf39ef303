package dev.vireo.sim;

import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.plugin.Selection;
import dev.vireo.api.plugin.UnknownPluginException;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.testkit.VirtualTime;
import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.Replay;
import dev.vireo.workload.Row;
import dev.vireo.workload.TraceMapping;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;

/**
 * One simulation: a controller, N workers on the simulated backend and the load generator's trace replay, in this
 * JVM, on one {@link VirtualTime}. Each node is an OSGi framework ({@link Node}) running its distro profile's
 * bundles (the worker's or the controller's, the kernel, every policy, resource tracker and the sim backend) through
 * SCR and Configuration Admin with the settings of a configuration folder, as a live instance runs them; only the
 * clock, the scheduler and the connection between controller and workers (in-process) differ from a live run.
 *
 * <p>Threading: runs on the calling thread; after setup, every node's work runs on the virtual time's event loop.
 */
public final class Simulation {
    private static final System.Logger LOG = System.getLogger(Simulation.class.getName());
    /** Extension points a policy sweep or a swap may name. */
    static final Set<ExtensionPoint> SWAPPABLE = Set.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE,
            ExtensionPoint.BALANCER);
    /** Above the kernel's system time (ranking 0) and anything else a profile brings. */
    private static final Map<String, Object> FIRST = Map.of(Constants.SERVICE_RANKING, Integer.MAX_VALUE);

    /** A policy swap at a virtual time (ms from the start), as {@code vireo:use} live. */
    public record Swap(long atMs, ExtensionPoint point, String name) {
    }

    /**
     * What to simulate.
     *
     * @param functions the trace's functions (their timings: the trace's, or a live run's via {@link RecordedTimings})
     * @param limitMs   > 0: only invocations before this time
     * @param use       plugins chosen instead of the configuration's (a sweep's point of the grid)
     * @param latency   one-way delay between controller and worker (zero: a direct call)
     * @param configs       the configuration of every node (the controller's always)
     * @param speed         the replay's speed, as a live run's {@code --speed} (> 0)
     * @param workerConfigs each worker's own configuration where they differ (a live cluster's settings, {@code
     *                      --like}): one per worker, its {@code vireo.worker} name kept; empty: every worker takes
     *                      {@code configs} and is named worker-N
     * @param warm          containers to start per function id before the replay (a live run's warm containers at
     *                      its start, {@code --like}), through the controller's prewarm
     * @param clientLatency one-way delay between the load generator and the controller (zero: a direct call)
     */
    public record Setup(List<FunctionTrace> functions, Configs configs, int workers, long seed, long limitMs,
            Map<ExtensionPoint, String> use, List<Swap> swaps, Duration latency, double speed,
            List<Configs> workerConfigs, Map<String, Integer> warm, Duration clientLatency) {
        public Setup {
            if (workers < 1 || workers > 1_000) {
                throw new IllegalArgumentException("--workers must be 1-1000, was " + workers);
            }
            if (!(speed > 0 && speed <= 1_000)) {
                throw new IllegalArgumentException("speed must be > 0 and <= 1000, was " + speed);
            }
            if (!workerConfigs.isEmpty() && workerConfigs.size() != workers) {
                throw new IllegalArgumentException(workerConfigs.size() + " worker configurations for " + workers
                        + " workers");
            }
            java.util.Set<String> names = new java.util.HashSet<>();
            for (int i = 0; i < workerConfigs.size(); i++) {
                String name = workerName(workerConfigs.get(i), i + 1);
                if (!names.add(name)) {
                    throw new IllegalArgumentException("two workers are named '" + name + "': each needs its own name");
                }
            }
            use = Map.copyOf(use);
            swaps = List.copyOf(swaps);
            workerConfigs = List.copyOf(workerConfigs);
            warm = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(warm));
        }

        /** The name worker {@code n} (from 1) of its own configuration runs under: its own, else worker-N. */
        static String workerName(Configs own, int n) {
            String name = own.of("vireo.worker").getOrDefault("name", "");
            return name.isBlank() ? "worker-" + n : name;
        }

        /** Every worker configured alike, the trace at its own pace. */
        public Setup(List<FunctionTrace> functions, Configs configs, int workers, long seed, long limitMs,
                Map<ExtensionPoint, String> use, List<Swap> swaps, Duration latency) {
            this(functions, configs, workers, seed, limitMs, use, swaps, latency, 1, List.of(), Map.of(),
                    Duration.ZERO);
        }
    }

    /**
     * What came out: the rows the load generator would have written, and how the run went.
     *
     * @param setupWall wall time spent starting and stopping the nodes (their frameworks, bundles and components):
     *                  all of a run but the event loop
     */
    /**
     * A run's outcome; {@code startPolicies} are those it began with, {@code policies} those in force at its end (they
     * differ where a swap changed one).
     */
    public record Outcome(List<Row> rows, Duration simulated, VirtualTime.Counts counts, Map<String, String> policies,
            List<String> notes, Duration setupWall, Map<String, String> startPolicies) {
    }

    private final Setup setup;
    private final Distro distro;
    private final VirtualTime time = new VirtualTime();
    private final List<String> notes = new ArrayList<>();
    private final MeterRegistry meters;

    /** A simulation of the checkout's distro ({@code vireo.home}), without deployed bundles. */
    public Simulation(Setup setup) throws IOException {
        this(setup, Distro.locate());
    }

    Simulation(Setup setup, Distro distro) {
        this.setup = setup;
        this.distro = distro;
        VirtualTime t = time;
        this.meters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, new io.micrometer.core.instrument.Clock() {
            @Override
            public long wallTime() {
                return t.now().toEpochMilli();
            }

            @Override
            public long monotonicTime() {
                return t.nanoTime();
            }
        });
    }

    VirtualTime time() {
        return time;
    }

    /**
     * The kernel configuration of every node: {@code vireo.kernel.cfg}, the sweep's choices over it, and what a
     * simulated host has: the sim backend and transport only, and no GPU monitors (they would read the real host's
     * GPUs; simulated GPUs are configured as {@code devices} in {@code vireo.resource.gpu.cfg}).
     */
    private Map<String, String> kernel() {
        return kernel(setup.configs());
    }

    private Map<String, String> kernel(Configs configs) {
        Map<String, String> kernel = configs.of("vireo.kernel");
        kernel.put(ExtensionPoint.BACKEND.configKey(), "sim");
        kernel.put(ExtensionPoint.TRANSPORT.configKey(), "sim");
        kernel.put(ExtensionPoint.GPU_MONITOR.configKey(), "");
        // run state in the node's memory: a live cluster's Redis store must not be read (or written) by a simulation
        kernel.put(ExtensionPoint.DAG_STORE.configKey(), "embedded");
        setup.use().forEach((p, n) -> kernel.put(p.configKey(), n));
        return kernel;
    }

    private static List<String> names(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(n -> !n.isEmpty()).toList();
    }

    private static String installed(PluginRegistry r, ExtensionPoint p) {
        String names = r.plugins().stream().filter(i -> i.point() == p).map(PluginInfo::name).distinct().sorted()
                .collect(Collectors.joining(", "));
        return names.isEmpty() ? "(none)" : names;
    }

    /**
     * Checks what a node's kernel selected: what the simulation configured (not an environment override), and
     * installed (a live kernel would wait for a missing plugin's bundle; a simulation cannot).
     */
    private static void check(Node node, PluginRegistry r, Distro.Profile profile, Map<String, String> kernel) {
        for (ExtensionPoint p : ExtensionPoint.values()) {
            String wanted = kernel.get(p.configKey());
            Selection s = r.selection(p);
            if (wanted != null && !s.configured().equals(names(wanted))) {
                String env = "VIREO_KERNEL_" + p.configKey().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
                throw new IllegalArgumentException(node.name + ": " + p.configKey() + " is " + s.configured()
                        + " instead of the simulation's " + names(wanted) + ": " + (System.getenv(env) != null
                                ? "the environment variable " + env + " overrides it; unset it (a simulation takes"
                                        + " its plugins from --config and its options)"
                                : "the kernel refused vireo.kernel (simulation.log says why)"));
            }
        }
        String points = profile.properties().getOrDefault("vireo.role.points", "");
        for (String id : names(points)) {
            ExtensionPoint p = ExtensionPoint.parse(id);
            List<String> missing = r.selection(p).missing();
            if (!missing.isEmpty()) {
                throw new UnknownPluginException("unknown " + p.id() + " plugin '" + missing.get(0) + "'; installed: "
                        + installed(r, p));
            }
        }
    }

    /** The simulated system: the controller in front of N workers, each a framework of its own. */
    final class Cluster implements AutoCloseable {
        final WorkerService controller;
        /** The controller's workflow service (it places each run on a worker, which runs it: docs/dag.md). */
        DagService dags;
        final List<WorkerService> workers = new ArrayList<>();
        private final List<PluginRegistry> workerRegistries = new ArrayList<>();
        private final PluginRegistry controllerRegistry;
        private final List<Node> nodes = new ArrayList<>();
        private final Path storage;

        private Cluster() throws IOException, BundleException {
            time.claim();
            storage = Node.storage();
            try {
                Distro.Profile workerProfile = distro.profile("worker");
                Distro.Profile controllerProfile = distro.profile("controller");
                Map<String, String> kernel = kernel();
                List<Node.Offer> offers = List.of(
                        new Node.Offer(List.of(Clock.class, TaskScheduler.class), time, with(FIRST, "vireo.time",
                                "virtual")),
                        new Node.Offer(List.of(MeterRegistry.class), meters, FIRST));
                Map<String, WorkerService> byName = new LinkedHashMap<>();
                StringBuilder members = new StringBuilder();
                // the workflow runtime's view of the cluster, as the gRPC bundle and the worker's join give it live
                Map<String, DagService> dagServices = InProcessDagPeers.registry();
                java.util.concurrent.atomic.AtomicReference<ClusterMembers> membership =
                        new java.util.concurrent.atomic.AtomicReference<>();
                java.util.concurrent.atomic.AtomicReference<WorkerConnector> connector =
                        new java.util.concurrent.atomic.AtomicReference<>();
                for (int i = 1; i <= setup.workers(); i++) {
                    boolean own = !setup.workerConfigs().isEmpty();
                    Configs configs = own ? setup.workerConfigs().get(i - 1) : setup.configs();
                    Map<String, Map<String, String>> config = configs.all();
                    // a live cluster's worker keeps its name (a balancer may hash it); else worker-N
                    String name = own ? Setup.workerName(configs, i) : "worker-" + i;
                    config.put("vireo.kernel", own ? kernel(configs) : kernel);
                    Map<String, String> c = config.computeIfAbsent("vireo.worker", k -> new LinkedHashMap<>());
                    c.put("name", name);
                    // the simulated host has no memory but the memory tracker's: the real host's /proc/meminfo stays out
                    c.put("memory.pressure.free.percent", "0");
                    // nor its RAPL counters: simulated containers draw no energy the host could tell
                    c.put("energy.rapl.dir", "");
                    List<Node.Offer> workerOffers = new ArrayList<>(offers);
                    workerOffers.add(new Node.Offer(List.of(DagPeers.class, ClusterMembers.class),
                            new InProcessDagPeers(name, membership::get, dagServices, connector::get), FIRST));
                    Node node = boot(name, workerProfile, config, workerOffers);
                    PluginRegistry r = node.service(PluginRegistry.class);
                    check(node, r, workerProfile, config.get("vireo.kernel"));
                    WorkerService w = node.service(WorkerService.class);
                    dagServices.put(name, node.service(DagService.class));
                    workers.add(w);
                    workerRegistries.add(r);
                    byName.put(name, w);
                    members.append(members.isEmpty() ? "" : ",").append(name).append('=')
                            .append(InProcessConnector.SCHEME).append(name);
                }
                Map<String, Map<String, String>> config = setup.configs().all();
                config.put("vireo.kernel", kernel);
                config.computeIfAbsent("vireo.controller", k -> new LinkedHashMap<>()).put("workers",
                        members.toString());
                List<Node.Offer> controllerOffers = new ArrayList<>(offers);
                connector.set(new InProcessConnector(byName, time, setup.latency()));
                controllerOffers.add(new Node.Offer(List.of(WorkerConnector.class), connector.get(), FIRST));
                controllerOffers.add(new Node.Offer(List.of(DagPeers.class), new InProcessDagPeers("controller",
                        membership::get, dagServices, connector::get), FIRST));
                Node node = boot("controller", controllerProfile, config, controllerOffers);
                controllerRegistry = node.service(PluginRegistry.class);
                check(node, controllerRegistry, controllerProfile, kernel);
                controller = node.service(WorkerService.class);
                dags = node.service(DagService.class);
                for (Swap s : setup.swaps()) {
                    PluginRegistry r = s.point() == ExtensionPoint.BALANCER ? controllerRegistry
                            : workerRegistries.get(0);
                    if (r.plugins().stream().noneMatch(i -> i.point() == s.point() && i.name().equals(s.name()))) {
                        throw new UnknownPluginException("--swap: unknown " + s.point().id() + " plugin '" + s.name()
                                + "'; installed: " + installed(r, s.point()));
                    }
                }
                ClusterService cluster = node.service(ClusterService.class);
                membership.set(cluster);
                time.runUntil(() -> cluster.members().stream().filter(WorkerMember::healthy).count()
                        == setup.workers());
            } catch (IOException | BundleException | RuntimeException e) {
                close();
                throw e;
            }
        }

        private Node boot(String name, Distro.Profile profile, Map<String, Map<String, String>> config,
                List<Node.Offer> offers) throws IOException, BundleException {
            Node node = Node.boot(name, profile, distro, storage.resolve(name), config, offers, notes);
            nodes.add(node);
            return node;
        }

        /** Swaps a policy as {@code vireo:use} does live: balancer on the controller, the others on every worker. */
        void use(ExtensionPoint point, String name) {
            if (point == ExtensionPoint.BALANCER) {
                controllerRegistry.use(point, List.of(name));
            } else {
                workerRegistries.forEach(r -> r.use(point, List.of(name)));
            }
        }

        Map<String, String> policies() {
            Map<String, String> policies = new TreeMap<>();
            for (ExtensionPoint p : List.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE, ExtensionPoint.RESOURCE)) {
                policies.put(p.id(), String.join(",", workerRegistries.get(0).selection(p).effective()));
            }
            policies.put(ExtensionPoint.BALANCER.id(),
                    String.join(",", controllerRegistry.selection(ExtensionPoint.BALANCER).effective()));
            return policies;
        }

        /** Stops the nodes, the controller first, each on this thread. */
        @Override
        public void close() {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).close();
            }
            nodes.clear();
            Node.delete(storage);
        }
    }

    private static Map<String, Object> with(Map<String, Object> m, String key, Object value) {
        Map<String, Object> out = new LinkedHashMap<>(m);
        out.put(key, value);
        return out;
    }

    /** Makes the cluster, at virtual time zero, with every worker in service. */
    Cluster start() {
        try {
            return new Cluster();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (BundleException e) {
            throw new IllegalStateException("a simulated node did not start: " + e.getMessage(), e);
        }
    }

    /** Runs the whole trace and returns its rows (failures are rows too). */
    public Outcome run() {
        long t0 = WallClock.nanos();
        Cluster cluster = start();
        long started = WallClock.nanos() - t0;
        List<Row> rows;
        Map<String, String> policies;
        Map<String, String> startPolicies = cluster.policies();
        try {
            rows = replay(cluster);
            policies = cluster.policies();
        } finally {
            long t1 = WallClock.nanos();
            cluster.close();
            started += WallClock.nanos() - t1;
        }
        return new Outcome(rows, time.elapsed(), time.counts(), policies, List.copyOf(notes),
                Duration.ofNanos(started), startPolicies);
    }

    /**
     * A workflow's outcome in the simulation: its status with every task's record, the plan it was submitted with
     * (the workflow service's {@code plan(run)}, taken before the cluster closes), and the virtual time it took.
     */
    public record WorkflowOutcome(RunStatus status, RunPlan plan, Duration simulated, Duration setupWall) {
    }

    /**
     * Runs one workflow on the simulated cluster: every function it names is registered on the sim backend through the
     * controller (cold start {@code coldMs}, execution {@code execMs}; a task's {@code sim_exec_ms} arg overrides), the
     * workflow is submitted to the controller's workflow service, and virtual time runs until the run ends.
     */
    public WorkflowOutcome runWorkflow(String spec, long coldMs, long execMs) {
        return runWorkflow(spec, coldMs, execMs, 0.1, 1);
    }

    /**
     * {@link #runWorkflow(String, long, long)} with functions of {@code cpus} each, run {@code rounds} times one after
     * the other in the same cluster (the runs before the last warm containers and give the planners a history, as
     * repeated live runs do); the last run's outcome.
     */
    public WorkflowOutcome runWorkflow(String spec, long coldMs, long execMs, double cpus, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
        }
        long t0 = WallClock.nanos();
        Cluster cluster = start();
        long started = WallClock.nanos() - t0;
        try {
            DagService dags = cluster.dags;
            if (dags == null) {
                throw new IllegalStateException("the controller profile has no workflow service (bundle dev.vireo.dag)");
            }
            Workflow workflow = dags.parse(spec);
            java.util.Set<String> functions = new java.util.LinkedHashSet<>();
            workflow.tasks().forEach(t -> functions.add(t.functionId()));
            for (String id : functions) {
                int dash = id.lastIndexOf('-');
                if (dash <= 0) {
                    throw new IllegalArgumentException("function '" + id + "' is not name-version");
                }
                cluster.controller.register(new FunctionSpec(id.substring(0, dash), id.substring(dash + 1),
                        "sim/" + id.substring(0, dash), "", "", "sim", Compute.CPU, "sim", 128, cpus,
                        FunctionSpec.MAX_TIMEOUT, FunctionSpec.MAX_CONCURRENCY, new ExpectedTimings(coldMs, execMs)));
            }
            String run = "";
            for (int i = 0; i < rounds; i++) {
                String submitted = dags.submit(workflow, "");
                // a summary counts every task: asked every 256 steps (the run's own times come from its records)
                int[] steps = {0};
                time.runUntil(() -> ++steps[0] % 256 == 0 && dags.summary(submitted).state().done());
                run = submitted;
            }
            return new WorkflowOutcome(dags.status(run), dags.plan(run), time.elapsed(), Duration.ofNanos(started));
        } finally {
            cluster.close();
        }
    }

    /**
     * Starts the containers the run begins with ({@link Setup#warm}) for the trace's functions, through the
     * controller's prewarm (spread over the workers), and runs the clock until they are up; a function the trace does
     * not have is a note.
     */
    private void prewarm(WorkerService controller, TraceMapping mapping) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        mapping.names().keySet().forEach(f -> ids.add(mapping.id(f)));
        List<CompletableFuture<Integer>> started = new ArrayList<>();
        setup.warm().forEach((id, n) -> {
            if (!ids.contains(id)) {
                notes.add("warm at start: " + id + " is not a function of this trace; left out");
            } else if (n > 0) {
                // a worker prewarms at most 1000 at once; the controller spreads the count over the workers
                started.add(controller.prewarm(id, Math.min(Math.min(n, 10_000), 1_000 * setup.workers()))
                        .toCompletableFuture());
            }
        });
        if (!started.isEmpty()) {
            CompletableFuture<Void> all = CompletableFuture.allOf(started.toArray(CompletableFuture[]::new));
            time.runUntil(all::isDone);
            int up = started.stream().mapToInt(CompletableFuture::join).sum();
            notes.add("started " + up + " warm containers before the replay, as the live run had at its start");
        }
    }

    /** The load generator's open loop (the same {@link Replay} a live run uses) on the virtual clock. */
    private List<Row> replay(Cluster cluster) {
        WorkerService controller = cluster.controller;
        TraceMapping mapping = new TraceMapping(setup.functions(), "sim", "");
        new Replay(controller, time, time, time.nanoTime()).register(mapping);
        prewarm(controller, mapping);
        // swaps count from the replay's start, as its rows do (after the containers it starts with)
        for (Swap s : setup.swaps()) {
            time.schedule(() -> {
                LOG.log(Level.INFO, "swap at " + s.atMs() + " ms: " + s.point().id() + " = " + s.name());
                cluster.use(s.point(), s.name());
            }, Duration.ofMillis(s.atMs()));
        }
        // the run's time axis begins once the containers it starts with are up
        WorkerService target = setup.clientLatency().isZero() ? controller
                : new ClientHop(controller, time, setup.clientLatency());
        Replay replay = new Replay(target, time, time, time.nanoTime());
        List<TraceMapping.Planned> plan = TraceMapping.plan(setup.functions(), setup.seed(), setup.limitMs());
        CompletableFuture<List<Row>> done = replay.start(plan, mapping, setup.speed(), "sim", row -> { });
        time.runUntil(done::isDone);
        return done.join();
    }

}
