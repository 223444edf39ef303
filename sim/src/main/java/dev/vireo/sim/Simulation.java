package dev.vireo.sim;

import dev.vireo.workload.TraceMapping;
import dev.vireo.workload.Row;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.Replay;
import dev.vireo.controller.internal.ControllerConfig;
import dev.vireo.controller.internal.ControllerCore;
import dev.vireo.controller.internal.ControllerOptions;
import dev.vireo.worker.internal.WorkerComponent;
import dev.vireo.worker.internal.WorkerConfig;
import dev.vireo.testkit.VirtualTime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One simulation: a controller, N workers on the simulated backend and the load generator's trace replay, in this
 * JVM, on one {@link VirtualTime}. The worker is the live {@link WorkerComponent}, the controller the live
 * {@link ControllerCore}, the policies, resource trackers and the simulated backend are the plugins on the class path
 * made from their component descriptions with the settings of a configuration folder; only the clock, the scheduler
 * and the connection between controller and workers (in-process) differ from a live run.
 *
 * <p>Threading: runs on the calling thread.
 */
public final class Simulation {
    private static final System.Logger LOG = System.getLogger(Simulation.class.getName());
    /** Extension points a policy sweep or a swap may name. */
    static final Set<ExtensionPoint> SWAPPABLE = Set.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE,
            ExtensionPoint.BALANCER);

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
     */
    public record Setup(List<FunctionTrace> functions, Configs configs, int workers, long seed, long limitMs,
            Map<ExtensionPoint, String> use, List<Swap> swaps, Duration latency) {
        public Setup {
            if (workers < 1 || workers > 1_000) {
                throw new IllegalArgumentException("--workers must be 1-1000, was " + workers);
            }
            use = Map.copyOf(use);
            swaps = List.copyOf(swaps);
        }
    }

    /** What came out: the rows the load generator would have written, and how the run went. */
    public record Outcome(List<Row> rows, Duration simulated, VirtualTime.Counts counts, Map<String, String> policies,
            List<String> notes) {
    }

    private final Setup setup;
    private final Catalog catalog;
    private final VirtualTime time = new VirtualTime();
    private final List<String> notes = new ArrayList<>();
    private final MeterRegistry meters;

    public Simulation(Setup setup) throws java.io.IOException {
        this(setup, Catalog.load(Simulation.class.getClassLoader()));
    }

    Simulation(Setup setup, Catalog catalog) {
        this.setup = setup;
        this.catalog = catalog;
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

    /** The kernel's selection from vireo.kernel.cfg, the sweep's choices over it; backends and transports: sim. */
    private Map<ExtensionPoint, List<String>> selection() {
        Map<String, String> kernel = setup.configs().of("vireo.kernel");
        Map<ExtensionPoint, List<String>> s = new EnumMap<>(ExtensionPoint.class);
        for (ExtensionPoint p : List.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE, ExtensionPoint.BALANCER,
                ExtensionPoint.RESOURCE)) {
            String fallback = switch (p) {
                case QUEUE -> "fcfs";
                case KEEPALIVE -> "lru";
                case BALANCER -> "round-robin";
                default -> "cpu, concurrency, memory";
            };
            List<String> names = new ArrayList<>();
            for (String n : kernel.getOrDefault(p.configKey(), fallback).split(",")) {
                if (!n.isBlank()) {
                    names.add(n.trim());
                }
            }
            s.put(p, names);
        }
        setup.use().forEach((p, n) -> s.put(p, List.of(n)));
        // resource trackers that need the framework (the GPU tracker asks it for the GPU monitors) are left out
        List<String> resources = new ArrayList<>();
        for (String n : s.get(ExtensionPoint.RESOURCE)) {
            Catalog.Plugin p = catalog.of(ExtensionPoint.RESOURCE).get(n);
            if (p == null) {
                throw new dev.vireo.api.plugin.UnknownPluginException("unknown resource plugin '" + n
                        + "'; installed: " + catalog.names(ExtensionPoint.RESOURCE));
            }
            try {
                make(p, null);
                resources.add(n);
            } catch (Catalog.NotSimulatable e) {
                notes.add("resource tracker " + n + " left out: " + e.getMessage());
            }
        }
        s.put(ExtensionPoint.RESOURCE, resources);
        s.put(ExtensionPoint.BACKEND, List.of("sim"));
        s.put(ExtensionPoint.TRANSPORT, List.of("sim"));
        return s;
    }

    private Object make(Catalog.Plugin p, PluginRegistry registry) {
        Map<String, Object> services = new java.util.HashMap<>();
        services.put(dev.vireo.api.time.Clock.class.getName(), time);
        services.put(dev.vireo.api.time.TaskScheduler.class.getName(), time);
        services.put(MeterRegistry.class.getName(), meters);
        if (registry != null) {
            services.put(PluginRegistry.class.getName(), registry);
        }
        return catalog.make(p, services, setup.configs().of(p.pid()));
    }

    private SimRegistry registry(Map<ExtensionPoint, List<String>> selection, Set<ExtensionPoint> points) {
        Map<ExtensionPoint, List<String>> mine = new EnumMap<>(ExtensionPoint.class);
        points.forEach(p -> mine.put(p, selection.get(p)));
        SimRegistry[] self = new SimRegistry[1];
        self[0] = new SimRegistry(catalog, mine, points, p -> make(p, self[0]));
        return self[0];
    }

    /** The simulated system: the controller in front of N workers, each with its own registry. */
    final class Cluster implements AutoCloseable {
        final ControllerCore controller;
        final List<WorkerComponent> workers = new ArrayList<>();
        final List<SimRegistry> workerRegistries = new ArrayList<>();
        final SimRegistry controllerRegistry;

        private Cluster() {
            Map<ExtensionPoint, List<String>> selection = selection();
            Set<ExtensionPoint> workerPoints = Set.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE,
                    ExtensionPoint.RESOURCE, ExtensionPoint.BACKEND, ExtensionPoint.TRANSPORT);
            Map<String, WorkerService> byName = new LinkedHashMap<>();
            StringBuilder members = new StringBuilder();
            for (int i = 1; i <= setup.workers(); i++) {
                String name = "worker-" + i;
                SimRegistry r = registry(selection, workerPoints);
                Map<String, String> c = setup.configs().of("vireo.worker");
                c.put("name", name);
                // the simulated host has no memory but the memory tracker's: the real host's /proc/meminfo stays out
                c.put("memory.pressure.free.percent", "0");
                WorkerComponent w = new WorkerComponent(r, time, time, meters, ConfigProxy.of(WorkerConfig.class, c));
                workers.add(w);
                workerRegistries.add(r);
                byName.put(name, w);
                members.append(members.isEmpty() ? "" : ",").append(name).append('=')
                        .append(InProcessConnector.SCHEME).append(name);
            }
            controllerRegistry = registry(selection, Set.of(ExtensionPoint.BALANCER));
            Map<String, String> cc = setup.configs().of("vireo.controller");
            cc.put("workers", members.toString());
            controller = new ControllerCore(ControllerOptions.of(ConfigProxy.of(ControllerConfig.class, cc)),
                    controllerRegistry, time, time, new InProcessConnector(byName, time, setup.latency()), meters);
            time.runUntil(() -> controller.members().stream().filter(m -> m.healthy()).count() == setup.workers());
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

        @Override
        public void close() {
            controller.close();
            workers.forEach(WorkerComponent::close);
        }
    }

    /** Makes the cluster, at virtual time zero, with every worker in service. */
    Cluster start() {
        return new Cluster();
    }

    /** Runs the whole trace and returns its rows (failures are rows too). */
    public Outcome run() {
        try (Cluster cluster = start()) {
            for (Swap s : setup.swaps()) {
                time.schedule(() -> {
                    LOG.log(Level.INFO, "swap at " + s.atMs() + " ms: " + s.point().id() + " = " + s.name());
                    cluster.use(s.point(), s.name());
                }, Duration.ofMillis(s.atMs()));
            }
            List<Row> rows = replay(cluster.controller);
            return new Outcome(rows, time.elapsed(), time.counts(), cluster.policies(), List.copyOf(notes));
        }
    }

    /** The load generator's open loop (the same {@link Replay} a live run uses) on the virtual clock. */
    private List<Row> replay(WorkerService controller) {
        TraceMapping mapping = new TraceMapping(setup.functions(), "sim", "");
        Replay replay = new Replay(controller, time, time, time.nanoTime());
        replay.register(mapping);
        List<TraceMapping.Planned> plan = TraceMapping.plan(setup.functions(), setup.seed(), setup.limitMs());
        CompletableFuture<List<Row>> done = replay.start(plan, mapping, 1, "sim", row -> { });
        time.runUntil(done::isDone);
        return done.join();
    }

}
