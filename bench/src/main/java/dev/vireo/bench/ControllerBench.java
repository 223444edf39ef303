package dev.vireo.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The controller's cost: the same closed-loop load on a no-op simulated function, sent straight to a worker and
 * through a controller in front of that worker, in turn in the same run (direct, controller[, relay] in each round of
 * each client count), so machine noise hits every path alike. Reports the controller's added latency (p50 and p99 of
 * controller minus direct) and its throughput relative to direct. With a relay ({@link GrpcRelay}: a JVM that hands
 * each call's bytes on to the worker and back, nothing else), the same load through it too: the floor of any hop
 * made with gRPC on this machine, against which the controller's own part shows.
 */
public final class ControllerBench {
    private ControllerBench() {
    }

    private static List<WorkerGrpc.WorkerBlockingStub> stubs(String target, int n, List<ManagedChannel> open) {
        List<WorkerGrpc.WorkerBlockingStub> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(target).usePlaintext().build();
            open.add(ch);
            out.add(WorkerGrpc.newBlockingStub(ch));
        }
        return out;
    }

    /**
     * A path measured against the direct one, into {@code o}: its calls/s and p50/p99 (keys {@code prefix + "per_s"},
     * ...), and the p50 and p99 it adds and its share of the direct throughput ({@code added + "added_p50_us"}, ...,
     * {@code added + "throughput_ratio"}). Returns its p50 and p99 (us).
     */
    private static long[] against(JsonObject o, String prefix, String added, WorkerBench.Sample direct,
            WorkerBench.Sample path) {
        long p50 = WorkerBench.percentileUs(path.latencyNs(), 0.5);
        long p99 = WorkerBench.percentileUs(path.latencyNs(), 0.99);
        o.addProperty(prefix + "per_s", Math.round(path.throughput()));
        o.addProperty(prefix + "p50_us", p50);
        o.addProperty(prefix + "p99_us", p99);
        o.addProperty(added + "added_p50_us", p50 - WorkerBench.percentileUs(direct.latencyNs(), 0.5));
        o.addProperty(added + "added_p99_us", p99 - WorkerBench.percentileUs(direct.latencyNs(), 0.99));
        o.addProperty(added + "throughput_ratio", Math.round(1000.0 * path.throughput() / direct.throughput()) / 1000.0);
        return new long[] {p50, p99};
    }

    /**
     * The same load direct to the worker at {@code worker}, through the controller at {@code controller} and, unless
     * null, through the relay at {@code relay}.
     */
    public static void run(String worker, String controller, String relay, List<Integer> clientCounts, double duration,
            int rounds, Path json) throws Exception {
        double warmup = 1;
        List<ManagedChannel> open = new ArrayList<>();
        List<WorkerGrpc.WorkerBlockingStub> direct = stubs(worker, 4, open);
        List<WorkerGrpc.WorkerBlockingStub> viaController = stubs(controller, 4, open);
        List<WorkerGrpc.WorkerBlockingStub> viaRelay = relay == null ? null : stubs(relay, 4, open);
        String fn = "bench-noop-1";
        try {
            // registered through the controller, which pushes it to its worker: the same function on both paths
            viaController.get(0).withDeadlineAfter(60, TimeUnit.SECONDS).register(RegisterRequest.newBuilder()
                    .setSpec(FunctionSpec.newBuilder().setName("bench-noop").setVersion("1").setImage("sim/noop")
                            .setBackend("sim").setTransport("sim").setMemoryMb(64).setCpus(0.01).setTimeoutMs(30_000)
                            .setConcurrency(1024)).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
        }
        direct.get(0).withDeadlineAfter(60, TimeUnit.SECONDS)
                .prewarm(PrewarmRequest.newBuilder().setFunctionId(fn).setCount(1).build());
        InvokeRequest invoke = InvokeRequest.newBuilder().setFunctionId(fn).setPayload("{}").build();
        WorkerBench.Call call = s -> {
            InvokeReply r = s.invoke(invoke);
            if (!r.getSuccess()) {
                throw new IllegalStateException(r.getError().getMessage());
            }
            return -1;
        };
        WorkerBench.measure(direct, 16, 0, warmup * 2, call);
        WorkerBench.measure(viaController, 16, 0, warmup * 2, call);
        if (viaRelay != null) {
            WorkerBench.measure(viaRelay, 16, 0, warmup * 2, call);
        }
        JsonArray results = new JsonArray();
        System.out.printf(Locale.ROOT, "%8s %6s | %10s %9s %9s | %10s %9s %9s | %11s %11s %8s | %10s %11s %8s%n",
                "clients", "round", "direct/s", "p50 us", "p99 us", "ctl/s", "p50 us", "p99 us", "added p50",
                "added p99", "tput", "relay/s", "added p50", "tput");
        for (int n : clientCounts) {
            for (int round = 1; round <= rounds; round++) {
                WorkerBench.Sample d = WorkerBench.measure(direct, n, warmup, duration, call);
                WorkerBench.Sample c = WorkerBench.measure(viaController, n, warmup, duration, call);
                WorkerBench.Sample r = viaRelay == null ? null : WorkerBench.measure(viaRelay, n, warmup, duration, call);
                long dp50 = WorkerBench.percentileUs(d.latencyNs(), 0.5);
                long dp99 = WorkerBench.percentileUs(d.latencyNs(), 0.99);
                JsonObject o = new JsonObject();
                o.addProperty("clients", n);
                o.addProperty("round", round);
                o.addProperty("direct_per_s", Math.round(d.throughput()));
                o.addProperty("direct_p50_us", dp50);
                o.addProperty("direct_p99_us", dp99);
                long[] cp = against(o, "controller_", "", d, c);
                long errors = d.errors() + c.errors();
                String relayColumns = "";
                if (r != null) {
                    long[] rp = against(o, "relay_", "relay_", d, r);
                    errors += r.errors();
                    relayColumns = String.format(Locale.ROOT, " | %10.0f %11d %7.0f%%", r.throughput(), rp[0] - dp50,
                            100 * r.throughput() / d.throughput());
                }
                o.addProperty("errors", errors);
                results.add(o);
                System.out.printf(Locale.ROOT, "%8d %6d | %10.0f %9d %9d | %10.0f %9d %9d | %11d %11d %7.0f%%%s%n", n,
                        round, d.throughput(), dp50, dp99, c.throughput(), cp[0], cp[1], cp[0] - dp50, cp[1] - dp99,
                        100 * c.throughput() / d.throughput(), relayColumns);
            }
        }
        JsonObject out = new JsonObject();
        out.addProperty("benchmark", "controller");
        out.addProperty("function", "sim no-op, warm");
        out.addProperty("duration_s", duration);
        out.add("runs", results);
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(out);
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
        }
        for (ManagedChannel ch : open) {
            ch.shutdownNow();
        }
    }
}
