package dev.vireo.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.worker.NodeSettings;
import dev.vireo.loadgen.RunSettings;
import dev.vireo.workload.AzureTrace;
import dev.vireo.workload.TraceSynth;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vireo sim --like RUN}: what it takes from a live run's folder. The "live" runs here are simulations made to
 * look live (their summary unmarked, a settings.json written as a live target reports it), so that what --like
 * reproduces can be checked exactly; ClusterIT checks its fidelity against a real cluster.
 */
class LikeTest {
    @TempDir
    static Path tmp;
    static Path trace;
    static Path config;

    @BeforeAll
    static void setUp() throws IOException {
        trace = tmp.resolve("trace");
        AzureTrace.write(trace, "01", TraceSynth.generate(6, 3, 11, 6));
        config = Files.createDirectories(tmp.resolve("configs"));
        try (var files = Files.list(Path.of("..", "configs"))) {
            for (Path f : files.toList()) {
                Files.copy(f, config.resolve(f.getFileName()));
            }
        }
        Files.writeString(config.resolve("vireo.resource.cpu.cfg"), "cores = 2\noversubscription = 1.0\n");
    }

    /** A simulation of {@code args} turned into what a live run against a controller of two workers leaves. */
    static Path live(String name, Map<String, Map<String, String>> workerEdits, String... args) throws Exception {
        return live(name, List.of("worker-1", "worker-2"), Map.of(), workerEdits, args);
    }

    /**
     * The same with the workers' member names, what was in force on the workers (as settings report it beside the
     * configuration) and edits of their configuration.
     */
    static Path live(String name, List<String> members, Map<String, String> inForce,
            Map<String, Map<String, String>> workerEdits, String... args) throws Exception {
        Path out = tmp.resolve("runs");
        List<String> all = new ArrayList<>(List.of("--trace", trace.toString(), "--workers", "2", "--config",
                config.toString(), "--out", out.toString(), "--name", name, "--report", "no"));
        all.addAll(List.of(args));
        assertEquals(0, SimulationTest.sim(all.toArray(String[]::new)));
        Path run = out.resolve(name);
        JsonObject summary = JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject();
        summary.getAsJsonObject("run").addProperty("simulated", false);
        Files.writeString(run.resolve("summary.json"), summary.toString());
        Map<String, Map<String, String>> configuration = Configs.read(config).all();
        List<NodeSettings> workers = new ArrayList<>();
        for (String w : members) {
            Map<String, Map<String, String>> c = Configs.read(config).all();
            // as shipped: every worker calls itself worker-1; the controller knows them by their member names
            c.computeIfAbsent("vireo.worker", k -> new java.util.TreeMap<>()).put("name", "worker-1");
            workerEdits.forEach((pid, edits) -> c.computeIfAbsent(pid, k -> new java.util.TreeMap<>()).putAll(edits));
            workers.add(new NodeSettings(w, "worker", c, inForce, Map.of("cpu", 2.0), List.of()));
        }
        RunSettings.write(run, new NodeSettings("controller", "controller", configuration, Map.of(), Map.of(),
                workers));
        return run;
    }

    static JsonObject json(Path f) throws IOException {
        return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    }

    @Test
    void aRunIsReproducedWithItsTraceSeedSpeedWorkersAndConfiguration() throws Exception {
        Path live = live("live", Map.of(), "--seed", "3", "--speed", "2.5", "--minutes", "2");
        Path out = tmp.resolve("runs");
        assertEquals(0, SimulationTest.sim("--like", live.toString(), "--out", out.toString(), "--name", "like",
                "--report", "no"));
        Path like = out.resolve("like");
        JsonObject run = json(like.resolve("summary.json")).getAsJsonObject("run");
        assertEquals(3, run.get("seed").getAsLong());
        assertEquals(2.5, run.get("speed").getAsDouble());
        assertEquals(2, run.get("minutes").getAsInt());
        assertEquals(2, run.get("workers").getAsInt());
        assertEquals(live.toAbsolutePath().normalize().toString(), run.get("like").getAsString());
        // the same simulation: the same records, and a comparison that finds no difference
        assertArrayEquals(Files.readAllBytes(live.resolve("records.csv")), Files.readAllBytes(like.resolve("records.csv")));
        JsonObject fidelity = json(like.resolve("like.json")).getAsJsonObject("fidelity");
        assertEquals(0.0, fidelity.get("cold_pct_points").getAsDouble());
        assertEquals(0.0, fidelity.get("e2e_p50_pct").getAsDouble());
        assertEquals(0.0, fidelity.get("e2e_p99_pct").getAsDouble());
        assertTrue(fidelity.get("within_targets").getAsBoolean());
        assertTrue(json(like.resolve("like.json")).getAsJsonArray("groups").size() > 1, "per function too");
        String page = Files.readString(like.resolve("compare.html"));
        assertTrue(page.contains("<td>live</td>") && page.contains("<td>simulated</td>"), page);
    }

    @Test
    void theWorkersRunWithTheirOwnSettingsNotTheConfigFolders() throws Exception {
        Path live = live("live-sjf", Map.of("vireo.kernel", Map.of("queue.policy", "sjf", "keepalive.policy", "ttl")));
        Path out = tmp.resolve("runs");
        assertEquals(0, SimulationTest.sim("--like", live.toString(), "--out", out.toString(), "--name", "like-sjf",
                "--report", "no"));
        JsonObject policies = json(out.resolve("like-sjf/summary.json")).getAsJsonObject("run")
                .getAsJsonObject("policies");
        assertEquals("sjf", policies.get("queue").getAsString(), policies.toString());
        assertEquals("ttl", policies.get("keepalive").getAsString(), policies.toString());
    }

    @Test
    void theContainersTheRunBeganWithAreStartedFirst() throws Exception {
        Path live = live("live-warm", Map.of());
        JsonObject summary = json(live.resolve("summary.json"));
        JsonObject warm = new JsonObject();
        summary.getAsJsonObject("functions").keySet().forEach(id -> warm.addProperty(id, 2));
        warm.addProperty("not-in-the-trace-1", 3);
        summary.getAsJsonObject("run").add("warm_at_start", warm);
        Files.writeString(live.resolve("summary.json"), summary.toString());
        Path out = tmp.resolve("runs");
        assertEquals(0, SimulationTest.sim("--like", live.toString(), "--out", out.toString(), "--name", "like-warm",
                "--report", "no"));
        double coldLive = summary.getAsJsonObject("overall").get("cold_pct").getAsDouble();
        double coldLike = json(out.resolve("like-warm/summary.json")).getAsJsonObject("overall").get("cold_pct")
                .getAsDouble();
        assertTrue(coldLike < coldLive, "warm containers at the start: " + coldLike + " % cold, not " + coldLive);
        String notes = json(out.resolve("like-warm/simulation.json")).getAsJsonArray("notes").toString();
        assertTrue(notes.contains("started " + 2 * summary.getAsJsonObject("functions").size() + " warm containers"),
                notes);
        assertTrue(notes.contains("not-in-the-trace-1 is not a function of this trace"), notes);
    }

    @Test
    void workersKeepTheirMemberNamesAndWhatWasInForceWinsOverTheirFiles() throws Exception {
        // configured fcfs, but sjf was in force (an environment variable or vireo:use); cores = 0 on the live host
        Path live = live("live-names", List.of("cluster-w1", "cluster-w2"), Map.of("queue", "sjf"),
                Map.of("vireo.resource.cpu", Map.of("cores", "0")));
        Path out = tmp.resolve("runs");
        assertEquals(0, SimulationTest.sim("--like", live.toString(), "--out", out.toString(), "--name", "like-names",
                "--report", "no", "--swap", "1:keepalive=ttl"));
        JsonObject s = json(out.resolve("like-names/summary.json"));
        assertEquals(java.util.Set.of("cluster-w1", "cluster-w2"), s.getAsJsonObject("workers").keySet());
        assertEquals("sjf", s.getAsJsonObject("run").getAsJsonObject("policies").get("queue").getAsString());
        assertEquals("ttl", s.getAsJsonObject("run").getAsJsonObject("policies_at_end").get("keepalive").getAsString(),
                "--swap changes what --like reproduces");
        String log = Files.readString(out.resolve("like-names/simulation.log"));
        assertTrue(log.contains("swap at 1000 ms"), "the swap at its time on the replay's axis");
    }

    @Test
    void aRunSentToAWorkerDirectlyIsOneWorkerWithItsOwnSettings() throws Exception {
        Path live = live("live-direct", Map.of());
        NodeSettings worker = RunSettings.read(live).workers().get(0);
        RunSettings.write(live, worker);
        Path out = tmp.resolve("runs");
        assertEquals(0, SimulationTest.sim("--like", live.toString(), "--out", out.toString(), "--name", "like-direct",
                "--report", "no"));
        JsonObject s = json(out.resolve("like-direct/summary.json"));
        assertEquals(1, s.getAsJsonObject("run").get("workers").getAsInt());
        assertEquals(java.util.Set.of("worker-1"), s.getAsJsonObject("workers").keySet());
    }

    @Test
    void whatContradictsTheRunOrIsNotALiveRunIsRefused() throws Exception {
        Path live = live("live-refused", Map.of());
        Path out = tmp.resolve("runs");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like",
                live.toString(), "--trace", trace.toString(), "--out", out.toString()));
        assertTrue(e.getMessage().contains("--like takes --trace from the live run"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like", live.toString(),
                "--sweep", "queue=fcfs,sjf", "--out", out.toString()));
        assertTrue(e.getMessage().contains("--like takes --sweep"), e.getMessage());
        // a simulation is not a live run
        assertEquals(0, SimulationTest.sim("--trace", trace.toString(), "--config", config.toString(), "--out",
                out.toString(), "--name", "simulated", "--report", "no"));
        e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like",
                out.resolve("simulated").toString(), "--out", out.toString()));
        assertTrue(e.getMessage().contains("is a simulation"), e.getMessage());
        for (String o : List.of("--workers=3", "--config=.", "--seed=2", "--speed=2", "--minutes=1", "--seeds=1-2")) {
            e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like", live.toString(), o,
                    "--out", out.toString()));
            assertTrue(e.getMessage().contains("--like takes " + o.substring(0, o.indexOf('='))), e.getMessage());
        }
        // settings that are not a node's: a clear error naming the file and what is missing
        Files.writeString(live.resolve(RunSettings.FILE), "{\"role\":\"controller\"}");
        e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like", live.toString(), "--out",
                out.toString()));
        assertTrue(e.getMessage().contains("is not a node's settings: node"), e.getMessage());
        Files.writeString(live.resolve(RunSettings.FILE), "{\"node\":\"c\",\"role\":\"worker\",\"configuration\":"
                + "{\"vireo.worker\":{\"name\":null}}}");
        e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like", live.toString(), "--out",
                out.toString()));
        assertTrue(e.getMessage().contains("configuration.vireo.worker.name"), e.getMessage());
        // a live run whose target did not report its settings
        Files.delete(live.resolve(RunSettings.FILE));
        e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like", live.toString(), "--out",
                out.toString()));
        assertTrue(e.getMessage().contains("has no settings.json"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SimulationTest.sim("--like",
                tmp.resolve("nowhere").toString(), "--out", out.toString()));
        assertTrue(e.getMessage().contains("is not a results folder"), e.getMessage());
    }
}
