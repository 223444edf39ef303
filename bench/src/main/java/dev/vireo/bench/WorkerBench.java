package dev.vireo.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.PingRequest;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.UnregisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Closed-loop benchmark of the worker through its gRPC API: at each client count, N clients invoke a no-op function
 * back to back for the duration; in the same run and setup, N clients call the bare {@code Ping} echo of the same
 * server (the floor). Prints a table and JSON.
 */
public final class WorkerBench {

    /** Latencies (ns) and counts of one client set over one measured window. */
    record Sample(long calls, long errors, long[] latencyNs, long[] overheadUs, double seconds) {
        double throughput() {
            return calls / seconds;
        }
    }

    interface Call {
        /** One request; returns the worker's overhead in us, or -1 when there is none (the floor). */
        long run(WorkerGrpc.WorkerBlockingStub stub);
    }

    static long percentileUs(long[] sortedNs, double p) {
        if (sortedNs.length == 0) {
            return 0;
        }
        return sortedNs[Math.min(sortedNs.length - 1, (int) Math.ceil(p * sortedNs.length) - 1)] / 1_000;
    }

    static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static Sample measure(List<WorkerGrpc.WorkerBlockingStub> stubs, int clients, double warmupS, double durationS,
            Call call) throws InterruptedException {
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean stop = new AtomicBoolean(false);
        List<long[]> lat = new ArrayList<>();
        List<long[]> over = new ArrayList<>();
        long[] calls = new long[clients];
        long[] errors = new long[clients];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int id = c;
            long[][] mine = {new long[1 << 14]};
            long[][] mineOver = {new long[1 << 14]};
            int[] n = {0};
            threads.add(Thread.ofVirtual().start(() -> {
                WorkerGrpc.WorkerBlockingStub stub = stubs.get(id % stubs.size());
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    long overhead;
                    try {
                        overhead = call.run(stub);
                    } catch (RuntimeException e) {
                        if (measuring.get()) {
                            errors[id]++;
                        }
                        continue;
                    }
                    long t = System.nanoTime() - t0;
                    if (measuring.get()) {
                        if (n[0] == mine[0].length) {
                            mine[0] = Arrays.copyOf(mine[0], n[0] * 2);
                            mineOver[0] = Arrays.copyOf(mineOver[0], n[0] * 2);
                        }
                        mine[0][n[0]] = t;
                        mineOver[0][n[0]] = overhead;
                        n[0]++;
                    }
                }
                calls[id] = n[0];
                synchronized (lat) {
                    lat.add(Arrays.copyOf(mine[0], n[0]));
                    over.add(Arrays.copyOf(mineOver[0], n[0]));
                }
            }));
        }
        Thread.sleep((long) (warmupS * 1_000));
        measuring.set(true);
        long start = System.nanoTime();
        Thread.sleep((long) (durationS * 1_000));
        measuring.set(false);
        double seconds = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long[] overheads = over.stream().flatMapToLong(Arrays::stream).filter(x -> x >= 0).sorted().toArray();
        return new Sample(Arrays.stream(calls).sum(), Arrays.stream(errors).sum(), all, overheads, seconds);
    }

    /** The benchmark against a running worker's gRPC API at {@code target}; see {@code vireo bench worker --help}. */
    public static void run(String target, String backend, String transport, String image, List<Integer> clientCounts,
            double duration, double warmup, int channels, Path json) throws Exception {
        if (transport == null) {
            transport = backend.equals("sim") ? "sim" : "uds";
        }
        if (image == null) {
            image = backend.equals("sim") ? "sim/noop" : "vireo/python3:latest";
        }
        List<ManagedChannel> open = new ArrayList<>();
        List<WorkerGrpc.WorkerBlockingStub> stubs = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(target).usePlaintext().build();
            open.add(ch);
            stubs.add(WorkerGrpc.newBlockingStub(ch));
        }
        WorkerGrpc.WorkerBlockingStub admin = stubs.get(0).withDeadlineAfter(60, TimeUnit.SECONDS);
        String fn = "bench-noop-1";
        try {
            admin.unregister(UnregisterRequest.newBuilder().setFunctionId(fn).build());
        } catch (StatusRuntimeException e) {
            // not registered yet
        }
        admin.register(RegisterRequest.newBuilder().setSpec(FunctionSpec.newBuilder().setName("bench-noop")
                .setVersion("1").setImage(image).setBackend(backend).setTransport(transport).setMemoryMb(64)
                .setCpus(0.01).setTimeoutMs(30_000).setConcurrency(1024)).build());
        admin.prewarm(PrewarmRequest.newBuilder().setFunctionId(fn).setCount(1).build());
        ByteString ping = ByteString.copyFromUtf8("{}");
        InvokeRequest invoke = InvokeRequest.newBuilder().setFunctionId(fn).setPayload("{}").setEnhanced(true).build();

        // warm both paths (JIT, connections, the worker's container) before anything is measured, so the first
        // client count does not pay for it on one side only
        measure(stubs, 16, 0, warmup * 2, s -> {
            s.ping(PingRequest.newBuilder().setPayload(ping).build());
            return -1;
        });
        measure(stubs, 16, 0, warmup * 2, s -> s.invoke(invoke).getRecord().getTimings().getOverheadUs());
        JsonArray floor = new JsonArray();
        JsonArray runs = new JsonArray();
        System.out.printf(Locale.ROOT, "%8s | %12s %9s %9s | %12s %9s %9s %11s %11s %7s | %6s%n", "clients", "floor/s",
                "p50 us", "p99 us", "worker/s", "e2e p50", "e2e p99", "ovh p50 us", "ovh p99 us", "errors", "ratio");
        for (int n : clientCounts) {
            Sample f = measure(stubs, n, warmup, duration, s -> {
                s.ping(PingRequest.newBuilder().setPayload(ping).build());
                return -1;
            });
            Sample w = measure(stubs, n, warmup, duration, s -> {
                InvokeReply r = s.invoke(invoke);
                if (!r.getSuccess()) {
                    throw new IllegalStateException(r.getError().getMessage());
                }
                return r.getRecord().getTimings().getOverheadUs();
            });
            JsonObject fo = new JsonObject();
            fo.addProperty("clients", n);
            fo.addProperty("throughput_per_s", Math.round(f.throughput()));
            fo.addProperty("p50_us", percentileUs(f.latencyNs(), 0.50));
            fo.addProperty("p99_us", percentileUs(f.latencyNs(), 0.99));
            floor.add(fo);
            JsonObject wo = new JsonObject();
            wo.addProperty("clients", n);
            wo.addProperty("throughput_per_s", Math.round(w.throughput()));
            wo.addProperty("e2e_p50_us", percentileUs(w.latencyNs(), 0.50));
            wo.addProperty("e2e_p99_us", percentileUs(w.latencyNs(), 0.99));
            wo.addProperty("overhead_p50_us", percentile(w.overheadUs(), 0.50));
            wo.addProperty("overhead_p99_us", percentile(w.overheadUs(), 0.99));
            wo.addProperty("errors", w.errors());
            runs.add(wo);
            System.out.printf(Locale.ROOT, "%8d | %12.0f %9d %9d | %12.0f %9d %9d %11d %11d %7d | %5.0f%%%n", n,
                    f.throughput(), percentileUs(f.latencyNs(), 0.5), percentileUs(f.latencyNs(), 0.99), w.throughput(),
                    percentileUs(w.latencyNs(), 0.5), percentileUs(w.latencyNs(), 0.99), percentile(w.overheadUs(), 0.5),
                    percentile(w.overheadUs(), 0.99), w.errors(), 100 * w.throughput() / f.throughput());
        }
        // the anatomy of a warm call, one client, in calls of their own
        LatencyAnatomy anatomy = new LatencyAnatomy();
        InvokeRequest anatomized = invoke.toBuilder().setAnatomy(true).build();
        WorkerGrpc.WorkerBlockingStub one = stubs.get(0);
        for (int i = 0; i < ContainerdBench.ANATOMY_CALLS; i++) {
            long t0 = System.nanoTime();
            InvokeReply r = one.invoke(anatomized);
            long t1 = System.nanoTime();
            if (!r.getSuccess()) {
                throw new IllegalStateException(r.getError().getMessage());
            }
            anatomy.add(t0, t1, r.getAnatomy());
        }
        JsonArray hops = anatomy.summary();
        System.out.println();
        System.out.print(LatencyAnatomy.table(hops));
        JsonObject out = new JsonObject();
        out.addProperty("backend", backend);
        out.addProperty("transport", transport);
        out.addProperty("duration_s", duration);
        out.add("floor", floor);
        out.add("runs", runs);
        out.add("anatomy", hops);
        String text = new GsonBuilder().setPrettyPrinting().create().toJson(out);
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
        }
        admin.withDeadlineAfter(30, TimeUnit.SECONDS).unregister(UnregisterRequest.newBuilder().setFunctionId(fn).build());
        for (ManagedChannel ch : open) {
            ch.shutdownNow();
        }
    }
}
