package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import dev.vireo.cli.command.DemoCommand;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A controller and two workers started with {@code ./vireo cluster start} (separate JVMs, sim backend), a private
 * carbon + graphite-web they push to, and the load generator against them: every balancing policy, a worker killed
 * mid-run, the results folder (queried with DuckDB), the Graphite extraction, and bad inputs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private static final Path HOME = Path.of(System.getProperty("vireo.home")).toAbsolutePath().normalize();
    private static Path dir;
    private static Path graphite;
    private static String web;
    private static String ctlHttp;
    private static String ctlGrpc;

    record Result(int code, String out) {
    }

    private static Result vireo(Map<String, String> env, String... args) throws IOException, InterruptedException {
        VireoScript.Result r = new VireoScript(dir.resolve("run"), Map.of(), java.time.Duration.ofSeconds(300))
                .run(env, args);
        return new Result(r.code(), r.out());
    }

    private static Result vireo(String... args) throws IOException, InterruptedException {
        return vireo(Map.of(), args);
    }

    private static Result tool(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    private static String value(String out, String key) {
        Matcher m = Pattern.compile(key + "[=: ]+(\\S+)").matcher(out);
        assertTrue(m.find(), key + " in " + out);
        return m.group(1).replaceAll(",$", "");
    }

    @BeforeAll
    static void startCluster() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/carbon-cache")) && Files.isExecutable(Path.of("/usr/bin/gunicorn")),
                "graphite-carbon, graphite-web and gunicorn are needed (./vireo test installs them as root)");
        dir = Files.createTempDirectory("vireo-cluster-it-");
        graphite = dir.resolve("graphite");
        Result g = tool(HOME.resolve("tools/graphite.sh").toString(), "start", graphite.toString());
        assertEquals(0, g.code(), g.out());
        web = value(g.out(), "WEB");
        Result c = vireo(Map.of("VIREO_CLUSTER_GRAPHITE", "127.0.0.1:" + value(g.out(), "LINE_PORT")),
                "cluster", "start", "--workers", "2");
        assertEquals(0, c.code(), c.out());
        ctlHttp = value(c.out(), "HTTP");
        ctlGrpc = value(c.out(), "gRPC");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (dir != null) {
            vireo("cluster", "stop");
            tool(HOME.resolve("tools/graphite.sh").toString(), "stop", graphite.toString());
        }
    }

    private static Path trace(String name, int functions, int rate, int seed) throws Exception {
        Path t = dir.resolve(name);
        Result r = vireo("trace", "synth", "--functions", Integer.toString(functions), "--minutes", "1", "--seed",
                Integer.toString(seed), "--rate", Integer.toString(rate), "--out", t.toString());
        assertEquals(0, r.code(), r.out());
        return t;
    }

    private static JsonObject summary(Path run) throws IOException {
        return JsonParser.parseString(Files.readString(run.resolve("summary.json"))).getAsJsonObject();
    }

    @Test
    @Order(1)
    void aTraceThroughTheControllerWritesTheResultsFolderAndPullsItsGraphiteSeries() throws Exception {
        // the demo's trace, at the demo's speed (Order 4 reproduces this run with sim --like)
        Path t = dir.resolve("trace");
        List<String> synth = new ArrayList<>(List.of("trace", "synth"));
        synth.addAll(DemoCommand.TRACE);
        synth.addAll(List.of("--out", t.toString()));
        Result made = vireo(synth.toArray(String[]::new));
        assertEquals(0, made.code(), made.out());
        Result r = vireo("loadgen", "trace", "--target", ctlGrpc, "--trace", t.toString(), "--speed", DemoCommand.SPEED,
                "--out", dir.resolve("runs").toString(), "--name", "t1", "--graphite", web, "--graphite-wait-s", "3");
        assertEquals(0, r.code(), r.out());
        Path run = dir.resolve("runs/t1");
        for (String f : List.of("records.duckdb", "records.parquet", "records.csv", "summary.json", "report.html",
                "latency-cdf.png", "throughput.png", "overhead-vs-load.png", "workers.png", "metrics.csv")) {
            assertTrue(Files.size(run.resolve(f)) > 0, f + " written");
        }
        JsonObject s = summary(run);
        long count = s.getAsJsonObject("overall").get("count").getAsLong();
        assertTrue(count > 50, s.toString());
        assertEquals(0, s.getAsJsonObject("overall").get("errors").getAsLong(), s.toString());
        assertEquals(2, s.getAsJsonObject("workers").size(), "round-robin used both workers: " + s);
        assertTrue(Files.readString(run.resolve("report.html")).contains("<img src=\"latency-cdf.png\""));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement q = c.createStatement()) {
            // the Parquet and CSV copies hold the same rows as the database; every row carries the controller's part
            try (ResultSet rs = q.executeQuery("SELECT count(*), count(DISTINCT tid), min(attempts),"
                    + " count(*) FILTER (WHERE state = 'cold') FROM '" + run.resolve("records.parquet") + "'")) {
                rs.next();
                assertEquals(count, rs.getLong(1));
                assertEquals(count, rs.getLong(2), "one row per invocation");
                assertEquals(1, rs.getLong(3));
                assertTrue(rs.getLong(4) >= 4, "each function started cold at least once");
            }
            try (ResultSet rs = q.executeQuery("SELECT count(*) FROM read_csv_auto('" + run.resolve("records.csv") + "')")) {
                rs.next();
                assertEquals(count, rs.getLong(1));
            }
            // the Graphite series of both workers and the controller, inside the run's window
            q.execute("ATTACH '" + run.resolve("records.duckdb") + "' AS r (READ_ONLY)");
            // records and series count seconds from the same origin (the run's start): the series end within the
            // step and the extraction's margin of the last answer
            double lastAnswerS;
            try (ResultSet rs = q.executeQuery("SELECT max(sent_us + client_us) / 1e6 FROM r.records")) {
                rs.next();
                lastAnswerS = rs.getDouble(1);
            }
            try (ResultSet rs = q.executeQuery("SELECT count(DISTINCT series), count(*), min(t_s), max(t_s),"
                    + " count(*) FILTER (WHERE series LIKE '%controller.workers.healthy%' AND value = 2)"
                    + " FROM r.metrics")) {
                rs.next();
                assertTrue(rs.getLong(1) >= 4, "series of both workers and the controller: " + rs.getLong(1));
                assertTrue(rs.getLong(2) >= 20, "points: " + rs.getLong(2));
                assertTrue(rs.getDouble(3) >= -2 && rs.getDouble(4) <= lastAnswerS + 3, "aligned to the run's time"
                        + " axis: series from " + rs.getDouble(3) + " to " + rs.getDouble(4) + " s, last answer at "
                        + lastAnswerS + " s");
                assertTrue(rs.getLong(5) > 0, "the controller reported its two healthy workers");
            }
        }
        Result same = vireo("results", "compare", run.toString(), run.toString());
        assertEquals(0, same.code(), same.out());
        assertTrue(same.out().contains("e2e_p50_us") && same.out().contains("="), same.out());
    }

    private Result bench(String name, int seconds) throws Exception {
        return vireo("loadgen", "bench", "--target", ctlGrpc, "--clients", "4", "--duration-s", Integer.toString(seconds),
                "--exec-ms", "2", "--out", dir.resolve("runs").toString(), "--name", name);
    }

    /** The balancer put in force over the controller's HTTP API (PUT /policies/balancer), as a live sweep does. */
    private void use(String policy) throws Exception {
        try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(ctlHttp + "/policies/balancer"))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"use\":\"" + policy + "\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"balancer\":\"" + policy + "\""), r.body());
        }
    }

    /** The busiest worker's share of the invocations. */
    private static double share(JsonObject perWorker) {
        long max = 0;
        long all = 0;
        for (String w : perWorker.keySet()) {
            long n = perWorker.get(w).getAsLong();
            max = Math.max(max, n);
            all += n;
        }
        return (double) max / all;
    }

    /**
     * {@code vireo sim --like RUN} on the first test's run (the demo's trace, which saturates the cluster) and on a
     * light one: the
     * simulation takes the trace, seed, speed, every node's settings, the warm containers and the network's delays
     * from the run's folder, and its cold starts are within 2 points and its e2e p50 and p99 within 5 % of the live
     * run's (#19's fidelity targets).
     */
    @Test
    @Order(4)
    void theSimulationReproducesASaturatedAndALightLiveRun() throws Exception {
        JsonObject settings = JsonParser.parseString(Files.readString(dir.resolve("runs/t1/settings.json")))
                .getAsJsonObject();
        assertEquals("controller", settings.get("role").getAsString(), settings.toString());
        assertEquals(2, settings.getAsJsonArray("workers").size(), settings.toString());
        JsonObject saturated = summary(dir.resolve("runs/t1")).getAsJsonObject("overall");
        assertTrue(saturated.get("overhead_p50_us").getAsLong() > 1_000_000, "saturated: invocations wait "
                + saturated);
        like("t1");
        Path light = trace("light", 8, 3, 5);
        Result r = vireo("loadgen", "trace", "--target", ctlGrpc, "--trace", light.toString(), "--speed", "2",
                "--out", dir.resolve("runs").toString(), "--name", "light");
        assertEquals(0, r.code(), r.out());
        JsonObject overall = summary(dir.resolve("runs/light")).getAsJsonObject("overall");
        assertTrue(overall.get("overhead_p50_us").getAsLong() < 100_000, "light: invocations hardly wait " + overall);
        like("light");

        // a live sweep: the queue policy put in force on both workers before each point, one folder each
        Result sweep = vireo("loadgen", "sweep", "--target", ctlGrpc, "--trace", light.toString(), "--speed", "6",
                "--use", "queue=fcfs,sjf", "--out", dir.resolve("runs").toString(), "--name", "live-sweep");
        assertEquals(0, sweep.code(), sweep.out());
        for (String q : List.of("fcfs", "sjf")) {
            JsonObject run = summary(dir.resolve("runs/live-sweep/queue=" + q)).getAsJsonObject("run");
            assertEquals(q, run.getAsJsonObject("policies").get("queue").getAsString(), run.toString());
        }
        assertTrue(Files.readString(dir.resolve("runs/live-sweep/compare.html")).contains("<td>queue=sjf</td>"));
        Result refused = vireo("loadgen", "sweep", "--target", ctlGrpc, "--trace", light.toString(), "--use",
                "queue=fcfs,nosuch", "--out", dir.resolve("runs").toString(), "--name", "refused-sweep");
        assertEquals(2, refused.code(), refused.out());
        assertTrue(refused.out().contains("nosuch"), refused.out());
    }

    private void like(String run) throws Exception {
        Result r = vireo("sim", "--like", dir.resolve("runs/" + run).toString(), "--out", dir.resolve("runs").toString(),
                "--name", run + "-like", "--report", "no");
        assertEquals(0, r.code(), r.out());
        JsonObject fidelity = JsonParser.parseString(Files.readString(dir.resolve("runs/" + run + "-like/like.json")))
                .getAsJsonObject().getAsJsonObject("fidelity");
        System.out.println("sim --like " + run + ": " + fidelity);
        assertTrue(fidelity.get("within_targets").getAsBoolean(), run + ": " + fidelity + "\n" + r.out());
    }

    @Test
    @Order(2)
    void everyBalancingPolicySpreadsOrSticksAsItShould() throws Exception {
        Map<String, JsonObject> workers = new HashMap<>();
        for (String policy : List.of("least-loaded", "ch-bl", "round-robin")) {
            use(policy);
            Result r = bench("policy-" + policy, 2);
            assertEquals(0, r.code(), r.out());
            JsonObject s = summary(dir.resolve("runs/policy-" + policy));
            assertEquals(0, s.getAsJsonObject("overall").get("errors").getAsLong(), policy + ": " + s);
            workers.put(policy, s.getAsJsonObject("workers"));
        }
        assertEquals(2, workers.get("round-robin").size(), workers.toString());
        assertEquals(2, workers.get("least-loaded").size(), workers.toString());
        // round-robin alternates; ch-bl keeps the one function on its home worker and spills only what passes the
        // bound (1.25 x the average load: with 4 clients some does)
        assertTrue(share(workers.get("round-robin")) < 0.55, workers.toString());
        assertTrue(share(workers.get("ch-bl")) > 0.6, workers.toString());
    }

    /**
     * Sub-graphs inline over the real gRPC API: under {@code wukong}, half of 8 three-stage pipelines go to the peer
     * (each a fused group); each goes there in one request (RunDagChain), and the ~110 KB passed between its stages
     * stays there: only the first stage's payload goes and the last stage's short output comes back.
     */
    @Test
    @Order(3)
    void aGroupOnThePeerGoesThereInOneRequestAndItsLargeInnerOutputsStayThere() throws Exception {
        for (String fn : List.of("chain-big", "chain-small")) {
            Result reg = vireo("fn", "register", fn, "--image", "sim/" + fn, "--transport", "sim", "--cpus", "0.5",
                    "--worker", ctlHttp);
            assertEquals(0, reg.code(), reg.out());
        }
        StringBuilder spec = new StringBuilder("{\"name\":\"pipes\",\"tasks\":[{\"id\":\"root\",\"function\":"
                + "\"chain-small-1\",\"args\":{\"sim_exec_ms\":5}}");
        StringBuilder ends = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            spec.append(",{\"id\":\"p").append(i).append("-a\",\"function\":\"chain-big-1\",\"args\":{\"sim_exec_ms\":20,"
                    + "\"sim_items\":20000,\"x\":{\"$ref\":\"root\"}}}");
            spec.append(",{\"id\":\"p").append(i).append("-b\",\"function\":\"chain-big-1\",\"args\":{\"sim_exec_ms\":20,"
                    + "\"sim_items\":20000,\"x\":{\"$ref\":\"p").append(i).append("-a\"}}}");
            spec.append(",{\"id\":\"p").append(i).append("-c\",\"function\":\"chain-small-1\",\"args\":{\"sim_exec_ms\":20,"
                    + "\"sim_items\":1,\"x\":{\"$ref\":\"p").append(i).append("-b\"}}}");
            ends.append(i == 0 ? "" : ",").append("{\"$ref\":\"p").append(i).append("-c\"}");
        }
        spec.append(",{\"id\":\"sink\",\"function\":\"chain-small-1\",\"args\":{\"sim_exec_ms\":5,\"xs\":[")
                .append(ends).append("]}}]}");
        List<String> nodes = List.of("cluster-controller", "cluster-w1", "cluster-w2");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        try {
            for (String node : nodes) {
                Result r = vireo("console", node, "-c", "vireo:use dag wukong");
                assertEquals(0, r.code(), r.out());
            }
            java.net.http.HttpResponse<String> submitted = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(ctlHttp + "/dags")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            spec.toString())).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(201, submitted.statusCode(), submitted.body());
            String run = JsonParser.parseString(submitted.body()).getAsJsonObject().get("run").getAsString();
            JsonObject dag = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                dag = JsonParser.parseString(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        ctlHttp + "/dags/" + run)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body())
                        .getAsJsonObject();
                if (!dag.get("state").getAsString().equals("running")) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals("succeeded", dag.get("state").getAsString(), dag.toString());
            String home = JsonParser.parseString(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    ctlHttp + "/dags/" + run + "/plan")).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body()).getAsJsonObject().get("home").getAsString();
            Map<String, JsonObject> records = new HashMap<>();
            dag.getAsJsonArray("records").forEach(e -> records.put(e.getAsJsonObject().get("task").getAsString(),
                    e.getAsJsonObject()));
            long moved = 0;
            int away = 0;
            for (JsonObject r : records.values()) {
                if (!r.get("worker").getAsString().equals(home)) {
                    away++;
                    moved += r.get("bytes_in").getAsLong() + r.get("bytes_out").getAsLong();
                }
            }
            assertEquals(12, away, "four pipelines on the peer: " + records);
            for (int i = 1; i < 8; i += 2) {
                JsonObject a = records.get("p" + i + "-a");
                JsonObject b = records.get("p" + i + "-b");
                JsonObject c = records.get("p" + i + "-c");
                assertEquals(0, a.get("bytes_out").getAsLong(), "a's ~110 KB stayed on the peer: " + a);
                assertEquals(0, b.get("bytes_in").getAsLong(), "b's payload was made there: " + b);
                assertEquals(0, b.get("bytes_out").getAsLong(), b.toString());
                assertEquals(0, c.get("bytes_in").getAsLong(), c.toString());
                assertEquals(3, c.get("bytes_out").getAsLong(), "c's [0] came back for the sink: " + c);
            }
            assertTrue(moved < 2_000, "bytes moved: " + moved);
            String log = Files.readString(dir.resolve("run/" + (home.equals("cluster-w1") ? "cluster-w2"
                    : "cluster-w1") + "/vireo.log"));
            assertFalse(log.contains("RunDagChain"), "no refusal on the peer: " + log);
        } finally {
            for (String node : nodes) {
                vireo("console", node, "-c", "vireo:use dag local");
            }
        }
    }

    @Test
    @Order(5)
    void aWorkerKilledMidRunIsTakenOutAndTheRunCarriesOnWithoutErrors() throws Exception {
        // a workflow through the controller too: 40 branches of 3 s spread over both workers (w2 dies during them),
        // then a fan-in
        Result reg = vireo("fn", "register", "dag-sleep", "--image", "sim/sleep", "--transport", "sim", "--cpus", "0.01",
                "--concurrency", "64", "--worker", ctlHttp);
        assertEquals(0, reg.code(), reg.out());
        StringBuilder spec = new StringBuilder("{\"name\":\"dying\",\"tasks\":[");
        StringBuilder after = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            spec.append("{\"id\":\"b").append(i).append("\",\"function\":\"dag-sleep-1\",\"args\":{\"sim_exec_ms\":3000}},");
            after.append(i == 0 ? "" : ",").append("\"b").append(i).append('"');
        }
        spec.append("{\"id\":\"sink\",\"function\":\"dag-sleep-1\",\"args\":{\"sim_exec_ms\":1},\"after\":[")
                .append(after).append("]}]}");
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        // two runs: the controller places them on the workers in turn, so one lives on w2, which dies under it
        List<String> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            java.net.http.HttpResponse<String> submitted = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(ctlHttp + "/dags")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            spec.toString())).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(201, submitted.statusCode(), submitted.body());
            runs.add(JsonParser.parseString(submitted.body()).getAsJsonObject().get("run").getAsString());
        }
        long pid = Long.parseLong(Files.readString(dir.resolve("run/cluster-w2/vireo.pid")).trim());
        Thread killer = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(1_500);
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Result r = bench("dying", 4);
        killer.join();
        assertEquals(0, r.code(), r.out());
        JsonObject s = summary(dir.resolve("runs/dying"));
        assertEquals(0, s.getAsJsonObject("overall").get("errors").getAsLong(), "retried on the survivor: " + s);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("runs/dying/records.duckdb"));
                Statement q = c.createStatement();
                ResultSet rs = q.executeQuery("SELECT max(sent_us) FILTER (WHERE worker = 'cluster-w2'),"
                        + " max(sent_us) FILTER (WHERE worker = 'cluster-w1'), max(attempts) FROM records")) {
            rs.next();
            assertTrue(rs.getLong(1) < rs.getLong(2), "w2 served nothing after it died");
        }
        for (String run : runs) {
            JsonObject dag = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                java.net.http.HttpResponse<String> got = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(ctlHttp + "/dags/" + run)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                if (got.statusCode() != 200) {
                    // 503 while its worker is dead and not yet taken out: the run moves once it is
                    assertEquals(503, got.statusCode(), got.body());
                    Thread.sleep(100);
                    continue;
                }
                dag = JsonParser.parseString(got.body()).getAsJsonObject();
                if (!dag.get("state").getAsString().equals("running")) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals("succeeded", dag.get("state").getAsString(), "the workflow carried on: " + dag);
            assertEquals(run, dag.get("run").getAsString(), "under the id the client holds");
            assertEquals(41, dag.getAsJsonObject("counts").get("succeeded").getAsInt(), dag.toString());
            assertTrue(dag.getAsJsonArray("records").asList().stream().allMatch(t -> t.getAsJsonObject().get("worker")
                    .getAsString().equals("cluster-w1")), "it ended on the survivor: " + dag);
        }
        String log = Files.readString(dir.resolve("run/cluster-controller/vireo.log"));
        assertTrue(log.contains("its worker cluster-w2 is no longer in service: the run starts again on cluster-w1"),
                "the run whose worker died started again on the other: " + log.lines().filter(l -> l.contains("r-"))
                        .toList());
        Result status = vireo("controller", "status", "--worker", ctlHttp);
        assertTrue(status.out().matches("(?s).*cluster-w2 .* OUT .*"), status.out());
        assertTrue(status.out().matches("(?s).*cluster-w1 .* healthy .*"), status.out());
    }

    @Test
    @Order(6)
    void badInputsGetClearErrors() throws Exception {
        Path bad = dir.resolve("bad-trace");
        Files.createDirectories(bad);
        Path good = trace("good", 2, 1, 1);
        try (var files = Files.list(good)) {
            for (Path f : files.toList()) {
                Files.copy(f, bad.resolve(f.getFileName()));
            }
        }
        Path inv;
        try (var files = Files.list(bad)) {
            inv = files.filter(f -> f.getFileName().toString().startsWith("invocations_per_function")).findFirst()
                    .orElseThrow();
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(inv));
        lines.set(2, lines.get(2).replaceFirst(",(\\d+)$", ",oops"));
        Files.write(inv, lines);
        Result malformed = vireo("loadgen", "trace", "--target", ctlGrpc, "--trace", bad.toString(), "--out",
                dir.resolve("runs").toString());
        assertNotEquals(0, malformed.code());
        assertTrue(malformed.out().contains(inv.getFileName() + ":3"), "names file and line: " + malformed.out());

        Result unknown = vireo("loadgen", "trace", "--target", ctlGrpc, "--trace", good.toString(), "--only",
                "nosuchfunction", "--out", dir.resolve("runs").toString());
        assertEquals(2, unknown.code(), unknown.out());
        assertTrue(unknown.out().contains("not in the trace") && unknown.out().contains("nosuchfunction"), unknown.out());

        Result unreachable = vireo("loadgen", "bench", "--target", "127.0.0.1:1", "--duration-s", "1", "--out",
                dir.resolve("runs").toString());
        assertEquals(2, unreachable.code(), unreachable.out());
        assertTrue(unreachable.out().contains("cannot reach the target 127.0.0.1:1"), unreachable.out());
        assertFalse(Files.exists(dir.resolve("runs/bench-")), "no results folder for a run that never started");

        Result noSuchRun = vireo("results", "compare", dir.resolve("nope").toString(), dir.resolve("runs/t1").toString());
        assertEquals(2, noSuchRun.code(), noSuchRun.out());
        assertTrue(noSuchRun.out().contains("is not a results folder"), noSuchRun.out());
    }
}
