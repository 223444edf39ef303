package dev.vireo.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Planners against each other on the same workflows, live: six graphs (a function per execution time, so that a
 * function's history predicts its tasks) (a fan-out/fan-in, a chain, a tree reduce, a
 * map-reduce whose few long maps come last in the spec, a chain of diamonds passing large outputs, and 8 pipelines of
 * three stages passing large outputs between stages), each run under
 * every planner on a controller with two workers (sim backend, functions of half a CPU: four at once per worker).
 * Every graph runs {@link #JIT_WARMUP_RUNS} times first, unmeasured (the JIT). A graph is run twice first under the
 * planner (once on each worker: runs are placed in turn, and a worker predicts
 * from what it ran), then measured {@link #MEASURED_RUNS} times (the run of median makespan reported): makespan, the plan's predicted makespan, container time (each task's start to
 * end less its queueing), bytes moved between the run's home and its peers (inputs sent and outputs returned by tasks
 * run on a peer), errors. The same graphs under the same planners in the time-skipping simulation, when given, go
 * beside them (the simulated figures, and live against simulated makespan).
 */
public final class PlannerBench {
    public static final List<String> PLANNERS = List.of("local", "heft", "critical-path", "wukong", "locality");
    /** Runs of each graph before anything is measured (runs are placed in turn: two on each of the two workers). */
    static final int JIT_WARMUP_RUNS = 4;
    /** Measured runs of each graph under each planner: the one of median makespan is reported (one run is noisy). */
    static final int MEASURED_RUNS = 3;

    private PlannerBench() {
    }

    /** A graph: its name and spec. */
    record Graph(String name, String spec) {
    }

    private static String task(String id, String fn, String args, String after) {
        return "{\"id\":\"" + id + "\",\"function\":\"" + fn + "\",\"args\":{" + args + "}"
                + (after.isEmpty() ? "" : ",\"after\":[" + after + "]") + "}";
    }

    private static String ref(String task) {
        return "{\"$ref\":\"" + task + "\"}";
    }

    static List<Graph> graphs() {
        List<Graph> g = new ArrayList<>();
        StringBuilder fan = new StringBuilder(task("root", "pb-10ms-1", "\"sim_exec_ms\":10", ""));
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            fan.append(',').append(task("b" + i, "pb-50ms-1", "\"sim_exec_ms\":50", "\"root\""));
            all.append(i == 0 ? "" : ",").append("\"b").append(i).append('"');
        }
        fan.append(',').append(task("sink", "pb-10ms-1", "\"sim_exec_ms\":10", all.toString()));
        g.add(new Graph("fanout", "{\"name\":\"pb-fanout\",\"tasks\":[" + fan + "]}"));

        StringBuilder chain = new StringBuilder(task("t0", "pb-10ms-1", "\"sim_exec_ms\":10", ""));
        for (int i = 1; i < 20; i++) {
            chain.append(',').append(task("t" + i, "pb-10ms-1", "\"sim_exec_ms\":10,\"x\":" + ref("t" + (i - 1)), ""));
        }
        g.add(new Graph("chain", "{\"name\":\"pb-chain\",\"tasks\":[" + chain + "]}"));

        StringBuilder tree = new StringBuilder();
        int width = 32;
        for (int i = 0; i < width; i++) {
            tree.append(i == 0 ? "" : ",").append(task("l0-" + i, "pb-20ms-1", "\"sim_exec_ms\":20", ""));
        }
        for (int level = 1; width > 1; level++) {
            width /= 2;
            for (int i = 0; i < width; i++) {
                tree.append(',').append(task("l" + level + "-" + i, "pb-5ms-1", "\"sim_exec_ms\":5,\"a\":"
                        + ref("l" + (level - 1) + "-" + 2 * i) + ",\"b\":" + ref("l" + (level - 1) + "-" + (2 * i + 1)),
                        ""));
            }
        }
        g.add(new Graph("tree", "{\"name\":\"pb-tree\",\"tasks\":[" + tree + "]}"));

        // 28 short maps, then 4 long ones: in spec order the stragglers start last
        StringBuilder mr = new StringBuilder(task("split", "pb-10ms-1", "\"sim_exec_ms\":10", ""));
        StringBuilder maps = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            boolean long_ = i >= 28;
            mr.append(',').append(task("m" + i, long_ ? "pb-300ms-1" : "pb-50ms-1", "\"sim_exec_ms\":"
                    + (long_ ? 300 : 50) + ",\"in\":" + ref("split"), ""));
            maps.append(i == 0 ? "" : ",").append(ref("m" + i));
        }
        mr.append(',').append(task("reduce", "pb-10ms-1", "\"sim_exec_ms\":10,\"xs\":[" + maps + "]", ""));
        g.add(new Graph("skewed-map-reduce", "{\"name\":\"pb-skewed\",\"tasks\":[" + mr + "]}"));

        // diamonds in a row, every task returning ~110 KB (a list of 20,000 numbers) to the next
        StringBuilder dia = new StringBuilder(task("d0-top", "pb-big-1", "\"sim_exec_ms\":20,\"sim_items\":20000", ""));
        for (int i = 0; i < 6; i++) {
            String top = "d" + i + "-top";
            dia.append(',').append(task("d" + i + "-l", "pb-big-1", "\"sim_exec_ms\":20,\"sim_items\":20000,\"x\":"
                    + ref(top), ""));
            dia.append(',').append(task("d" + i + "-r", "pb-big-1", "\"sim_exec_ms\":20,\"sim_items\":20000,\"x\":"
                    + ref(top), ""));
            String bottom = i == 5 ? "end" : "d" + (i + 1) + "-top";
            dia.append(',').append(task(bottom, "pb-big-1", "\"sim_exec_ms\":20,\"sim_items\":20000,\"a\":"
                    + ref("d" + i + "-l") + ",\"b\":" + ref("d" + i + "-r"), ""));
        }
        g.add(new Graph("large-output-diamonds", "{\"name\":\"pb-diamonds\",\"tasks\":[" + dia + "]}"));

        // 8 pipelines of three stages from one root into one sink: the first two stages return ~110 KB to the next,
        // the last a short list (per-partition extract, transform, aggregate); wider than one worker
        StringBuilder pipes = new StringBuilder(task("root", "pb-10ms-1", "\"sim_exec_ms\":10", ""));
        StringBuilder ends = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            pipes.append(',').append(task("p" + i + "-a", "pb-big-1", "\"sim_exec_ms\":20,\"sim_items\":20000,\"x\":"
                    + ref("root"), ""));
            pipes.append(',').append(task("p" + i + "-b", "pb-big-1", "\"sim_exec_ms\":20,\"sim_items\":20000,\"x\":"
                    + ref("p" + i + "-a"), ""));
            pipes.append(',').append(task("p" + i + "-c", "pb-20ms-1", "\"sim_exec_ms\":20,\"sim_items\":1,\"x\":"
                    + ref("p" + i + "-b"), ""));
            ends.append(i == 0 ? "" : ",").append(ref("p" + i + "-c"));
        }
        pipes.append(',').append(task("sink", "pb-10ms-1", "\"sim_exec_ms\":10,\"xs\":[" + ends + "]", ""));
        g.add(new Graph("large-output-pipelines", "{\"name\":\"pb-pipelines\",\"tasks\":[" + pipes + "]}"));
        return g;
    }

    /**
     * Runs every graph under every planner on the controller at {@code http} ({@code grpc} to register the
     * functions); {@code use} makes a planner the active one on every node. Prints a table and the JSON.
     */
    public static JsonObject run(String http, String grpc, Consumer<String> use,
            java.util.function.Function<Map<String, String>, JsonArray> simulate, Path json) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(grpc).usePlaintext().build();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            WorkerGrpc.WorkerBlockingStub stub = WorkerGrpc.newBlockingStub(channel);
            for (String fn : List.of("pb-5ms", "pb-10ms", "pb-20ms", "pb-50ms", "pb-300ms", "pb-big")) {
                register(stub, fn);
            }
            JsonArray rows = new JsonArray();
            System.out.printf(Locale.ROOT, "%-22s %-14s | %9s %9s %7s | %10s %12s %6s%n", "graph", "planner",
                    "makespan", "predicted", "error", "container", "bytes moved", "errors");
            // the JIT first: each graph twice on each worker, not measured. A fresh JVM's first runs of a graph pay
            // the compiler (a ~110 KB payload: ~18 ms of the runtime's own work per task, ~12 ms once compiled), and a
            // worker predicts from every task it ran: measured after one run per worker, half its history is that
            use.accept("local");
            for (Graph g : graphs()) {
                for (int i = 0; i < JIT_WARMUP_RUNS; i++) {
                    DagBench.workflow(client, http, new DagBench.Shape(g.name(), 0, g.spec(), List.of()), true);
                }
            }
            for (String planner : PLANNERS) {
                use.accept(planner);
                for (Graph g : graphs()) {
                    for (int i = 0; i < 2; i++) {
                        DagBench.workflow(client, http, new DagBench.Shape(g.name(), 0, g.spec(), List.of()), true);
                    }
                    List<JsonObject> measured = new ArrayList<>();
                    for (int i = 0; i < MEASURED_RUNS; i++) {
                        measured.add(measure(client, http, g, planner));
                    }
                    JsonObject r = median(measured);
                    rows.add(r);
                    System.out.printf(Locale.ROOT, "%-22s %-14s | %7.1f ms %7.1f ms %6s | %8.2f s %12d %6d%n",
                            g.name(), planner, r.get("makespan_ms").getAsDouble(), r.get("predicted_ms").getAsDouble(),
                            r.get("error_pct").isJsonNull() ? "-" : String.format(Locale.ROOT, "%.0f%%",
                                    r.get("error_pct").getAsDouble()), r.get("container_s").getAsDouble(),
                            r.get("bytes_moved").getAsLong(), r.get("errors").getAsInt());
                }
            }
            use.accept("local");
            JsonObject out = new JsonObject();
            out.addProperty("benchmark", "planners");
            out.addProperty("backend", "sim");
            out.add("runs", rows);
            out.add("comparisons", comparisons(rows));
            if (simulate != null) {
                Map<String, String> specs = new LinkedHashMap<>();
                graphs().forEach(g -> specs.put(g.name(), g.spec()));
                JsonArray simulated = simulate.apply(specs);
                out.add("simulated", simulated);
                out.add("simulated_comparisons", comparisons(simulated));
                System.out.printf(Locale.ROOT, "%n%-22s %-14s | %9s %9s %7s | %12s %12s%n", "graph", "planner",
                        "live", "simulated", "diff", "live bytes", "sim bytes");
                for (int i = 0; i < rows.size() && i < simulated.size(); i++) {
                    JsonObject l = rows.get(i).getAsJsonObject();
                    JsonObject m = simulated.get(i).getAsJsonObject();
                    double live = l.get("makespan_ms").getAsDouble();
                    double sim = m.get("makespan_ms").getAsDouble();
                    System.out.printf(Locale.ROOT, "%-22s %-14s | %6.1f ms %6.1f ms %6.0f%% | %12d %12d%n",
                            l.get("graph").getAsString(), l.get("planner").getAsString(), live, sim,
                            100.0 * (sim - live) / live, l.get("bytes_moved").getAsLong(),
                            m.get("bytes_moved").getAsLong());
                }
            }
            String text = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(out);
            System.out.println(text);
            if (json != null) {
                Files.writeString(json, text + "\n");
                String base = json.getFileName().toString().replaceFirst("\\.json$", "");
                List<Path> files = figure(json.toAbsolutePath().getParent(), base, rows,
                        out.has("simulated") ? out.getAsJsonArray("simulated") : null);
                System.out.println("figure: " + files.get(0) + " and " + files.get(1));
            }
            return out;
        } finally {
            channel.shutdownNow();
            client.close();
        }
    }

    /** One measured run of a graph: its figures from its records and its plan. */
    private static JsonObject measure(HttpClient client, String http, Graph g, String planner) throws Exception {
        JsonObject summary = DagBench.workflow(client, http, new DagBench.Shape(g.name(), 0, g.spec(), List.of()),
                false);
        String run = summary.get("run").getAsString();
        JsonObject status = get(client, http + "/dags/" + run);
        JsonObject plan = get(client, http + "/dags/" + run + "/plan");
        String home = plan.get("home").getAsString();
        long moved = 0;
        double containerUs = 0;
        int cold = 0;
        for (JsonElement e : status.getAsJsonArray("records")) {
            JsonObject r = e.getAsJsonObject();
            if (!r.get("worker").getAsString().equals(home)) {
                moved += r.get("bytes_in").getAsLong() + r.get("bytes_out").getAsLong();
            }
            if (r.get("container").getAsString().equals("cold")) {
                cold++;
            }
            containerUs += Math.max(0, r.get("end_us").getAsLong() - r.get("start_us").getAsLong()
                    - r.get("queued_us").getAsLong());
        }
        JsonObject counts = status.getAsJsonObject("counts");
        int errors = counts.get("failed").getAsInt() + counts.get("skipped").getAsInt()
                + counts.get("cancelled").getAsInt();
        long makespanUs = status.get("elapsed_us").getAsLong();
        long predictedUs = plan.get("predicted_makespan_us").getAsLong();
        client.send(HttpRequest.newBuilder(URI.create(http + "/dags/" + run + "?purge=true")).DELETE().build(),
                HttpResponse.BodyHandlers.discarding());
        JsonObject o = new JsonObject();
        o.addProperty("graph", g.name());
        o.addProperty("planner", planner);
        o.addProperty("planned_by", plan.get("planner").getAsString());
        o.addProperty("tasks", status.getAsJsonArray("records").size());
        o.addProperty("makespan_ms", Math.round(makespanUs / 100.0) / 10.0);
        o.addProperty("predicted_ms", Math.round(predictedUs / 100.0) / 10.0);
        if (predictedUs > 0) {
            o.addProperty("error_pct", Math.round(1000.0 * (makespanUs - predictedUs) / makespanUs) / 10.0);
        } else {
            o.add("error_pct", com.google.gson.JsonNull.INSTANCE);
        }
        o.addProperty("container_s", Math.round(containerUs / 10_000.0) / 100.0);
        o.addProperty("bytes_moved", moved);
        o.addProperty("cold_starts", cold);
        o.addProperty("errors", errors);
        o.addProperty("state", status.get("state").getAsString());
        return o;
    }

    /**
     * The run of median makespan, with every run's makespan beside it ({@code makespan_runs_ms}, in the order they
     * ran): a run's figures (its prediction, bytes, container time) stay together.
     */
    static JsonObject median(List<JsonObject> runs) {
        List<JsonObject> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(o -> o.get("makespan_ms").getAsDouble()));
        JsonObject m = sorted.get(sorted.size() / 2).deepCopy();
        JsonArray all = new JsonArray();
        runs.forEach(o -> all.add(o.get("makespan_ms")));
        m.add("makespan_runs_ms", all);
        return m;
    }

    /** The measures the figure shows: JSON field, panel title, axis label. */
    private static final List<String[]> MEASURES = List.of(new String[] {"makespan_ms", "Makespan", "ms"},
            new String[] {"container_s", "Cost", "container-seconds"},
            new String[] {"cold_starts", "Cold starts", "cold starts"},
            new String[] {"bytes_moved", "Bytes moved between workers", "bytes"});

    /**
     * The comparison figure: one panel per measure (rows), live and simulated side by side (columns), a bar per
     * planner for each graph.
     */
    static List<Path> figure(Path dir, String base, JsonArray live, JsonArray simulated) throws java.io.IOException {
        List<dev.vireo.loadgen.ComparisonFigure.Panel> panels = new java.util.ArrayList<>();
        List<String> graphs = graphs().stream().map(Graph::name).toList();
        for (String[] m : MEASURES) {
            panels.add(panel(m, "live", graphs, live));
            if (simulated != null) {
                panels.add(panel(m, "simulated", graphs, simulated));
            }
        }
        return dev.vireo.loadgen.ComparisonFigure.write(dir, base, panels, simulated != null ? 2 : 1);
    }

    private static dev.vireo.loadgen.ComparisonFigure.Panel panel(String[] measure, String mode, List<String> graphs,
            JsonArray rows) {
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String p : PLANNERS) {
            double[] v = new double[graphs.size()];
            java.util.Arrays.fill(v, Double.NaN);
            series.put(p, v);
        }
        for (JsonElement e : rows) {
            JsonObject r = e.getAsJsonObject();
            double[] v = series.get(r.get("planner").getAsString());
            int g = graphs.indexOf(r.get("graph").getAsString());
            if (v != null && g >= 0 && r.has(measure[0])) {
                v[g] = r.get(measure[0]).getAsDouble();
            }
        }
        return new dev.vireo.loadgen.ComparisonFigure.Panel(measure[1] + " (" + mode + ")", measure[2], graphs,
                series);
    }

    /** The targets, computed from the runs: bytes moved, makespan on the skewed graph, prediction error. */
    static JsonObject comparisons(JsonArray rows) {
        Map<String, JsonObject> by = new LinkedHashMap<>();
        for (JsonElement e : rows) {
            JsonObject r = e.getAsJsonObject();
            by.put(r.get("graph").getAsString() + "/" + r.get("planner").getAsString(), r);
        }
        JsonObject c = new JsonObject();
        // on the two large-output graphs: how many times fewer bytes than the default each moved (null: it moved
        // none while the default moved some; 1 when neither moved any)
        for (String graph : List.of("large-output-diamonds", "large-output-pipelines")) {
            JsonObject ratios = new JsonObject();
            long localBytes = by.get(graph + "/local").get("bytes_moved").getAsLong();
            for (String p : List.of("locality", "wukong")) {
                long b = by.get(graph + "/" + p).get("bytes_moved").getAsLong();
                if (b == 0 && localBytes > 0) {
                    ratios.add(p, com.google.gson.JsonNull.INSTANCE);
                } else {
                    ratios.addProperty(p, b == 0 ? 1.0 : Math.round(100.0 * localBytes / b) / 100.0);
                }
            }
            c.add("bytes_moved_local_over_planner/" + graph, ratios);
        }
        double localMs = by.get("skewed-map-reduce/local").get("makespan_ms").getAsDouble();
        for (String p : List.of("heft", "critical-path")) {
            double ms = by.get("skewed-map-reduce/" + p).get("makespan_ms").getAsDouble();
            c.addProperty("skewed_makespan_gain_pct_" + p, Math.round(1000.0 * (localMs - ms) / localMs) / 10.0);
        }
        JsonObject errors = new JsonObject();
        for (JsonElement e : rows) {
            JsonObject r = e.getAsJsonObject();
            if (!r.get("error_pct").isJsonNull()) {
                errors.addProperty(r.get("graph").getAsString() + "/" + r.get("planner").getAsString(),
                        r.get("error_pct").getAsDouble());
            }
        }
        c.add("prediction_error_pct", errors);
        return c;
    }

    private static JsonObject get(HttpClient client, String url) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + ": " + r.statusCode() + " " + r.body());
        }
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private static void register(WorkerGrpc.WorkerBlockingStub stub, String name) {
        // half a CPU each: a worker of 2 cores runs 4 at once, so placement and order matter
        FunctionSpec.Builder spec = FunctionSpec.newBuilder().setName(name).setVersion("1").setMemoryMb(64)
                .setCpus(0.5).setTimeoutMs(60_000).setConcurrency(1).setImage("sim/" + name).setBackend("sim")
                .setTransport("sim");
        try {
            stub.withDeadlineAfter(60, TimeUnit.SECONDS).register(RegisterRequest.newBuilder().setSpec(spec).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
        }
    }
}
