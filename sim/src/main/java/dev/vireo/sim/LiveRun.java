package dev.vireo.sim;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.worker.NodeSettings;
import dev.vireo.loadgen.Results;
import dev.vireo.loadgen.RunSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A live trace run's folder as {@code vireo sim --like RUN} reads it: how the trace was replayed (its summary's
 * {@code run}: trace, metadata, seed, speed, minutes, functions chosen, backend) and what the system ran with (its
 * {@value RunSettings#FILE}: the controller's configuration and each worker's, or the one worker's).
 *
 * @param dir      the run's folder
 * @param trace    the trace replayed
 * @param metadata an Ilúvatar trace's metadata file, or null
 * @param days     the days of an Azure Functions 2019 trace replayed, as given to --days, or null (every day)
 * @param only     the functions chosen (empty: all)
 * @param settings the target's settings
 * @param warm     the containers per function id the target had as the run began (empty where not recorded)
 */
record LiveRun(Path dir, Path trace, Path metadata, String days, long seed, double speed, int minutes,
        List<String> only, String backend, NodeSettings settings, Map<String, Integer> warm) {

    static LiveRun read(Path dir) throws IOException {
        Path summary = dir.resolve("summary.json");
        if (!Files.isRegularFile(summary) || !Files.isRegularFile(dir.resolve(Results.DB))) {
            throw new IllegalArgumentException("--like " + dir + " is not a results folder (no summary.json and "
                    + Results.DB + "); give the folder of a live ./vireo loadgen trace run");
        }
        JsonObject run = JsonParser.parseString(Files.readString(summary)).getAsJsonObject().getAsJsonObject("run");
        if (run == null || !run.has("kind") || !run.get("kind").getAsString().equals("trace")) {
            throw new IllegalArgumentException("--like " + dir + " is not a trace replay (its run is "
                    + (run == null || !run.has("kind") ? "unknown" : run.get("kind").getAsString())
                    + "); give the folder of a live ./vireo loadgen trace run");
        }
        if (run.has("simulated") && run.get("simulated").getAsBoolean()) {
            throw new IllegalArgumentException("--like " + dir + " is a simulation; give the folder of a live run");
        }
        for (String key : List.of("trace", "seed", "speed", "minutes", "backend")) {
            if (!run.has(key)) {
                throw new IllegalArgumentException("--like " + dir + ": its summary.json has no run." + key);
            }
        }
        NodeSettings settings = RunSettings.read(dir);
        List<String> only = run.has("only") ? Arrays.stream(run.get("only").getAsString().split(","))
                .filter(s -> !s.isBlank()).toList() : List.of();
        Map<String, Integer> warm = new TreeMap<>();
        if (run.has("warm_at_start")) {
            run.getAsJsonObject("warm_at_start").entrySet().forEach(e -> warm.put(e.getKey(), e.getValue().getAsInt()));
        }
        return new LiveRun(dir, Path.of(run.get("trace").getAsString()),
                run.has("metadata") ? Path.of(run.get("metadata").getAsString()) : null,
                run.has("days") ? run.get("days").getAsString() : null, run.get("seed").getAsLong(),
                run.get("speed").getAsDouble(), run.get("minutes").getAsInt(), only, run.get("backend").getAsString(),
                settings, warm);
    }

    /** Whether the run was sent to a controller (else to a worker directly). */
    boolean controller() {
        return settings.role().equals("controller");
    }

    /** The workers the run had: a controller's in service, or the one worker it was sent to. */
    int workers() {
        return controller() ? settings.workers().size() : 1;
    }

    /**
     * Each worker's configuration as it ran, in the order the controller listed them (by name): its member name as
     * its {@code vireo.worker} name, what was in force at each point (an environment variable or the console may
     * have changed the configured choice) and its CPU capacity pinned ({@code cores = 0} means "this host's", and
     * the simulation may run on another).
     */
    List<Configs> workerConfigs() {
        List<Configs> out = new ArrayList<>();
        for (NodeSettings w : controller() ? settings.workers() : List.of(settings)) {
            Map<String, Map<String, String>> c = asRan(w);
            c.computeIfAbsent("vireo.worker", k -> new TreeMap<>()).put("name", w.node());
            Double cpu = w.capacities().get("cpu");
            Map<String, String> tracker = c.computeIfAbsent("vireo.resource.cpu", k -> new TreeMap<>());
            double over = parse(tracker.getOrDefault("oversubscription", "1"), 1);
            if (cpu != null && cpu > 0 && over >= 0.1) {
                tracker.put("cores", Long.toString(Math.max(1, Math.round(cpu / over))));
            }
            out.add(Configs.of(dir, c));
        }
        return out;
    }

    /**
     * The controller's configuration as it ran; for a run sent to a worker directly (which had no controller), the
     * worker's own, so that the simulation's controller takes the defaults and nothing from this checkout's files.
     */
    Configs controllerConfigs() {
        return Configs.of(dir, asRan(settings));
    }

    /** A node's configuration with what was in force at each point the simulation takes from it. */
    private static Map<String, Map<String, String>> asRan(NodeSettings node) {
        Map<String, Map<String, String>> c = new TreeMap<>();
        node.configuration().forEach((pid, v) -> c.put(pid, new TreeMap<>(v)));
        Map<String, String> kernel = c.computeIfAbsent("vireo.kernel", k -> new TreeMap<>());
        for (ExtensionPoint p : List.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE, ExtensionPoint.BALANCER,
                ExtensionPoint.RESOURCE, ExtensionPoint.DAG)) {
            String inForce = node.policies().get(p.id());
            if (inForce != null) {
                kernel.put(p.configKey(), inForce);
            }
        }
        return c;
    }

    private static double parse(String v, double otherwise) {
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }

    /**
     * The delays of a live run that the simulation does not otherwise have, as its records measured them, one way, in
     * microseconds (medians over its successful invocations): {@code network} between controller and worker (half of
     * what the controller waited beyond the worker's own time), and {@code client} between the load generator and the
     * controller. The client hop also carries what else the live system spends on a call (its threads, the worker's own
     * microseconds): it is chosen so that the simulation's overhead of a warm invocation that did not queue equals the
     * live run's median one (half of that overhead less the controller's round trip); without such invocations, half
     * of what the client waited beyond the controller (the worker, for a run sent to it directly).
     */
    record Hops(long network, long client) {
    }

    Hops hops() throws java.sql.SQLException {
        String q = "SELECT "
                + (controller() ? "median((forward_us - worker_e2e_us) / 2) FILTER (WHERE controller_us > 0"
                        + " AND forward_us >= worker_e2e_us)" : "0")
                + ", median(overhead_us) FILTER (WHERE state = 'warm' AND queued_us < 1000 AND acquire_us < 1000),"
                + (controller() ? " median((client_us - controller_us) / 2) FILTER (WHERE controller_us > 0"
                        + " AND client_us >= controller_us)"
                        : " median((client_us - worker_e2e_us) / 2) FILTER (WHERE client_us >= worker_e2e_us)")
                + " FROM r.records WHERE success";
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                java.sql.Statement s = c.createStatement()) {
            s.execute("ATTACH '" + Results.sql(dir.resolve(Results.DB)) + "' AS r (READ_ONLY)");
            try (java.sql.ResultSet r = s.executeQuery(q)) {
                r.next();
                long network = Math.round(r.getDouble(1));
                double warmOverhead = r.getDouble(2);
                boolean measured = !r.wasNull();
                long client = measured ? Math.max(0, Math.round((warmOverhead - 2 * network) / 2))
                        : Math.round(r.getDouble(3));
                return new Hops(network, client);
            }
        }
    }

    /**
     * How far the simulation is from the live run, overall: the cold-start share in points, the e2e p50 and p99 in
     * percent of the live ones, the share of failed invocations in points, and whether they are within the targets
     * (cold starts 2 points, latencies 5 %, failures 2 points, and as many invocations).
     */
    static JsonObject fidelity(JsonObject live, JsonObject sim) {
        JsonObject f = new JsonObject();
        double cold = sim.get("cold_pct").getAsDouble() - live.get("cold_pct").getAsDouble();
        double p50 = percent(live, sim, "e2e_p50_us");
        double p99 = percent(live, sim, "e2e_p99_us");
        long count = live.get("count").getAsLong();
        boolean sameCount = count == sim.get("count").getAsLong();
        double errors = 100.0 * (sim.get("errors").getAsLong() - live.get("errors").getAsLong()) / Math.max(1, count);
        f.addProperty("cold_pct_points", round(cold));
        f.addProperty("e2e_p50_pct", round(p50));
        f.addProperty("e2e_p99_pct", round(p99));
        f.addProperty("errors_pct_points", round(errors));
        f.addProperty("same_count", sameCount);
        f.addProperty("within_targets", sameCount && Math.abs(cold) <= 2 && Math.abs(p50) <= 5 && Math.abs(p99) <= 5
                && Math.abs(errors) <= 2);
        return f;
    }

    private static double percent(JsonObject live, JsonObject sim, String key) {
        double l = live.get(key).getAsDouble();
        double s = sim.get(key).getAsDouble();
        return l == 0 ? (s == 0 ? 0 : 100) : 100 * (s - l) / l;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static String describe(JsonObject fidelity) {
        return String.format(Locale.ROOT, "simulated vs live: cold starts %+.2f points, e2e p50 %+.2f %%, p99 %+.2f %%,"
                + " failures %+.2f points%s (targets: 2 points, 5 %%, 2 points): %s",
                fidelity.get("cold_pct_points").getAsDouble(), fidelity.get("e2e_p50_pct").getAsDouble(),
                fidelity.get("e2e_p99_pct").getAsDouble(), fidelity.get("errors_pct_points").getAsDouble(),
                fidelity.get("same_count").getAsBoolean() ? "" : ", NOT as many invocations",
                fidelity.get("within_targets").getAsBoolean() ? "within" : "NOT within");
    }
}
