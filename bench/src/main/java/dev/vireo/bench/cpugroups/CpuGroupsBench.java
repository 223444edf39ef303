package dev.vireo.bench.cpugroups;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.bench.LatencyAnatomy;
import dev.vireo.bpf.RunQueueHistogram;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import dev.vireo.resource.cpugroups.internal.BindCost;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One setting of {@code ./vireo bench cpu-groups} against a running worker on containerd: the latency-sensitive
 * function ({@code examples/cpu-bound}, a few ms of CPU) invoked at a steady rate by one client, beside {@code hogs}
 * clients that each invoke {@code examples/spin} back to back (every hog keeps one CPU busy for the whole setting).
 * Measured: the sensitive function's end-to-end latency as the client sees it, its containers' run-queue waits (the
 * rqlat BPF program, through {@link RunQueueProbe}) in the same window, where its time went hop by hop
 * ({@link LatencyAnatomy}), and, with groups, what the tracker's mapping costs per invocation ({@link BindCost}: bind +
 * unbind of the sensitive container, in-process, after the load, three ways: {@link MapCost}).
 */
public final class CpuGroupsBench {
    /** Where the containerd backend puts containers' cgroups ({@code cgroupsPath = /vireo/<id>}). */
    static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified/vireo");
    static final Path CPUSET = Path.of("/sys/fs/cgroup/cpuset/vireo");
    static final Path CPU = Path.of("/sys/fs/cgroup/cpu/vireo");

    /** The function that warms the JIT up ({@code examples/noop}). */
    static final String WARM = "jit-warm";
    /**
     * Invocations that warm up the worker's and the client's invocation path first (the JIT): at one call per 25 ms
     * a setting makes ~600 calls, too few to get gRPC, Netty and protobuf compiled, and interpreted they added
     * milliseconds to both gRPC hops of every call (measured with the anatomy: 2.4 ms client to service, 1.5 ms back).
     */
    static final int JIT_CALLS = 5_000;

    private CpuGroupsBench() {
    }

    /**
     * Runs {@code setting} against the worker at {@code target} (gRPC), whose configuration is the setting's.
     *
     * @param examples the checkout's {@code examples/} folder
     * @param rq       run-queue latency, or null when it cannot be measured here
     */
    public static CpuGroupsResult measure(String target, CpuGroupsSetting setting, CpuGroupsParams params, Path examples,
            RunQueueProbe rq) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        try {
            WorkerGrpc.WorkerBlockingStub worker = WorkerGrpc.newBlockingStub(ch);
            register(worker, CpuGroupsSetting.SENSITIVE, examples.resolve("cpu-bound"), 30_000);
            register(worker, CpuGroupsSetting.HOG, examples.resolve("spin"), params.hogMs() + 60_000L);
            InvokeRequest sensitive = InvokeRequest.newBuilder().setFunctionId(CpuGroupsSetting.SENSITIVE + "-1")
                    .setPayload("{\"n\": " + params.sensitiveN() + "}").setEnhanced(true).setAnatomy(true).build();
            InvokeRequest hog = InvokeRequest.newBuilder().setFunctionId(CpuGroupsSetting.HOG + "-1")
                    .setPayload("{\"ms\": " + params.hogMs() + "}").build();
            for (int i = 0; i < 5; i++) { // its container, warm
                check(deadline(worker, 60).invoke(sensitive));
            }
            warmJit(worker, examples.resolve("noop"));
            if (setting.shares() > 0) {
                for (Path d : containers(CPU)) {
                    Files.writeString(d.resolve("cpu.shares"), Integer.toString(setting.shares()));
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong hogCalls = new AtomicLong();
            List<Thread> hogs = new ArrayList<>();
            for (int i = 0; i < setting.hogs(); i++) {
                hogs.add(Thread.ofPlatform().name("hog-" + i).start(() -> {
                    while (!stop.get()) {
                        try {
                            if (deadline(worker, params.hogMs() / 1000 + 60).invoke(hog).getSuccess()) {
                                hogCalls.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            if (!stop.get()) {
                                System.err.println("cpu-groups bench: hog call failed: " + e.getMessage());
                            }
                        }
                    }
                }));
            }
            try {
                paced(worker, sensitive, params.warmupS(), params.intervalMs(), new ArrayList<>(), new ArrayList<>(),
                        new LatencyAnatomy());
                List<Long> tracked = new ArrayList<>();
                List<RunQueueHistogram> before = new ArrayList<>();
                List<Path> dirs = containers(UNIFIED);
                if (rq != null) {
                    for (Path d : dirs) {
                        long id = rq.track(d);
                        tracked.add(id);
                        before.add(rq.histogram(id));
                    }
                }
                long hogsBefore = hogCalls.get();
                List<Long> e2e = new ArrayList<>();
                List<Long> exec = new ArrayList<>();
                LatencyAnatomy anatomy = new LatencyAnatomy();
                int errors = paced(worker, sensitive, params.durationS(), params.intervalMs(), e2e, exec, anatomy);
                String hogCpus = hogCpusets();
                double load = loadAverage();
                RunQueueHistogram waits = RunQueueHistogram.EMPTY;
                for (int i = 0; i < tracked.size(); i++) {
                    waits = CpuGroupsResult.sum(waits, rq.histogram(tracked.get(i)).since(before.get(i)));
                }
                long hogsDuring = hogCalls.get() - hogsBefore;
                stop.set(true);
                for (Thread t : hogs) {
                    t.join();
                }
                MapCost map = setting.grouped() && !dirs.isEmpty() ? mapCost(dirs.get(0), setting, params.bindRounds())
                        : MapCost.NONE;
                if (rq != null) {
                    for (long id : tracked) {
                        rq.untrack(id);
                    }
                }
                boolean measured = rq != null && !tracked.isEmpty();
                return new CpuGroupsResult(setting, e2e.stream().mapToLong(Long::longValue).toArray(),
                        exec.stream().mapToLong(Long::longValue).toArray(), errors, hogsDuring,
                        measured ? Optional.of(waits) : Optional.empty(), map, hogCpus, load, anatomy);
            } finally {
                stop.set(true);
                for (Thread t : hogs) {
                    t.join(params.hogMs() + 60_000L);
                }
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Invokes {@code request} every {@code intervalMs} for {@code seconds} (a late call starts at once; one at a
     * time), adding each end-to-end latency in µs to {@code e2e}, its execution time from the worker's record to
     * {@code exec} and its hops to {@code anatomy}; returns the failed calls.
     */
    static int paced(WorkerGrpc.WorkerBlockingStub worker, InvokeRequest request, double seconds, int intervalMs,
            List<Long> e2e, List<Long> exec, LatencyAnatomy anatomy) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        int errors = 0;
        for (long k = 0; ; k++) {
            long due = start + k * intervalMs * 1_000_000L;
            if (due >= end) {
                return errors;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            long t0 = System.nanoTime();
            InvokeReply r = deadline(worker, 60).invoke(request);
            long t1 = System.nanoTime();
            long us = (t1 - t0) / 1_000;
            if (r.getSuccess()) {
                e2e.add(us);
                exec.add(r.getRecord().getTimings().getExecutionUs());
                if (r.hasAnatomy()) {
                    anatomy.add(t0, t1, r.getAnatomy());
                }
            } else {
                errors++;
            }
        }
    }

    /** The cgroup directories under {@code root} of the sensitive function's containers. */
    static List<Path> containers(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        String part = "-" + CpuGroupsSetting.SENSITIVE + "-";
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(d -> Files.isDirectory(d) && d.getFileName().toString().contains(part)).sorted().toList();
        }
    }

    /** The {@code cpuset.cpus} of the hogs' containers now ("?" for one that is gone), separated by ' '. */
    static String hogCpusets() throws IOException {
        if (!Files.isDirectory(CPUSET)) {
            return "";
        }
        String part = "-" + CpuGroupsSetting.HOG + "-";
        List<String> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(CPUSET)) {
            for (Path d : dirs.filter(d -> d.getFileName().toString().contains(part)).sorted().toList()) {
                try {
                    out.add(Files.readString(d.resolve("cpuset.cpus")).trim());
                } catch (IOException e) {
                    out.add("?");
                }
            }
        }
        return String.join(" ", out);
    }

    /**
     * The tracker's bind + unbind of the sensitive container (cgroup2 directory {@code unified}) in cpuset mode, three
     * ways ({@link MapCost}), each the median µs of {@code rounds} after 200 unmeasured; the setting's weight in each.
     */
    static MapCost mapCost(Path unified, CpuGroupsSetting setting, int rounds) {
        String id = unified.getFileName().toString();
        Map<String, Path> v1 = new java.util.HashMap<>();
        for (Map.Entry<String, Path> c : Map.of("cpuset", CPUSET, "cpu", CPU).entrySet()) {
            if (Files.isDirectory(c.getValue().resolve(id))) {
                v1.put(c.getKey(), c.getValue().resolve(id));
            }
        }
        ContainerPlacement placement = new ContainerPlacement(id, CpuGroupsSetting.SENSITIVE + "-1", v1,
                Optional.of(unified), OptionalLong.empty());
        int w = setting.sensitiveWeight();
        String cpus = setting.sensitiveCpus();
        return new MapCost(median(placement, new BindCost.Setup(cpus, "cpuset", "keep", w), rounds),
                median(placement, new BindCost.Setup("0;1", "cpuset", "keep", w), rounds),
                median(placement, new BindCost.Setup(cpus, "cpuset", "restore", w), rounds));
    }

    private static double median(ContainerPlacement placement, BindCost.Setup setup, int rounds) {
        BindCost.bindUnbindNs(placement, setup, Math.min(rounds, 200), System::nanoTime); // warm-up
        return CpuGroupsResult.median(BindCost.bindUnbindNs(placement, setup, rounds, System::nanoTime)) / 1_000.0;
    }

    /** Back-to-back invocations of {@code examples/noop} before the measurement: see {@link #JIT_CALLS}. */
    static void warmJit(WorkerGrpc.WorkerBlockingStub worker, Path noop) {
        register(worker, WARM, noop, 30_000);
        InvokeRequest call = InvokeRequest.newBuilder().setFunctionId(WARM + "-1").setPayload("{}").setEnhanced(true)
                .setAnatomy(true).build();
        for (int i = 0; i < JIT_CALLS; i++) {
            check(deadline(worker, 60).invoke(call));
        }
    }

    /** The 1-minute load average ({@code /proc/loadavg}); NaN where there is none. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static void register(WorkerGrpc.WorkerBlockingStub worker, String name, Path code, long timeoutMs) {
        deadline(worker, 60).register(RegisterRequest.newBuilder().setSpec(FunctionSpec.newBuilder().setName(name)
                .setVersion("1").setCode(code.toString()).setHandler("main.handle").setBackend("containerd")
                .setTransport("uds").setMemoryMb(64).setCpus(1).setConcurrency(1).setTimeoutMs(timeoutMs)).build());
    }

    private static WorkerGrpc.WorkerBlockingStub deadline(WorkerGrpc.WorkerBlockingStub s, long seconds) {
        return s.withDeadlineAfter(seconds, TimeUnit.SECONDS);
    }

    private static void check(InvokeReply r) {
        if (!r.getSuccess()) {
            throw new IllegalStateException("warm-up invocation failed: " + r.getError());
        }
    }
}
