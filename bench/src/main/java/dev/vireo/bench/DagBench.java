package dev.vireo.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Workflows against their floors, in the same run: three shapes (a fan-out/fan-in of no-op tasks, a chain, a
 * binary tree reduce) submitted as workflows to a node's HTTP API, and the same shapes called by this client as
 * plain invocations in dependency order (64 in flight where the shape allows), plus one invocation's latency through
 * the same path. A task's platform cost is the workflow's makespan over its tasks; a dependent hop is the chain's.
 */
public final class DagBench {
    /** Invocations in flight at most when the client plays a shape itself. */
    static final int IN_FLIGHT = 64;

    private DagBench() {
    }

    /** A shape: its name, its spec, and how the client plays it as plain invocations (levels run one after another). */
    record Shape(String name, int tasks, String spec, List<Integer> levels) {
    }

    static String exec(String backend) {
        return backend.equals("sim") ? "\"sim_exec_ms\":0" : "\"noop\":true";
    }

    /** One root, {@code n} branches after it, one sink after them all (order only: no data in the fan-in). */
    static Shape fanout(int n, String fn, String backend) {
        StringBuilder b = new StringBuilder("{\"name\":\"fanout\",\"tasks\":[{\"id\":\"root\",\"function\":\"" + fn
                + "\",\"args\":{" + exec(backend) + "}}");
        StringBuilder after = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(",{\"id\":\"b").append(i).append("\",\"function\":\"").append(fn).append("\",\"args\":{")
                    .append(exec(backend)).append("},\"after\":[\"root\"]}");
            after.append(i == 0 ? "" : ",").append("\"b").append(i).append('"');
        }
        b.append(",{\"id\":\"sink\",\"function\":\"").append(fn).append("\",\"args\":{").append(exec(backend))
                .append("},\"after\":[").append(after).append("]}]}");
        return new Shape("fanout", n + 2, b.toString(), List.of(1, n, 1));
    }

    /** {@code n} tasks, each after the one before. */
    static Shape chain(int n, String fn, String backend) {
        StringBuilder b = new StringBuilder("{\"name\":\"chain\",\"tasks\":[");
        List<Integer> levels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append("{\"id\":\"t").append(i).append("\",\"function\":\"").append(fn)
                    .append("\",\"args\":{").append(exec(backend)).append('}')
                    .append(i == 0 ? "" : ",\"after\":[\"t" + (i - 1) + "\"]").append('}');
            levels.add(1);
        }
        return new Shape("chain", n, b.append("]}").toString(), levels);
    }

    /** A binary tree reduce over {@code leaves} (a power of two): each inner task takes its two children's outputs. */
    static Shape tree(int leaves, String fn, String backend) {
        StringBuilder b = new StringBuilder("{\"name\":\"tree\",\"tasks\":[");
        List<Integer> levels = new ArrayList<>();
        int tasks = 0;
        for (int i = 0; i < leaves; i++) {
            b.append(i == 0 ? "" : ",").append("{\"id\":\"l0-").append(i).append("\",\"function\":\"").append(fn)
                    .append("\",\"args\":{").append(exec(backend)).append("}}");
            tasks++;
        }
        levels.add(leaves);
        int width = leaves;
        for (int level = 1; width > 1; level++) {
            width /= 2;
            for (int i = 0; i < width; i++) {
                b.append(",{\"id\":\"l").append(level).append('-').append(i).append("\",\"function\":\"").append(fn)
                        .append("\",\"args\":{").append(exec(backend)).append(",\"a\":{\"$ref\":\"l").append(level - 1)
                        .append('-').append(2 * i).append("\"},\"b\":{\"$ref\":\"l").append(level - 1).append('-')
                        .append(2 * i + 1).append("\"}}}");
                tasks++;
            }
            levels.add(width);
        }
        return new Shape("tree", tasks, b.append("]}").toString(), levels);
    }

    /**
     * Runs every shape as a workflow on {@code http} and as plain invocations over gRPC on {@code grpc} (the same
     * node), prints a table and the JSON, and writes the JSON to {@code json} if given.
     */
    public static JsonObject run(String http, String grpc, String backend, String store, int fanout, int chain,
            int leaves, int rounds, Path json) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(grpc).usePlaintext().maxInboundMessageSize(64 << 20)
                .build();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            WorkerGrpc.WorkerBlockingStub stub = WorkerGrpc.newBlockingStub(channel);
            String fn = register(stub, backend);
            InvokeRequest invoke = InvokeRequest.newBuilder().setFunctionId(fn).setPayload("{" + exec(backend) + "}")
                    .build();
            for (int i = 0; i < 200; i++) {
                call(stub, invoke); // warm: containers, JIT, connections
            }
            long hopUs = hop(stub, invoke);
            // the workflow runtime warmed up as the invocation path is (JIT): each shape at a tenth of its size, twice
            // (a controller places runs on its workers in turn, so both workers run each)
            for (Shape w : List.of(fanout(Math.max(1, fanout / 10), fn, backend), chain(Math.max(1, chain / 10), fn,
                    backend), tree(Math.max(2, leaves / 8), fn, backend))) {
                for (int i = 0; i < 2; i++) {
                    workflow(client, http, w, true);
                }
            }
            List<Shape> shapes = List.of(fanout(fanout, fn, backend), chain(chain, fn, backend), tree(leaves, fn, backend));
            JsonArray results = new JsonArray();
            System.out.printf(Locale.ROOT, "%-8s %7s | %11s %9s %6s | %11s %9s | %7s%n", "shape", "tasks", "makespan ms",
                    "us/task", "errors", "plain ms", "us/task", "ratio");
            for (Shape s : shapes) {
                long plainUs = plain(stub, invoke, s);
                // rounds runs of the shape (on the workers in turn): the median makespan, errors summed
                long[] makespans = new long[rounds];
                int errors = 0;
                String state = "succeeded";
                for (int i = 0; i < rounds; i++) {
                    JsonObject dag = workflow(client, http, s, true);
                    makespans[i] = dag.get("elapsed_us").getAsLong();
                    JsonObject counts = dag.getAsJsonObject("counts");
                    errors += counts.get("failed").getAsInt() + counts.get("skipped").getAsInt()
                            + counts.get("cancelled").getAsInt();
                    if (!dag.get("state").getAsString().equals("succeeded")) {
                        state = dag.get("state").getAsString();
                    }
                }
                JsonArray each = new JsonArray();
                Arrays.stream(makespans).forEach(m -> each.add(Math.round(m / 100.0) / 10.0));
                Arrays.sort(makespans);
                long makespanUs = makespans[rounds / 2];
                double perTask = (double) makespanUs / s.tasks();
                double plainPerTask = (double) plainUs / s.tasks();
                JsonObject o = new JsonObject();
                o.addProperty("shape", s.name());
                o.addProperty("tasks", s.tasks());
                o.addProperty("makespan_ms", Math.round(makespanUs / 100.0) / 10.0);
                o.addProperty("per_task_us", Math.round(perTask * 10) / 10.0);
                o.addProperty("errors", errors);
                o.addProperty("state", state);
                o.addProperty("rounds", rounds);
                o.add("makespans_ms", each);
                o.addProperty("floor_plain_makespan_ms", Math.round(plainUs / 100.0) / 10.0);
                o.addProperty("floor_plain_per_task_us", Math.round(plainPerTask * 10) / 10.0);
                o.addProperty("floor_invocation_us", hopUs);
                o.addProperty("ratio_to_plain", Math.round(100.0 * perTask / plainPerTask) / 100.0);
                results.add(o);
                System.out.printf(Locale.ROOT, "%-8s %7d | %11.1f %9.1f %6d | %11.1f %9.1f | %7.2f%n", s.name(),
                        s.tasks(), makespanUs / 1000.0, perTask, errors, plainUs / 1000.0, plainPerTask,
                        perTask / plainPerTask);
            }
            JsonObject out = new JsonObject();
            out.addProperty("benchmark", "dag");
            out.addProperty("backend", backend);
            out.addProperty("store", store);
            out.addProperty("floor_invocation_us", hopUs);
            out.add("shapes", results);
            String text = new GsonBuilder().setPrettyPrinting().create().toJson(out);
            System.out.println(text);
            if (json != null) {
                Files.writeString(json, text + "\n");
            }
            return out;
        } finally {
            channel.shutdownNow();
            client.close();
        }
    }

    /** The median latency of one no-op invocation, called one after another (500 of them). */
    static long hop(WorkerGrpc.WorkerBlockingStub stub, InvokeRequest invoke) {
        long[] hops = new long[500];
        for (int i = 0; i < hops.length; i++) {
            long t0 = System.nanoTime();
            call(stub, invoke);
            hops[i] = (System.nanoTime() - t0) / 1_000;
        }
        Arrays.sort(hops);
        return hops[hops.length / 2];
    }

    /**
     * A fan-out of {@code tasks} no-op tasks on one node started with a small heap: that it ends without errors, and
     * the heap its bookkeeping holds once it has (the run kept: every task's record) after a full GC.
     */
    public static JsonObject big(String http, String grpc, long pid, int tasks, Path json) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(grpc).usePlaintext().build();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try {
            String fn = register(WorkerGrpc.newBlockingStub(channel), "sim");
            Shape s = fanout(tasks - 2, fn, "sim");
            JsonObject status = workflow(client, http, s, false);
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid),
                    "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            String metrics = client.send(HttpRequest.newBuilder(URI.create(http + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double used = MemoryBench.sum(metrics, "jvm_memory_used_bytes{area=\"heap\"");
            double max = MemoryBench.sum(metrics, "jvm_memory_max_bytes{area=\"heap\"");
            JsonObject counts = status.getAsJsonObject("counts");
            JsonObject o = new JsonObject();
            o.addProperty("shape", "fanout-big");
            o.addProperty("tasks", s.tasks());
            o.addProperty("state", status.get("state").getAsString());
            o.addProperty("makespan_ms", Math.round(status.get("elapsed_us").getAsLong() / 100.0) / 10.0);
            o.addProperty("per_task_us", Math.round(10.0 * status.get("elapsed_us").getAsLong() / s.tasks()) / 10.0);
            o.addProperty("errors", counts.get("failed").getAsInt() + counts.get("skipped").getAsInt()
                    + counts.get("cancelled").getAsInt());
            o.addProperty("heap_used_after_gc_mb", Math.round(used / (1 << 20)));
            o.addProperty("heap_max_mb", Math.round(max / (1 << 20)));
            System.out.printf(Locale.ROOT, "%d-task fan-out on a %.0f MB heap: %s in %.1f s, %d errors; heap after a"
                    + " full GC with the run kept: %.0f MB%n", s.tasks(), max / (1 << 20), o.get("state").getAsString(),
                    status.get("elapsed_us").getAsLong() / 1e6, o.get("errors").getAsInt(), used / (1 << 20));
            System.out.println(o);
            if (json != null) {
                Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n");
            }
            return o;
        } finally {
            channel.shutdownNow();
            client.close();
        }
    }

    private static String register(WorkerGrpc.WorkerBlockingStub stub, String backend) {
        // a real container gets a whole CPU: its cgroup's quota is cpus x 100 ms per 100 ms, and at 0.01 (1 ms) the
        // agent is throttled for most of each period once it has used it (measured: warm p90 80 ms instead of 2.8 ms)
        FunctionSpec.Builder spec = FunctionSpec.newBuilder().setName("dag-noop").setVersion("1").setMemoryMb(64)
                .setCpus(backend.equals("sim") ? 0.01 : 1).setTimeoutMs(60_000)
                .setConcurrency(backend.equals("sim") ? 1024 : 1);
        if (backend.equals("sim")) {
            spec.setImage("sim/noop").setBackend("sim").setTransport("sim");
        } else {
            spec.setCode(Path.of(System.getProperty("vireo.home", ".")).toAbsolutePath().normalize()
                    .resolve("examples/noop").toString()).setHandler("main.handle").setBackend(backend).setTransport("uds");
        }
        try {
            stub.withDeadlineAfter(60, TimeUnit.SECONDS).register(RegisterRequest.newBuilder().setSpec(spec).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
        }
        return "dag-noop-1";
    }

    private static void call(WorkerGrpc.WorkerBlockingStub stub, InvokeRequest invoke) {
        InvokeReply r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).invoke(invoke);
        if (!r.getSuccess()) {
            throw new IllegalStateException("no-op invocation failed: " + r.getError().getMessage());
        }
    }

    /** The shape played by this client: each level's invocations (64 in flight), the levels one after another. */
    static long plain(WorkerGrpc.WorkerBlockingStub stub, InvokeRequest invoke, Shape s) throws InterruptedException {
        long t0 = System.nanoTime();
        for (int width : s.levels()) {
            if (width == 1) {
                call(stub, invoke);
                continue;
            }
            Semaphore slots = new Semaphore(IN_FLIGHT);
            AtomicInteger failed = new AtomicInteger();
            List<Thread> threads = new ArrayList<>(width);
            for (int i = 0; i < width; i++) {
                slots.acquire();
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        call(stub, invoke);
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " plain invocations of " + s.name() + " failed");
            }
        }
        return (System.nanoTime() - t0) / 1_000;
    }

    /** Submits the shape, polls it until it ends, removes it ({@code purge}); its final status. */
    static JsonObject workflow(HttpClient client, String http, Shape s, boolean purge) throws Exception {
        HttpResponse<String> submitted = client.send(HttpRequest.newBuilder(URI.create(http + "/dags"))
                .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(s.spec())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (submitted.statusCode() != 201) {
            throw new IllegalStateException("POST /dags " + s.name() + ": " + submitted.statusCode() + " "
                    + submitted.body());
        }
        String run = JsonParser.parseString(submitted.body()).getAsJsonObject().get("run").getAsString();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (true) {
            // the state and counts only (records=false): cheap for the node to answer every 20 ms
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(http + "/dags/" + run + "?records=false"))
                    .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonObject status = JsonParser.parseString(r.body()).getAsJsonObject();
            if (!"running".equals(status.get("state").getAsString())) {
                if (!purge) {
                    return status;
                }
                client.send(HttpRequest.newBuilder(URI.create(http + "/dags/" + run + "?purge=true"))
                        .timeout(Duration.ofSeconds(60)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(s.name() + " did not finish in 10 minutes: " + status.get("counts"));
            }
            Thread.sleep(20);
        }
    }
}
