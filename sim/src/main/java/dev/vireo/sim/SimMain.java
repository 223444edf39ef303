package dev.vireo.sim;

import static dev.vireo.loadgen.Main.number;
import static dev.vireo.loadgen.Main.one;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.cli.trace.AzureTrace;
import dev.vireo.cli.trace.FunctionTrace;
import dev.vireo.loadgen.Report;
import dev.vireo.loadgen.Results;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./vireo sim}: a controller, N workers and the load generator on a virtual clock; writes the same results
 * folder as {@code ./vireo loadgen trace}, marked simulated, or one folder per point of a policy sweep.
 */
public final class SimMain {
    static final String USAGE = """
            usage: sim --trace DIR [--workers 1] [--config configs] [--seed 1] [--minutes M] [--only HASH,...]
                       [--sweep POINT=a,b,...]... [--use POINT=NAME]... [--swap SECONDS:POINT=NAME]...
                       [--timings LIVE_RUN_DIR] [--network-us 0] [--out runs] [--name NAME] [--report yes|no]
              POINT: queue, keepalive or balancer. Several --sweep options make a grid (every combination).""";
    private static final Set<String> KNOWN = Set.of("--trace", "--workers", "--config", "--seed", "--minutes", "--only",
            "--sweep", "--use", "--swap", "--timings", "--network-us", "--out", "--name", "--report");

    private SimMain() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("vireo: " + e.getMessage());
            code = 2;
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("vireo: no such file: " + e.getMessage());
            code = 1;
        } catch (Exception e) {
            System.err.println("vireo: " + e);
            code = 1;
        }
        System.exit(code);
    }

    static Map<String, List<String>> options(String[] args) {
        Map<String, List<String>> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!KNOWN.contains(args[i])) {
                throw new IllegalArgumentException("unknown option '" + args[i] + "'\n" + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            o.computeIfAbsent(args[i], k -> new ArrayList<>()).add(args[++i]);
        }
        return o;
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

    static int run(String[] args) throws Exception {
        Map<String, List<String>> o = options(args);
        String traceDir = one(o, "--trace", null);
        if (traceDir == null) {
            throw new IllegalArgumentException("--trace DIR is needed (Azure Functions 2019 files; make one with"
                    + " ./vireo trace synth)\n" + USAGE);
        }
        // options first, files after: a typo is reported before anything is read
        List<Map<ExtensionPoint, String>> grid = grid(o.getOrDefault("--sweep", List.of()));
        List<FunctionTrace> functions = dev.vireo.loadgen.Main.select(AzureTrace.load(Path.of(traceDir)),
                one(o, "--only", ""), traceDir);
        int workers = (int) number(o, "--workers", 1, 1, 1_000);
        long seed = number(o, "--seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
        long minutes = number(o, "--minutes", 0, 0, 1_440);
        long networkUs = number(o, "--network-us", 0, 0, 10_000_000);
        Configs configs = Configs.read(Path.of(one(o, "--config", "configs")));
        boolean report = !one(o, "--report", "yes").equals("no");
        String timings = one(o, "--timings", "");
        int replaced = -1;
        if (!timings.isEmpty()) {
            RecordedTimings.Applied a = RecordedTimings.apply(functions, Path.of(timings));
            functions = a.functions();
            replaced = a.replaced();
        }
        Map<ExtensionPoint, String> use = new LinkedHashMap<>();
        for (String u : o.getOrDefault("--use", List.of())) {
            int eq = u.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--use '" + u + "' is not POINT=NAME");
            }
            use.put(point(u.substring(0, eq).trim(), "--use"), u.substring(eq + 1).trim());
        }
        List<Simulation.Swap> swaps = new ArrayList<>();
        for (String s : o.getOrDefault("--swap", List.of())) {
            var m = java.util.regex.Pattern.compile("(\\d{1,7}):([a-z]+)=([a-z0-9-]+)").matcher(s.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("--swap '" + s + "' is not SECONDS:POINT=NAME (e.g. 1800:queue=sjf)");
            }
            swaps.add(new Simulation.Swap(Long.parseLong(m.group(1)) * 1_000, point(m.group(2), "--swap"), m.group(3)));
        }
        String name = one(o, "--name", "sim-" + WallClock.stamp());
        if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("--name '" + name + "' may only have letters, digits, '.', '_', '-'");
        }
        Path out = Path.of(one(o, "--out", "runs")).resolve(name);
        if (Files.exists(out) && Files.list(out).findAny().isPresent()) {
            throw new IllegalArgumentException("results folder " + out + " exists and is not empty: choose another --name");
        }
        Catalog catalog = Catalog.load(SimMain.class.getClassLoader());
        JsonArray sweep = new JsonArray();
        for (Map<ExtensionPoint, String> point : grid) {
            Map<ExtensionPoint, String> chosen = new LinkedHashMap<>(use);
            chosen.putAll(point);
            Path dir = grid.size() == 1 ? out : out.resolve(label(point));
            Simulation.Setup setup = new Simulation.Setup(functions, configs, workers, seed, minutes * 60_000, chosen,
                    swaps, Duration.ofNanos(networkUs * 1_000));
            JsonObject meta = new JsonObject();
            meta.addProperty("kind", "trace");
            meta.addProperty("simulated", true);
            meta.addProperty("target", "simulation");
            meta.addProperty("trace", Path.of(traceDir).toAbsolutePath().normalize().toString());
            meta.addProperty("seed", seed);
            meta.addProperty("speed", 1);
            meta.addProperty("backend", "sim");
            meta.addProperty("functions", functions.size());
            meta.addProperty("workers", workers);
            meta.addProperty("minutes", minutes);
            meta.addProperty("network_us", networkUs);
            meta.addProperty("config", configs.dir.toAbsolutePath().normalize().toString());
            if (replaced >= 0) {
                meta.addProperty("timings", Path.of(timings).toAbsolutePath().normalize().toString());
                meta.addProperty("timings_functions", replaced);
            }
            if (!swaps.isEmpty()) {
                meta.addProperty("swaps", swaps.toString());
            }
            JsonObject summary = runOne(setup, catalog, dir, meta, report);
            JsonObject line = new JsonObject();
            line.addProperty("run", dir.getFileName().toString());
            line.add("policies", summary.getAsJsonObject("run").get("policies"));
            line.add("overall", summary.getAsJsonObject("overall"));
            sweep.add(line);
        }
        if (grid.size() > 1) {
            Files.writeString(out.resolve("sweep.json"), new GsonBuilder().setPrettyPrinting().create().toJson(sweep) + "\n");
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
        }
        return 0;
    }

    static String label(Map<ExtensionPoint, String> point) {
        StringBuilder b = new StringBuilder();
        point.forEach((p, v) -> b.append(b.isEmpty() ? "" : "_").append(p.id()).append('-').append(v));
        return b.toString();
    }

    /** One simulation into one results folder; returns its summary. */
    static JsonObject runOne(Simulation.Setup setup, Catalog catalog, Path dir, JsonObject meta, boolean report)
            throws Exception {
        Files.createDirectories(dir);
        Simulation sim = new Simulation(setup, catalog);
        long wall0 = WallClock.nanos();
        Simulation.Outcome r;
        try (SimLog log = new SimLog(dir.resolve("simulation.log"), () -> sim.time().elapsed().toNanos() / 1_000)) {
            r = sim.run();
        }
        long wallSim = WallClock.nanos() - wall0;
        JsonObject policies = new JsonObject();
        r.policies().forEach(policies::addProperty);
        meta.add("policies", policies);
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
        Files.writeString(dir.resolve("simulation.json"), new GsonBuilder().setPrettyPrinting().create().toJson(speed)
                + "\n");
        dev.vireo.loadgen.Main.print(summary);
        r.notes().forEach(n -> System.out.println("note: " + n));
        System.out.printf(Locale.ROOT, "simulated %.1f s in %.2f s wall (%,.0fx; %,d invocations, %,d events); policies %s%n",
                simulatedS, wallS, simulatedS / Math.max(wallS, 1e-9), r.rows().size(),
                r.counts().tasks() + r.counts().timers(), r.policies());
        System.out.println("results: " + dir.toAbsolutePath() + (report ? "  (report: "
                + dir.toAbsolutePath().resolve("report.html") + ")" : ""));
        return summary;
    }
}
