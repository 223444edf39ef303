package dev.vireo.sim;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.loadgen.ComparisonReport;
import dev.vireo.loadgen.LoadgenCommand;
import dev.vireo.loadgen.Report;
import dev.vireo.loadgen.Results;
import dev.vireo.loadgen.RunMetadata;
import dev.vireo.workload.FunctionTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import dev.vireo.loadgen.TraceOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vireo sim}: a controller, N workers and the load generator on a virtual clock; writes the same results
 * folder as {@code vireo loadgen trace}, marked simulated, or one folder per point of a policy sweep.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = {"The controller, N workers and the trace replay on a virtual clock (time-skipping,"
                + " deterministic); the same results folder as a live run, marked simulated.",
            "POINT: queue, keepalive or balancer. Several --sweep options make a grid (every combination)."})
public final class SimCommand implements Callable<Integer> {
    /** The live system's configuration folder: {@code VIREO_CONFIGS_DIR}, else the launcher's, else {@code configs}. */
    public static final String CONFIGS_DIR = "${env:VIREO_CONFIGS_DIR:-${sys:vireo.configs.dir:-configs}}";
    /** The hot-deploy folder whose bundles are simulated too. */
    public static final String DEPLOY_DIR = "${env:VIREO_DEPLOY_DIR:-${sys:vireo.deploy.dir:-deploy}}";

    @Spec
    CommandSpec spec;

    @Mixin
    TraceOptions replayed;

    @Option(names = "--workers", defaultValue = "1", description = "workers behind the controller, 1-1000")
    int workers;

    @Option(names = "--config", paramLabel = "DIR", defaultValue = CONFIGS_DIR,
            description = "configuration folder, as the live system reads it (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--deploy", paramLabel = "DIR", defaultValue = DEPLOY_DIR,
            description = "hot-deploy folder: its bundles' plugins can be chosen too (default: ${DEFAULT-VALUE})")
    Path deploy;


    @Option(names = "--sweep", paramLabel = "POINT=a,b,...", description = "one run per value (repeatable: a grid)")
    List<String> sweeps = List.of();

    @Option(names = "--seeds", paramLabel = "A-B|A,B,...", description = "one run per seed (instead of --seed) at every"
            + " point: mean and 95 %% confidence interval per point (seeds.json)")
    String seedSpec;

    @Option(names = "--use", paramLabel = "POINT=NAME", description = "plugin to use at a point (repeatable)")
    List<String> uses = List.of();

    @Option(names = "--swap", paramLabel = "SECONDS:POINT=NAME", description = "swap a plugin mid-run (repeatable)")
    List<String> swapList = List.of();

    @Option(names = "--timings", paramLabel = "LIVE_RUN", description = "take cold/warm times from a live run's records")
    Path timings;

    @Option(names = "--network-us", defaultValue = "0", description = "one-way network delay, 0-10000000 us")
    long networkUs;

    @Option(names = "--speed", defaultValue = "1", description = "replay speed, > 0 and <= 1000 (as loadgen trace's)")
    double speed;

    @Option(names = "--like", paramLabel = "LIVE_RUN", description = "simulate exactly what a live trace run did (its"
            + " trace, seed, speed, minutes, workers and every node's configuration; measured timings for a real"
            + " backend) and compare the two (like.json)")
    Path like;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = LoadgenCommand.RUNS_DIR,
            description = "folder of results folders (default: ${DEFAULT-VALUE})")
    Path outRoot;

    @Option(names = "--name", paramLabel = "NAME", description = "results folder name (default: sim-yyyyMMdd-HHmmss)")
    String name;

    @Option(names = "--report", defaultValue = "yes", paramLabel = "yes|no", description = "draw report.html")
    String report;

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    static ExtensionPoint point(String id, String option) {
        for (ExtensionPoint p : Simulation.SWAPPABLE) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException(option + ": '" + id + "' is not a point a simulation can choose; use"
                + " queue, keepalive or balancer");
    }

    /** The grid of a sweep: every combination of the named points' values, in the order given. */
    static List<Map<ExtensionPoint, String>> grid(List<String> sweeps) {
        List<Map<ExtensionPoint, String>> grid = new ArrayList<>();
        grid.add(new LinkedHashMap<>());
        for (String s : sweeps) {
            int eq = s.indexOf('=');
            if (eq <= 0 || eq == s.length() - 1) {
                throw new IllegalArgumentException("--sweep '" + s + "' is not POINT=a,b,... (e.g. queue=fcfs,sjf,mqfq)");
            }
            ExtensionPoint p = point(s.substring(0, eq).trim(), "--sweep");
            List<Map<ExtensionPoint, String>> next = new ArrayList<>();
            for (Map<ExtensionPoint, String> g : grid) {
                if (g.containsKey(p)) {
                    throw new IllegalArgumentException("--sweep names " + p.id() + " twice");
                }
                for (String v : s.substring(eq + 1).split(",")) {
                    if (v.isBlank()) {
                        continue;
                    }
                    Map<ExtensionPoint, String> m = new LinkedHashMap<>(g);
                    m.put(p, v.trim());
                    next.add(m);
                }
            }
            grid = next;
        }
        return grid;
    }

    /** What --like takes from the live run: these options would contradict it. */
    private static final List<String> LIKE_TAKES = List.of("--trace", "--metadata", "--days", "--seed", "--minutes", "--only",
            "--workers", "--config", "--speed", "--timings", "--sweep", "--seeds");

    @Override
    public Integer call() throws Exception {
        LiveRun live = null;
        if (like != null) {
            for (String o : LIKE_TAKES) {
                if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                    throw bad("--like takes " + o + " from the live run; leave it out (--use, --swap and --network-us"
                            + " may change what the simulation does)");
                }
            }
            try {
                live = LiveRun.read(like);
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
            replayed.trace = live.trace();
            replayed.metadata = live.metadata();
            replayed.days = live.days();
            replayed.seed = live.seed();
            replayed.minutes = live.minutes();
            replayed.only = live.only();
            speed = live.speed();
            workers = live.workers();
        }
        if (workers < 1 || workers > 1_000) {
            throw bad(live != null ? "--like " + like + ": the run's target had " + workers + " workers in service"
                    : "--workers must be 1-1000");
        }
        if (!(speed > 0 && speed <= 1_000)) {
            throw bad("--speed must be > 0 and <= 1000");
        }
        replayed.check();
        if (networkUs < 0 || networkUs > 10_000_000) {
            throw bad("--network-us must be 0-10000000");
        }
        if (!report.equals("yes") && !report.equals("no")) {
            throw bad("--report must be yes or no");
        }
        // options first, files after: a typo is reported before anything is read
        List<Map<ExtensionPoint, String>> grid = grid(sweeps);
        List<Long> seeds;
        if (seedSpec != null && spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
            throw bad("--seed and --seeds: one or the other (--seeds runs every seed it names)");
        }
        try {
            seeds = seedSpec == null ? List.of(replayed.seed) : SeedStats.parse(seedSpec);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        Map<ExtensionPoint, String> use = new LinkedHashMap<>();
        for (String u : uses) {
            int eq = u.indexOf('=');
            if (eq <= 0) {
                throw bad("--use '" + u + "' is not POINT=NAME");
            }
            use.put(point(u.substring(0, eq).trim(), "--use"), u.substring(eq + 1).trim());
        }
        List<Simulation.Swap> swaps = new ArrayList<>();
        for (String s : swapList) {
            var m = java.util.regex.Pattern.compile("(\\d{1,7}):([a-z]+)=([a-z0-9-]+)").matcher(s.trim());
            if (!m.matches()) {
                throw bad("--swap '" + s + "' is not SECONDS:POINT=NAME (e.g. 1800:queue=sjf)");
            }
            swaps.add(new Simulation.Swap(Long.parseLong(m.group(1)) * 1_000, point(m.group(2), "--swap"), m.group(3)));
        }
        String runName = name != null ? name : "sim-" + WallClock.stamp();
        if (!runName.matches("[A-Za-z0-9._-]{1,100}")) {
            throw bad("--name '" + runName + "' may only have letters, digits, '.', '_', '-'");
        }
        Path out = outRoot.resolve(runName);
        if (Files.isDirectory(out)) {
            try (Stream<Path> files = Files.list(out)) {
                if (files.findAny().isPresent()) {
                    throw bad("results folder " + out + " exists and is not empty: choose another --name");
                }
            }
        }
        List<FunctionTrace> functions = replayed.load();
        Configs configs = live != null ? live.controllerConfigs() : Configs.read(config);
        List<Configs> workerConfigs = live != null ? live.workerConfigs() : List.of();
        if (live != null && !live.backend().equals("sim")) {
            // containers of a real backend: their cold and warm times as the run measured them
            timings = like;
        }
        Duration clientHop = Duration.ZERO;
        if (live != null) {
            // the network as the run measured it, unless --network-us says otherwise
            LiveRun.Hops hops = live.hops();
            if (!spec.commandLine().getParseResult().hasMatchedOption("--network-us")) {
                networkUs = hops.network();
            }
            clientHop = Duration.ofNanos(hops.client() * 1_000);
        }
        int replaced = -1;
        if (timings != null) {
            RecordedTimings.Applied a = RecordedTimings.apply(functions, timings);
            functions = a.functions();
            replaced = a.replaced();
        }
        boolean drawReport = report.equals("yes");
        Distro distro = Distro.locate().deploying(deploy);
        JsonArray sweep = new JsonArray();
        // every point of the grid, every seed at each
        for (int k = 0; k < grid.size() * seeds.size(); k++) {
            Map<ExtensionPoint, String> point = grid.get(k / seeds.size());
            long seed = seeds.get(k % seeds.size());
            Map<ExtensionPoint, String> chosen = new LinkedHashMap<>(use);
            chosen.putAll(point);
            Path pointDir = grid.size() == 1 ? out : out.resolve(label(point));
            Path dir = seeds.size() == 1 ? pointDir : pointDir.resolve("seed=" + seed);
            Simulation.Setup setup = new Simulation.Setup(functions, configs, workers, seed,
                    replayed.limitMs(), chosen, swaps, Duration.ofNanos(networkUs * 1_000), speed, workerConfigs,
                    live != null ? live.warm() : Map.of(), clientHop);
            RunMetadata meta = RunMetadata.simulated().trace(replayed.trace, seed, speed,
                    replayed.minutes, "sim", functions.size())
                    .put("workers", workers).put("network_us", networkUs)
                    .put("config", configs.dir.toAbsolutePath().normalize().toString());
            replayed.describe(meta);
            if (live != null) {
                meta.put("like", like.toAbsolutePath().normalize().toString())
                        .put("client_hop_us", clientHop.toNanos() / 1_000);
            }
            if (replaced >= 0) {
                meta.put("timings", timings.toAbsolutePath().normalize().toString()).put("timings_functions", replaced);
            }
            if (!swaps.isEmpty()) {
                meta.put("swaps", swaps.toString());
            }
            JsonObject summary = runOne(setup, distro, dir, meta.json(), drawReport);
            JsonObject line = new JsonObject();
            line.addProperty("run", dir.equals(out) ? out.getFileName().toString() : out.relativize(dir).toString());
            line.addProperty("point", grid.size() == 1 ? "-" : label(point));
            line.addProperty("seed", seed);
            line.add("policies", summary.getAsJsonObject("run").get("policies"));
            line.add("overall", summary.getAsJsonObject("overall"));
            sweep.add(line);
        }
        if (live != null) {
            compareWithLive(like, out);
        }
        if (seeds.size() > 1) {
            JsonArray byPoint = SeedStats.byPoint(sweep);
            Files.writeString(out.resolve("seeds.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(byPoint)
                    + "\n");
            System.out.println();
            System.out.print(SeedStats.table(byPoint));
            System.out.println("seeds: " + out.toAbsolutePath().resolve("seeds.json"));
        }
        if (grid.size() > 1 || seeds.size() > 1) {
            Files.writeString(out.resolve("sweep.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(sweep) + "\n");
            System.out.println();
            System.out.printf(Locale.ROOT, "%-28s %10s %8s %8s %12s %12s %12s%n", "sweep", "count", "errors", "cold %",
                    "e2e p50 us", "e2e p99 us", "ovh p99 us");
            for (var e : sweep) {
                JsonObject l = e.getAsJsonObject();
                JsonObject s = l.getAsJsonObject("overall");
                System.out.printf(Locale.ROOT, "%-28s %10d %8d %8.2f %12d %12d %12d%n", l.get("run").getAsString(),
                        s.get("count").getAsLong(), s.get("errors").getAsLong(), s.get("cold_pct").getAsDouble(),
                        s.get("e2e_p50_us").getAsLong(), s.get("e2e_p99_us").getAsLong(), s.get("overhead_p99_us").getAsLong());
            }
            System.out.println("sweep: " + out.toAbsolutePath().resolve("sweep.json"));
            // one line and one row per point: its seeds' runs pooled (a run per seed would crowd the points out)
            Map<String, List<Path>> byPoint = new LinkedHashMap<>();
            for (var e : sweep) {
                JsonObject l = e.getAsJsonObject();
                String run = l.get("run").getAsString();
                byPoint.computeIfAbsent(seeds.size() > 1 && grid.size() > 1 ? l.get("point").getAsString() : run,
                        k -> new ArrayList<>()).add(out.resolve(run));
            }
            List<ComparisonReport.Group> groups = new ArrayList<>();
            byPoint.forEach((label, runs) -> groups.add(new ComparisonReport.Group(seeds.size() > 1 && grid.size() > 1
                    ? label + " (" + runs.size() + " seeds)" : label, runs)));
            Path page = ComparisonReport.write(out, "Sweep " + out.getFileName(), groups);
            System.out.println("comparison: " + page.toAbsolutePath());
        }
        return 0;
    }

    /** The live run and its simulation side by side (overall and per function) into like.json, and how far apart. */
    static JsonObject compareWithLive(Path live, Path simulated) throws Exception {
        JsonObject comparison = Results.compare(List.of(live, simulated));
        var overall = comparison.getAsJsonArray("groups").get(0).getAsJsonObject().getAsJsonArray("stats");
        JsonObject fidelity = LiveRun.fidelity(overall.get(0).getAsJsonObject(), overall.get(1).getAsJsonObject());
        comparison.add("fidelity", fidelity);
        Files.writeString(simulated.resolve("like.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
                .toJson(comparison) + "\n");
        System.out.println();
        System.out.println("the live run (A) and its simulation (B):");
        Results.printComparison(comparison, System.out);
        System.out.println(LiveRun.describe(fidelity));
        Path page = ComparisonReport.write(simulated, "Live run " + live.getFileName() + " and its simulation",
                List.of(live, simulated), List.of("live", "simulated"));
        System.out.println("comparison: " + simulated.toAbsolutePath().resolve("like.json") + " (figures: "
                + page.toAbsolutePath() + ")");
        return comparison;
    }

    static String label(Map<ExtensionPoint, String> point) {
        StringBuilder b = new StringBuilder();
        // nested (queue=fcfs/keepalive=ttl): DuckDB's hive partitioning reads the folders of a grid as columns
        point.forEach((p, v) -> b.append(b.isEmpty() ? "" : "/").append(p.id()).append('=').append(v));
        return b.toString();
    }

    /** One simulation into one results folder; returns its summary. */
    static JsonObject runOne(Simulation.Setup setup, Distro distro, Path dir, JsonObject meta, boolean report)
            throws Exception {
        Files.createDirectories(dir);
        Simulation sim = new Simulation(setup, distro);
        long wall0 = WallClock.nanos();
        Simulation.Outcome r;
        try (SimLog log = new SimLog(dir.resolve("simulation.log"), () -> sim.time().elapsed().toNanos() / 1_000)) {
            r = sim.run();
        }
        long wallSim = WallClock.nanos() - wall0;
        // the policies it began with (what every exported row names: a swap is in "swaps"), and where a swap changed
        // one, those at its end
        JsonObject policies = new JsonObject();
        r.startPolicies().forEach(policies::addProperty);
        meta.add("policies", policies);
        if (!r.startPolicies().equals(r.policies())) {
            JsonObject end = new JsonObject();
            r.policies().forEach(end::addProperty);
            meta.add("policies_at_end", end);
        }
        JsonObject summary = Results.write(dir, r.rows(), meta);
        long wallResults = WallClock.nanos() - wall0 - wallSim;
        if (report) {
            Report.write(dir, summary);
        }
        double simulatedS = r.simulated().toNanos() / 1e9;
        double wallS = wallSim / 1e9;
        JsonObject speed = new JsonObject();
        speed.addProperty("invocations", r.rows().size());
        speed.addProperty("workers", setup.workers());
        speed.addProperty("simulated_s", simulatedS);
        speed.addProperty("wall_s", wallS);
        speed.addProperty("setup_wall_s", r.setupWall().toNanos() / 1e9);
        speed.addProperty("speedup", Math.round(simulatedS / Math.max(wallS, 1e-9) * 10) / 10.0);
        speed.addProperty("invocations_per_wall_s", Math.round(r.rows().size() / Math.max(wallS, 1e-9)));
        speed.addProperty("results_wall_s", wallResults / 1e9);
        speed.addProperty("tasks", r.counts().tasks());
        speed.addProperty("timers", r.counts().timers());
        speed.addProperty("clock_jumps", r.counts().jumps());
        speed.addProperty("task_failures", r.counts().failures());
        JsonArray notes = new JsonArray();
        r.notes().forEach(notes::add);
        speed.add("notes", notes);
        Files.writeString(dir.resolve("simulation.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(speed)
                + "\n");
        Results.printSummary(summary, System.out);
        r.notes().forEach(n -> System.out.println("note: " + n));
        System.out.printf(Locale.ROOT, "simulated %.1f s in %.2f s wall (%,.0fx; %.2f s of it starting and stopping %d"
                + " nodes; %,d invocations, %,d events); policies %s%n", simulatedS, wallS,
                simulatedS / Math.max(wallS, 1e-9), r.setupWall().toNanos() / 1e9, setup.workers() + 1, r.rows().size(),
                r.counts().tasks() + r.counts().timers(), r.policies());
        System.out.println("results: " + dir.toAbsolutePath() + (report ? "  (report: "
                + dir.toAbsolutePath().resolve("report.html") + ")" : ""));
        return summary;
    }
}
