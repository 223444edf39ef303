package dev.vireo.sim;

import dev.vireo.workload.TraceMapping;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.TraceSynth;
import dev.vireo.testkit.VirtualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ./vireo bench sim}: how much faster than real time the simulation runs a synthetic trace, per worker
 * count, over several rounds in one JVM (the first round includes JIT warm-up and is reported apart). Each round's
 * wall time is split into setup (starting and stopping the controller's and the workers' frameworks) and the event
 * loop (the trace). The floor, measured in the same run: the bare event loop replaying the same arrivals and
 * completions with nothing behind them, so the ratio says what the worker, controller and policies cost on top of
 * the clock itself.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Simulated time / wall time on a synthetic trace, against the bare event loop.")
public final class SimBench implements Callable<Integer> {
    private static final Pattern EXEC = Pattern.compile("\"sim_exec_ms\":(\\d+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", split = ",", defaultValue = "1,8", paramLabel = "N,...",
            description = "worker counts, one row each (default: ${DEFAULT-VALUE})")
    List<Integer> workers;

    @Option(names = "--functions", defaultValue = "50", description = "functions of the synthetic trace")
    int functions;

    @Option(names = "--minutes", defaultValue = "60", description = "minutes of the synthetic trace")
    int minutes;

    @Option(names = "--rate", defaultValue = "30", description = "invocations per second of the synthetic trace")
    double rate;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the trace")
    long seed;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds per worker count (at least 2: the first is the cold JVM)")
    int roundsWanted;

    @Option(names = "--config", paramLabel = "DIR", defaultValue = SimCommand.CONFIGS_DIR,
            description = "configuration folder (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON to FILE")
    Path jsonFile;

    @Override
    public Integer call() throws Exception {
        if (workers.isEmpty() || workers.stream().anyMatch(w -> w < 1 || w > 1_000)) {
            throw new ParameterException(spec.commandLine(), "--workers must list worker counts of 1-1000");
        }
        int rounds = Math.max(2, roundsWanted);
        Configs configs = Configs.read(config);
        List<FunctionTrace> trace = TraceSynth.generate(functions, minutes, seed, rate);
        List<TraceMapping.Planned> plan = TraceMapping.plan(trace, seed, 0);
        Distro distro = Distro.locate();
        Path logs = Files.createTempDirectory("vireo-bench-sim");

        JsonArray results = new JsonArray();
        System.out.printf(Locale.ROOT, "simulation benchmark: %d functions, %d minutes, %,d invocations, %d rounds%n",
                functions, minutes, plan.size(), rounds);
        System.out.printf(Locale.ROOT, "%-8s %12s %12s %12s %12s %12s %12s %12s %14s %12s %10s%n", "workers",
                "simulated s", "wall s (med)", "setup s", "loop s", "speedup", "loop speedup", "1st round",
                "floor wall s", "floor x", "loop/floor");
        for (int w : workers) {
            double[] walls = new double[rounds];
            double[] setups = new double[rounds];
            double simulated = 0;
            long events = 0;
            int rows = 0;
            for (int r = 0; r < rounds; r++) {
                Simulation sim = new Simulation(new Simulation.Setup(trace, configs, w, seed, 0, Map.of(), List.of(),
                        Duration.ZERO), distro);
                long t0 = WallClock.nanos();
                Simulation.Outcome out;
                try (SimLog log = new SimLog(logs.resolve("w" + w + "-r" + r + ".log"),
                        () -> sim.time().elapsed().toNanos() / 1_000)) {
                    out = sim.run();
                }
                walls[r] = (WallClock.nanos() - t0) / 1e9;
                setups[r] = out.setupWall().toNanos() / 1e9;
                simulated = out.simulated().toNanos() / 1e9;
                events = out.counts().tasks() + out.counts().timers();
                rows = out.rows().size();
            }
            double median = medianWarm(walls);
            double setupMedian = medianWarm(setups);
            double[] loops = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                loops[r] = walls[r] - setups[r];
            }
            double loop = medianWarm(loops);
            double[] floors = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                floors[r] = floor(plan);
            }
            Arrays.sort(floors);
            double floor = floors[rounds / 2];
            JsonObject j = new JsonObject();
            j.addProperty("workers", w);
            j.addProperty("invocations", rows);
            j.addProperty("events", events);
            j.addProperty("simulated_s", simulated);
            j.addProperty("wall_s_median_warm", median);
            j.addProperty("wall_s_first_round", walls[0]);
            JsonArray all = new JsonArray();
            Arrays.stream(walls).forEach(all::add);
            j.add("wall_s_rounds", all);
            j.addProperty("setup_s_median_warm", setupMedian);
            j.addProperty("loop_s_median_warm", loop);
            JsonArray allSetups = new JsonArray();
            Arrays.stream(setups).forEach(allSetups::add);
            j.add("setup_s_rounds", allSetups);
            j.addProperty("speedup_median_warm", Math.round(simulated / median));
            j.addProperty("speedup_loop_median_warm", Math.round(simulated / loop));
            j.addProperty("speedup_first_round", Math.round(simulated / walls[0]));
            j.addProperty("floor_wall_s", floor);
            j.addProperty("floor_speedup", Math.round(simulated / floor));
            j.addProperty("sim_over_floor", Math.round(median / floor * 10) / 10.0);
            j.addProperty("loop_over_floor", Math.round(loop / floor * 10) / 10.0);
            results.add(j);
            System.out.printf(Locale.ROOT, "%-8d %12.1f %12.3f %12.3f %12.3f %11.0fx %11.0fx %11.0fx %14.3f %11.0fx"
                    + " %10.1f%n", w, simulated, median, setupMedian, loop, simulated / median, simulated / loop,
                    simulated / walls[0], floor, simulated / floor, loop / floor);
        }
        JsonObject out = new JsonObject();
        out.addProperty("benchmark", "sim");
        out.addProperty("functions", functions);
        out.addProperty("minutes", minutes);
        out.addProperty("rate", rate);
        out.addProperty("seed", seed);
        out.addProperty("rounds", rounds);
        out.addProperty("cpus", Runtime.getRuntime().availableProcessors());
        out.add("results", results);
        String json = new GsonBuilder().create().toJson(out);
        System.out.println(json);
        if (jsonFile != null) {
            Files.writeString(jsonFile, new GsonBuilder().setPrettyPrinting().create().toJson(out) + "\n");
        }
        return 0;
    }

    /** The median of the rounds after the first (the first includes the JVM's warm-up). */
    private static double medianWarm(double[] rounds) {
        double[] warm = Arrays.copyOfRange(rounds, 1, rounds.length);
        Arrays.sort(warm);
        return warm[warm.length / 2];
    }

    /** The bare event loop: each arrival at its time, its completion after its execution time, nothing else. */
    static double floor(List<TraceMapping.Planned> plan) {
        VirtualTime time = new VirtualTime();
        long[] done = {0};
        long t0 = WallClock.nanos();
        for (TraceMapping.Planned c : plan) {
            Matcher m = EXEC.matcher(c.payload());
            long exec = m.find() ? Long.parseLong(m.group(1)) : 0;
            time.schedule(() -> time.schedule(() -> done[0]++, Duration.ofMillis(exec)), Duration.ofMillis(c.atMs()));
        }
        time.runUntil(() -> done[0] == plan.size());
        return (WallClock.nanos() - t0) / 1e9;
    }
}
