package dev.vireo.sim;

import dev.vireo.workload.Row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.workload.AzureTrace;
import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.TraceSynth;
import dev.vireo.loadgen.Results;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulationTest {
    @TempDir
    static Path tmp;
    static Path trace;
    static Path busyTrace;
    static Distro distro;

    @BeforeAll
    static void traces() throws IOException {
        trace = tmp.resolve("trace");
        busyTrace = tmp.resolve("busy");
        AzureTrace.write(trace, "01", TraceSynth.generate(8, 4, 7, 4));
        AzureTrace.write(busyTrace, "01", TraceSynth.generate(8, 3, 3, 25));
        distro = Distro.locate();
    }

    /** The repository's configs/, with the host's CPU count pinned (results must not depend on the test machine). */
    static Path configs(String name, Map<String, String> edits) throws IOException {
        Path dir = tmp.resolve("configs-" + name);
        Files.createDirectories(dir);
        try (var files = Files.list(Path.of("..", "configs"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve("vireo.resource.cpu.cfg"), "cores = 2\noversubscription = 1.0\n");
        for (var e : edits.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue() + "\n", java.nio.file.StandardOpenOption.APPEND);
        }
        return dir;
    }

    /** The command as the CLI runs it; a usage error (exit 2 there) surfaces as IllegalArgumentException. */
    static int sim(String... args) throws Exception {
        SimCommand command = new SimCommand();
        try {
            new picocli.CommandLine(command).parseArgs(args);
            return command.call();
        } catch (picocli.CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Test
    void sameTraceConfigAndSeedGiveTheSameBytes() throws Exception {
        Path config = configs("same", Map.of());
        Path out = tmp.resolve("runs-same");
        for (String name : List.of("a", "b")) {
            assertEquals(0, sim("--trace", trace.toString(), "--workers", "2", "--config", config.toString(), "--out",
                    out.toString(), "--name", name, "--seed", "5", "--report", name.equals("a") ? "yes" : "no"));
        }
        assertEquals(0, sim("--trace", trace.toString(), "--workers", "2", "--config", config.toString(), "--out",
                out.toString(), "--name", "other-seed", "--seed", "6", "--report", "no"));
        byte[] a = Files.readAllBytes(out.resolve("a/summary.json"));
        assertArrayEquals(a, Files.readAllBytes(out.resolve("b/summary.json")));
        assertArrayEquals(Files.readAllBytes(out.resolve("a/records.csv")), Files.readAllBytes(out.resolve("b/records.csv")));
        assertArrayEquals(Files.readAllBytes(out.resolve("a/simulation.log")),
                Files.readAllBytes(out.resolve("b/simulation.log")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(out.resolve("other-seed/summary.json"))),
                "another seed gives other results");
        JsonObject s = JsonParser.parseString(new String(a)).getAsJsonObject();
        assertTrue(s.getAsJsonObject("run").get("simulated").getAsBoolean());
        assertEquals(2, s.getAsJsonObject("workers").size(), "both workers served");
        long count = s.getAsJsonObject("overall").get("count").getAsLong();
        long planned = AzureTrace.load(trace).stream().mapToLong(FunctionTrace::invocations).sum();
        assertEquals(planned, count, "every invocation of the trace has a record");
        assertEquals(0, s.getAsJsonObject("overall").get("errors").getAsLong());
        assertTrue(Files.size(out.resolve("a/report.html")) > 1_000, "the same report as a live run");
        assertTrue(Files.isRegularFile(out.resolve("a/records.duckdb")));
        JsonObject speed = JsonParser.parseString(Files.readString(out.resolve("a/simulation.json"))).getAsJsonObject();
        assertTrue(speed.get("simulated_s").getAsDouble() > 200, speed.toString());
    }

    @Test
    void theClockNeverMovesWhileWorkIsRunnableInAWholeRun() throws Exception {
        Simulation sim = new Simulation(setup(configs("clock", Map.of()), AzureTrace.load(trace), 3, Map.of(),
                List.of()), distro);
        int[] jumps = {0};
        List<Integer> runnable = new ArrayList<>();
        sim.time().onAdvance((from, to, n) -> {
            jumps[0]++;
            if (n != 0) {
                runnable.add(n);
            }
            assertTrue(to > from);
        });
        Simulation.Outcome out = sim.run();
        assertTrue(jumps[0] > 1_000, "the clock jumped " + jumps[0] + " times");
        assertEquals(List.of(), runnable, "the clock moved while tasks were runnable");
        assertEquals(0, out.counts().failures(), "no simulated task threw");
        assertTrue(out.rows().stream().allMatch(Row::success));
    }

    static Simulation.Setup setup(Path config, List<FunctionTrace> functions, int workers,
            Map<ExtensionPoint, String> use, List<Simulation.Swap> swaps) throws IOException {
        return new Simulation.Setup(functions, Configs.read(config), workers, 1, 0, use, swaps, Duration.ZERO);
    }

    static FunctionSpec fn(String name, long coldMs, long timeoutMs) {
        return new FunctionSpec(name, "1", "sim/" + name, "", "", "sim", Compute.CPU, "sim", 128, 0.1,
                Duration.ofMillis(timeoutMs), 1, new ExpectedTimings(coldMs, 50));
    }

    /** Sends one invocation through the controller and runs the clock until its record is back. */
    static InvocationRecord invoke(Simulation sim, Simulation.Cluster c, String fn, long execMs) {
        CompletableFuture<InvocationRecord> f = c.controller.invoke("", fn, "{\"sim_exec_ms\":" + execMs + "}")
                .toCompletableFuture();
        sim.time().runUntil(f::isDone);
        return f.join();
    }

    static void runTo(Simulation sim, long ms) {
        sim.time().runFor(Duration.ofMillis(ms).minus(sim.time().elapsed()));
        assertEquals(Duration.ofMillis(ms), sim.time().elapsed());
    }

    @Test
    void timeoutsFireAtTheirVirtualTime() throws Exception {
        Simulation sim = new Simulation(setup(configs("timeout", Map.of()), List.of(), 1, Map.of(), List.of()), distro);
        try (Simulation.Cluster c = sim.start()) {
            c.controller.register(fn("slow", 100, 2_000));
            InvocationRecord r = invoke(sim, c, "slow-1", 5_000);
            assertEquals(ErrorKind.TIMEOUT, r.error().orElseThrow().kind(), r.toString());
            assertEquals(Duration.ofMillis(2_100), sim.time().elapsed(), "cold start 100 ms + timeout 2 s, exactly");
            assertEquals(2_100_000, r.timings().e2eUs());
            InvocationRecord ok = invoke(sim, c, "slow-1", 1_500);
            assertTrue(ok.success(), ok.toString());
            assertEquals(1_500_000, ok.timings().executionUs());
            assertEquals(Duration.ofMillis(2_100 + 100 + 1_500), sim.time().elapsed(),
                    "the timed-out container was destroyed: a new cold start, then 1.5 s");
        }
    }

    @Test
    void keepAliveExpiryFiresAtTheRightVirtualTime() throws Exception {
        Path config = configs("ttl", Map.of("vireo.kernel.cfg", "keepalive.policy = ttl",
                "vireo.keepalive.ttl.cfg", "ttl.ms = 10000", "vireo.worker.cfg", "keepalive.check.ms = 1000"));
        Simulation sim = new Simulation(setup(config, List.of(), 1, Map.of(), List.of()), distro);
        try (Simulation.Cluster c = sim.start()) {
            c.controller.register(fn("f", 100, 60_000));
            InvocationRecord first = invoke(sim, c, "f-1", 50);
            assertEquals(ContainerState.COLD, first.state().orElseThrow());
            assertEquals(Duration.ofMillis(150), sim.time().elapsed());
            // idle from 0.15 s; the worker checks every second; idle >= 10 s first holds at the check at 11 s
            runTo(sim, 10_999);
            assertEquals(1, c.workers.get(0).status().containersIdle(), "still kept at 10.999 s");
            runTo(sim, 11_000);
            assertEquals(0, c.workers.get(0).status().containersIdle(), "evicted by the check at 11 s");
            assertEquals(ContainerState.COLD, invoke(sim, c, "f-1", 50).state().orElseThrow());
            // swapped to lru at runtime: nothing expires any more
            c.use(ExtensionPoint.KEEPALIVE, "lru");
            runTo(sim, 600_000);
            assertEquals(1, c.workers.get(0).status().containersIdle(), "lru keeps idle containers");
            assertEquals(ContainerState.WARM, invoke(sim, c, "f-1", 50).state().orElseThrow());
        }
    }

    @Test
    void aSweepOverSeedsGivesEachPointItsMeanAndInterval() throws Exception {
        Path out = tmp.resolve("runs-seeds");
        assertEquals(0, sim("--trace", trace.toString(), "--workers", "1", "--config",
                configs("seeds", Map.of()).toString(), "--out", out.toString(), "--name", "s", "--report", "no",
                "--minutes", "2", "--sweep", "queue=fcfs,sjf", "--seeds", "1-3"));
        JsonArray sweep = JsonParser.parseString(Files.readString(out.resolve("s/sweep.json"))).getAsJsonArray();
        assertEquals(6, sweep.size(), "two points, three seeds each");
        assertEquals("queue=fcfs/seed=1", sweep.get(0).getAsJsonObject().get("run").getAsString());
        JsonArray byPoint = JsonParser.parseString(Files.readString(out.resolve("s/seeds.json"))).getAsJsonArray();
        assertEquals(2, byPoint.size());
        JsonObject sjf = byPoint.get(1).getAsJsonObject();
        assertEquals("queue=sjf", sjf.get("point").getAsString());
        assertEquals(3, sjf.getAsJsonArray("seeds").size());
        JsonArray counts = sjf.getAsJsonObject("throughput_per_s").getAsJsonArray("values");
        assertEquals(3, counts.size());
        for (long seed = 1; seed <= 3; seed++) {
            JsonObject run = JsonParser.parseString(Files.readString(out.resolve("s/queue=sjf/seed=" + seed
                    + "/summary.json"))).getAsJsonObject().getAsJsonObject("run");
            assertEquals(seed, run.get("seed").getAsLong(), "each seed's own run");
        }
        String page = Files.readString(out.resolve("s/compare.html"));
        assertTrue(page.contains("<td>queue=fcfs (3 seeds)</td>") && page.contains("<td>queue=sjf (3 seeds)</td>")
                && !page.contains("seed=1</td>"), "one row per point, its seeds pooled: " + page);
        IllegalArgumentException both = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> sim("--trace", trace.toString(), "--out", out.toString(), "--name", "both", "--seed", "3",
                        "--seeds", "1-2"));
        assertTrue(both.getMessage().contains("--seed and --seeds"), both.getMessage());
        JsonArray p50 = byPoint.get(0).getAsJsonObject().getAsJsonObject("e2e_p50_us").getAsJsonArray("values");
        assertTrue(p50.get(0).getAsDouble() != p50.get(1).getAsDouble() || p50.get(1).getAsDouble()
                != p50.get(2).getAsDouble(), "another seed, another schedule and drawn times: " + p50);
    }

    @Test
    void aSweepRunsEveryPolicyOnTheSameTrace() throws Exception {
        Path out = tmp.resolve("runs-sweep");
        assertEquals(0, sim("--trace", busyTrace.toString(), "--workers", "1", "--config",
                configs("sweep", Map.of()).toString(), "--out", out.toString(), "--name", "s", "--report", "no",
                "--sweep", "queue=fcfs,sjf"));
        JsonArray sweep = JsonParser.parseString(Files.readString(out.resolve("s/sweep.json"))).getAsJsonArray();
        assertEquals(2, sweep.size());
        JsonObject fcfs = sweep.get(0).getAsJsonObject();
        JsonObject sjf = sweep.get(1).getAsJsonObject();
        assertEquals("queue=fcfs", fcfs.get("run").getAsString());
        assertEquals("sjf", sjf.getAsJsonObject("policies").get("queue").getAsString());
        assertEquals(fcfs.getAsJsonObject("overall").get("count"), sjf.getAsJsonObject("overall").get("count"));
        long p50Fcfs = fcfs.getAsJsonObject("overall").get("e2e_p50_us").getAsLong();
        long p50Sjf = sjf.getAsJsonObject("overall").get("e2e_p50_us").getAsLong();
        assertTrue(p50Sjf < p50Fcfs, "on a queueing trace shortest-job-first lowers the median: sjf " + p50Sjf
                + " us vs fcfs " + p50Fcfs + " us");
        for (String d : List.of("queue=fcfs", "queue=sjf")) {
            JsonObject s = JsonParser.parseString(Files.readString(out.resolve("s").resolve(d).resolve("summary.json")))
                    .getAsJsonObject();
            assertTrue(s.getAsJsonObject("run").get("simulated").getAsBoolean());
        }
        String page = Files.readString(out.resolve("s/compare.html"));
        assertTrue(page.contains("<td>queue=fcfs</td>") && page.contains("<td>queue=sjf</td>"), page);
        assertTrue(Files.size(out.resolve("s/compare-cdf.png")) > 1_000 && Files.size(out.resolve("s/compare-bars.png"))
                > 1_000, "every sweep draws its points' CDFs and bars");
    }

    @Test
    void aSwapMidRunTakesEffectAtItsTime() throws Exception {
        Simulation sim = new Simulation(setup(configs("swap", Map.of()), AzureTrace.load(busyTrace), 1, Map.of(),
                List.of(new Simulation.Swap(60_000, ExtensionPoint.QUEUE, "sjf"))), distro);
        Simulation.Outcome out = sim.run();
        assertEquals("sjf", out.policies().get("queue"));
        assertEquals("fcfs", out.startPolicies().get("queue"), "what the run began with (its exported rows name it)");
        assertTrue(out.rows().stream().allMatch(r -> r.success() || r.errorKind().equals("OVERLOADED")),
                "no invocation lost in the swap");
    }

    @Test
    void badInputIsRefusedWithWhatExists() throws Exception {
        Path config = configs("bad", Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sim("--trace",
                trace.toString(), "--config", config.toString(), "--out", tmp.resolve("bad").toString(), "--sweep",
                "queue=fcfs,nope"));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("sjf"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sim("--trace", trace.toString(), "--sweep",
                "backend=sim"));
        assertTrue(e.getMessage().contains("queue, keepalive or balancer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sim("--trace", trace.toString(), "--workers", "0"));
        assertTrue(e.getMessage().contains("--workers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sim("--workers", "2"));
        assertTrue(e.getMessage().contains("--trace"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> sim("--trace", trace.toString(), "--config",
                config.toString(), "--timings", tmp.toString()));
        assertTrue(e.getMessage().contains("not a results folder"), e.getMessage());
        Path badKernel = configs("bad-kernel", Map.of("vireo.kernel.cfg", "queue.policy = fifo"));
        e = assertThrows(IllegalArgumentException.class, () -> sim("--trace", trace.toString(), "--config",
                badKernel.toString(), "--out", tmp.resolve("bad2").toString()));
        assertTrue(e.getMessage().contains("fifo") && e.getMessage().contains("installed: "), e.getMessage());
    }

    @Test
    void sharingTheBundlesClassesBetweenNodesChangesNothing() throws Exception {
        Path config = configs("share", Map.of());
        Path out = tmp.resolve("runs-share");
        List<FunctionTrace> functions = AzureTrace.load(trace);
        for (boolean share : List.of(true, false)) {
            Simulation.Setup s = new Simulation.Setup(functions, Configs.read(config), 2, 5, 0, Map.of(),
                    List.of(new Simulation.Swap(120_000, ExtensionPoint.QUEUE, "sjf")), Duration.ZERO);
            SimCommand.runOne(s, Distro.at(Path.of(System.getProperty("vireo.home")), share),
                    out.resolve(String.valueOf(share)), dev.vireo.loadgen.RunMetadata.simulated()
                            .trace(trace, 5, 1, 0, "sim", functions.size()).json(), false);
        }
        for (String f : List.of("summary.json", "records.csv", "simulation.log")) {
            assertArrayEquals(Files.readAllBytes(out.resolve("true").resolve(f)),
                    Files.readAllBytes(out.resolve("false").resolve(f)), f + ": one class space per node or one for all");
        }
    }

    @Test
    void theGpuTrackerIsSimulatedWithTheDevicesOfItsConfiguration() throws Exception {
        FunctionSpec vision = new FunctionSpec("vision", "1", "sim/vision", "", "", "sim", Compute.GPU, "sim", 128, 0.1,
                Duration.ofSeconds(60), 1, new ExpectedTimings(100, 50));
        // a simulated host has no GPU monitor: without configured devices, no GPU
        Simulation none = new Simulation(setup(configs("gpu-none", Map.of("vireo.backend.sim.cfg", "gpu = true")),
                List.of(), 1, Map.of(), List.of()), distro);
        try (Simulation.Cluster c = none.start()) {
            assertEquals("cpu,concurrency,memory,gpu,namespaces", c.policies().get("resource"));
            WorkerException e = assertThrows(WorkerException.class, () -> c.workers.get(0).register(vision));
            assertTrue(e.getMessage().contains("needs a GPU but this worker has none"), e.getMessage());
        }
        Simulation two = new Simulation(setup(configs("gpu-two", Map.of("vireo.backend.sim.cfg", "gpu = true",
                "vireo.resource.gpu.cfg", "devices = 0,1")), List.of(), 1, Map.of(), List.of()), distro);
        try (Simulation.Cluster c = two.start()) {
            c.controller.register(vision);
            InvocationRecord r = invoke(two, c, "vision-1", 20);
            assertTrue(r.success(), r.toString());
            ResourceUsage gpus = c.workers.get(0).status().resources().stream()
                    .filter(u -> u.resource().equals("gpu")).findFirst().orElseThrow();
            assertEquals(2, gpus.capacity(), gpus.toString());
            assertEquals(1, gpus.used(), "the warm container keeps its GPU: " + gpus);
        }
    }

    @Test
    void aPluginFromTheDeployFolderIsSimulatedLikeTheProfilesOwn() throws Exception {
        Path deploy = Files.createDirectories(tmp.resolve("deploy"));
        Files.copy(Path.of(System.getProperty("vireo.lifo.jar")), deploy.resolve("lifo.jar"));
        Path config = configs("deploy", Map.of());
        Path out = tmp.resolve("runs-deploy");
        assertEquals(0, sim("--trace", busyTrace.toString(), "--workers", "1", "--config", config.toString(), "--deploy",
                deploy.toString(), "--out", out.toString(), "--name", "d", "--report", "no", "--sweep", "queue=fcfs,lifo"));
        JsonArray sweep = JsonParser.parseString(Files.readString(out.resolve("d/sweep.json"))).getAsJsonArray();
        JsonObject lifo = sweep.get(1).getAsJsonObject();
        assertEquals("lifo", lifo.getAsJsonObject("policies").get("queue").getAsString());
        assertFalse(sweep.get(0).getAsJsonObject().get("overall").equals(lifo.get("overall")),
                "on a queueing trace last-in-first-out orders the queue otherwise: " + sweep);
        Path none = Files.createDirectories(tmp.resolve("deploy-none"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sim("--trace",
                busyTrace.toString(), "--config", config.toString(), "--deploy", none.toString(), "--out",
                out.toString(), "--name", "none", "--use", "queue=lifo"));
        assertTrue(e.getMessage().contains("unknown queue plugin 'lifo'; installed: "), e.getMessage());
    }

    @Test
    void aRunLeavesNoThreadOfItsFrameworksBehind() throws Exception {
        Simulation sim = new Simulation(setup(configs("threads", Map.of()), AzureTrace.load(trace), 2, Map.of(),
                List.of()), distro);
        assertEquals(0, sim.run().counts().failures());
        List<Thread> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("Felix") || t.getName().startsWith("CM ")
                        || t.getName().startsWith("SCR "))
                .toList();
        for (Thread t : left) {
            t.join(5_000);
        }
        assertEquals(List.of(), left.stream().filter(Thread::isAlive).map(Thread::getName).toList(),
                "the nodes' frameworks stopped with the run: a sweep must not pile up their threads");
    }

    @Test
    void timingsComeFromALiveRunsRecords() throws Exception {
        List<FunctionTrace> functions = AzureTrace.load(trace);
        FunctionTrace f = functions.get(0);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            boolean cold = i < 4;
            rows.add(new Row("t" + i, "x-1", f.function(), 0, i * 1_000L, i * 1_000L, 0, true, "", "", "w", cold
                    ? "cold" : "warm", 0, 0, cold ? 300_000 : 0, 0, (i + 1) * 1_000L, 0, -1, -1, -1, 0, 0, 0, 0));
        }
        Path run = tmp.resolve("live-run");
        Results.write(run, rows, new JsonObject());
        RecordedTimings.Applied a = RecordedTimings.apply(functions, run);
        assertEquals(1, a.replaced());
        FunctionTrace.Durations d = a.functions().get(0).durations();
        assertEquals(300.0, d.maximum(), 1e-9, "cold start: mean of the cold records");
        assertEquals(1.0, d.p0(), 1e-9);
        assertEquals(100.0, d.p100(), 1e-9);
        assertEquals(50.5, d.p50(), 1e-9);
        assertEquals(functions.get(1), a.functions().get(1), "functions the run did not serve keep the trace's");
    }

    /**
     * A workflow on the simulated cluster runs the same runtime as live, on virtual time: a map over a list known
     * only at run time and a fan-in, with known execution times, end at exactly the virtual time they add up to, and
     * two runs give the same records.
     */
    @Test
    void aWorkflowRunsOnVirtualTimeDeterministically() throws Exception {
        String spec = """
                {"name":"sim-wf","tasks":[
                 {"id":"split","function":"split-1","args":{"sim_exec_ms":100,"sim_items":8}},
                 {"id":"work","function":"work-1","map":"split","args":{"sim_exec_ms":250,"x":{"$item":true}}},
                 {"id":"sum","function":"sum-1","args":{"sim_exec_ms":50,"xs":{"$ref":"work"}}}]}""";
        List<String> records = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Simulation sim = new Simulation(setup(configs("wf" + i, Map.of()), List.of(), 2, Map.of(), List.of()), distro);
            Simulation.WorkflowOutcome o = sim.runWorkflow(spec, 100, 1);
            assertEquals(dev.vireo.api.dag.RunState.SUCCEEDED, o.status().state(), o.status().toString());
            // cold starts (100 ms) on the first containers: split 100+100, the 8 elements at once 100+250, sum 100+50
            assertEquals(700_000, o.status().elapsedUs(), o.status().toString());
            assertEquals(8, o.status().records().get(1).items());
            // placed on one worker, as live: it runs its tasks where their inputs are (it has the slots for all)
            assertEquals(1, o.status().records().stream().map(dev.vireo.api.dag.TaskRecord::worker).distinct().count(),
                    o.status().records().toString());
            records.add(o.status().records().toString().replaceAll("r-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+", "RUN"));
        }
        assertEquals(records.get(0), records.get(1), "the same workflow, config and seed give the same records");
    }

    /** {@code dag simulate --report DIR} writes the same results folder {@code dag report} writes for a live run. */
    @Test
    void aSimulatedWorkflowWritesItsResultsFolderAndReport() throws Exception {
        Path spec = Files.writeString(tmp.resolve("wf.json"), """
                {"name":"sim-report","tasks":[
                 {"id":"split","function":"split-1","args":{"sim_exec_ms":10,"sim_items":3}},
                 {"id":"work","function":"work-1","map":"split","args":{"sim_exec_ms":20,"x":{"$item":true}}},
                 {"id":"sum","function":"sum-1","args":{"xs":{"$ref":"work"}}}]}""");
        Path out = tmp.resolve("wf-report");
        SimDagCommand command = new SimDagCommand();
        new picocli.CommandLine(command).parseArgs(spec.toString(), "--config", configs("wf-report", Map.of()).toString(),
                "--report", out.toString(), "--log", tmp.resolve("wf-report.log").toString());
        assertEquals(0, command.call());
        for (String f : List.of("records.duckdb", "tasks.parquet", "summary.json", "report.html")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        String summary = Files.readString(out.resolve("summary.json"));
        assertTrue(summary.contains("\"state\": \"succeeded\""), summary);
        assertTrue(summary.contains("\"simulated\": true"), summary);
        com.google.gson.JsonObject plan = com.google.gson.JsonParser.parseString(summary).getAsJsonObject()
                .getAsJsonObject("plan");
        assertEquals("local", plan.get("planner").getAsString(), summary);
        assertFalse(plan.get("home").getAsString().isEmpty(), summary);
        assertEquals(3, plan.getAsJsonObject("tasks_where_planned").get("planned").getAsInt(), summary);
        assertTrue(Files.readString(out.resolve("report.html")).contains("Plan: planner local, SLA "));
    }

    /**
     * The planners' comparison on virtual time: a skewed map-reduce under the default and HEFT, each run three times in
     * its cluster: both succeed, each run was planned by its planner, and HEFT, starting the long maps first over both
     * workers, finishes sooner (exactly: virtual time).
     */
    @Test
    void heftBeatsTheDefaultOnASkewedMapReduceInTheSimulation() throws Exception {
        StringBuilder spec = new StringBuilder("{\"tasks\":[{\"id\":\"split\",\"function\":\"s10-1\","
                + "\"args\":{\"sim_exec_ms\":10}}");
        StringBuilder refs = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            boolean slow = i >= 10;
            spec.append(",{\"id\":\"m").append(i).append("\",\"function\":\"").append(slow ? "s300-1" : "s50-1")
                    .append("\",\"args\":{\"sim_exec_ms\":").append(slow ? 300 : 50).append(",\"in\":{\"$ref\":"
                    + "\"split\"}}}");
            refs.append(i == 0 ? "" : ",").append("{\"$ref\":\"m").append(i).append("\"}");
        }
        spec.append(",{\"id\":\"reduce\",\"function\":\"s10-1\",\"args\":{\"sim_exec_ms\":10,\"xs\":[")
                .append(refs).append("]}}]}");
        com.google.gson.JsonArray rows = SimPlanners.run(Map.of("skewed", spec.toString()), List.of("local", "heft"),
                Configs.read(configs("planners", Map.of())), 100, 0.5);
        assertEquals(2, rows.size());
        com.google.gson.JsonObject local = rows.get(0).getAsJsonObject();
        com.google.gson.JsonObject heft = rows.get(1).getAsJsonObject();
        for (com.google.gson.JsonObject r : List.of(local, heft)) {
            assertEquals("succeeded", r.get("state").getAsString(), r.toString());
            assertEquals(r.get("planner").getAsString(), r.get("planned_by").getAsString());
            assertEquals(14, r.get("tasks").getAsInt());
        }
        assertTrue(heft.get("makespan_ms").getAsDouble() < local.get("makespan_ms").getAsDouble(),
                local + " vs " + heft);
        assertTrue(heft.get("predicted_ms").getAsDouble() > 0, heft.toString());
    }
}
