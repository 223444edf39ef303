package dev.vireo.bench;

import com.google.gson.JsonObject;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.StatusReply;
import dev.vireo.grpc.v1.StatusRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Registers many functions and keeps many idle simulated containers in a worker started with a small heap, forces a
 * full GC in it (jcmd), and reads its live heap from {@code GET /metrics}.
 */
public final class MemoryBench {
    /** Against a worker (gRPC {@code target}, HTTP {@code http}, process {@code pid}) started with a small heap. */
    public static void run(String target, String http, long pid, int functions, int containers, Path json)
            throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        WorkerGrpc.WorkerBlockingStub stub = WorkerGrpc.newBlockingStub(ch);
        long t0 = System.nanoTime();
        for (int f = 0; f < functions; f++) {
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).register(RegisterRequest.newBuilder().setSpec(FunctionSpec.newBuilder()
                    .setName("mem-" + f).setVersion("1").setImage("sim/mem").setBackend("sim").setTransport("sim")
                    .setMemoryMb(16).setCpus(0.01)).build());
        }
        double registerS = (System.nanoTime() - t0) / 1e9;
        for (int c = 0; c < containers; c++) {
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).prewarm(PrewarmRequest.newBuilder().setFunctionId("mem-" + c + "-1")
                    .setCount(1).build());
        }
        StatusReply status = stub.status(StatusRequest.getDefaultInstance());
        new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        String metrics;
        try (HttpClient client = HttpClient.newHttpClient()) {
            metrics = client.send(HttpRequest.newBuilder(URI.create(http + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        double used = sum(metrics, "jvm_memory_used_bytes{area=\"heap\"");
        double max = sum(metrics, "jvm_memory_max_bytes{area=\"heap\"");
        JsonObject out = new JsonObject();
        out.addProperty("functions", status.getFunctions());
        out.addProperty("idle_containers", status.getContainersCached());
        out.addProperty("register_per_s", Math.round(functions / registerS));
        out.addProperty("heap_used_after_gc_mb", Math.round(used / (1 << 20)));
        out.addProperty("heap_max_mb", Math.round(max / (1 << 20)));
        System.out.printf(Locale.ROOT, "%-34s %10d%n%-34s %10d%n%-34s %10.0f%n%-34s %10.0f%n%-34s %10.0f%n",
                "registered functions", status.getFunctions(), "idle simulated containers", status.getContainersCached(),
                "registrations per second", functions / registerS, "heap used after full GC (MB)", used / (1 << 20),
                "heap limit (MB)", max / (1 << 20));
        System.out.println(out);
        if (json != null) {
            Files.writeString(json, out + "\n");
        }
        ch.shutdownNow();
    }

    /** Sums every sample of a metric whose line starts with the given prefix (all pools of the heap). */
    static double sum(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> {
            double v = Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            return v < 0 ? 0 : v;
        }).sum();
    }
}
