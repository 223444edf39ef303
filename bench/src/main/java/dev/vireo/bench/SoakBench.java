package dev.vireo.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.StatusReply;
import dev.vireo.grpc.v1.StatusRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import dev.vireo.loadgen.LineFigure;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./vireo bench soak}: a long run of one worker that creates and destroys many containers (simulated, then real)
 * while it serves invocations, and whether the worker is the same at the end as at the start.
 *
 * <p>The worker's memory admits the serving function's warm containers and one container per churn slot; each slot
 * invokes two functions of its own in turn, so every churn invocation starts a container (cold) and the start evicts
 * the least recently used idle one. A first churn of each kind, not measured, warms the JIT and starts what a backend
 * starts on first use (containerd's daemon and client). Then quiet windows with only the serving load, each after a
 * full GC in the worker, measure the start: worker CPU per invocation over the window (against the clients' own CPU per
 * invocation in the same window), and after it RSS, threads and open file descriptors from {@code /proc}; windows repeat until one is steady (the worker's CPU per invocation over the clients', the floor
 * measured in the same window, and the clients' own each within {@link #STEADY} of the window before). The churn runs; quiet windows measure the end the same way. No measure may
 * end more than {@link #TOLERANCE} above its start, both ends must be steady, no invocation may fail. A sampler reads {@code /proc}
 * throughout, for the graph.
 */
public final class SoakBench {
    /**
     * No measure may end more than this share above its start. Below it passes: the question is whether a long run
     * leaves the worker heavier (the system we re-imagine used more CPU after an hour of experiments), and the JIT
     * keeps making the serving path cheaper well after the start (13 % cheaper at the end of a steady start once).
     */
    public static final double TOLERANCE = 0.10;
    /**
     * A quiet window counts once the worker's CPU per invocation is within this share of the window before (the JIT
     * is still compiling the serving path long after the warm-up churn: one run's first window measured twice its
     * steady cost).
     */
    static final double STEADY = 0.05;
    /** Quiet windows at most, looking for a steady one. */
    static final int MAX_WINDOWS = 12;
    /** A churn gives up after this many invocations in a row that started no container (failed, or found one warm). */
    static final int MAX_IDLE_CALLS = 200;
    /** Memory of every function of the run, MB: the worker's memory limit is a multiple of it. */
    public static final int MEMORY_MB = 64;
    static final String HOT = "soak-hot";

    /**
     * What to run.
     *
     * @param target         the worker's gRPC address
     * @param pid            the worker's process
     * @param code           {@code examples/noop} (the real functions)
     * @param realBackend    the container backend of the real churn (containerd or docker)
     * @param transport      its transport
     * @param simContainers  simulated containers to create and destroy
     * @param realContainers real containers to create and destroy
     * @param servingClients clients of the serving function, each with a warm container
     * @param churnSlots     churn invocations at once (the worker's memory has one container of room for each)
     * @param warmupSim      simulated containers of the warm-up churn (not measured)
     * @param warmupReal     real containers of the warm-up churn (not measured)
     * @param probeS         seconds of each quiet window
     * @param sampleS        seconds between samples
     */
    public record Setup(String target, long pid, Path code, String realBackend, String transport, int simContainers,
            int realContainers, int servingClients, int churnSlots, int warmupSim, int warmupReal, double probeS,
            double sampleS) {
        /** The worker's memory limit this setup needs (the caller sets it). */
        public int memoryMb() {
            return MEMORY_MB * (servingClients + churnSlots);
        }

        /** The same run against the worker at {@code target} (gRPC) whose process is {@code pid}. */
        public Setup on(String target, long pid) {
            return new Setup(target, pid, code, realBackend, transport, simContainers, realContainers,
                    servingClients, churnSlots, warmupSim, warmupReal, probeS, sampleS);
        }
    }

    /** A sample of the time series. */
    record Point(double t, String phase, ProcessStats stats, long invocations, long created) {
    }

    /**
     * A quiet window (the serving load alone).
     *
     * @param cpuUsPerInvocation the worker's CPU time over the window per invocation served in it
     * @param clientCpuUs        this process's (the clients') CPU time over the window per invocation: the floor, the
     *                           same work at both ends, so that its ratio tells the worker's cost from the machine's
     *                           speed at the time (the same quiet window measured 144-226 us in 2 s slices here)
     * @param after              the worker's state at the window's end
     * @param containers         the worker's containers then (busy and idle)
     * @param windows            quiet windows it took to find this steady one (1: the first was)
     * @param steady             whether it was within {@link #STEADY} of the window before it
     */
    record Probe(String when, double seconds, long invocations, double cpuUsPerInvocation, double clientCpuUs,
            ProcessStats after, int containers, int windows, boolean steady) {
        Probe counted(int windows, boolean steady) {
            return new Probe(when, seconds, invocations, cpuUsPerInvocation, clientCpuUs, after, containers, windows,
                    steady);
        }

        /** The worker's CPU per invocation over the clients'. */
        double cpuOverClient() {
            return cpuUsPerInvocation / clientCpuUs;
        }
    }

    /** A measure at start and end. */
    record Verdict(String measure, double start, double end) {
        double ratio() {
            return start == 0 ? (end == 0 ? 1 : Double.POSITIVE_INFINITY) : end / start;
        }

        /** Not grown past the tolerance (a smaller end passes). */
        boolean within() {
            return ratio() <= 1 + TOLERANCE;
        }
    }

    private final Setup s;
    private final WorkerGrpc.WorkerBlockingStub stub;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final AtomicReference<String> phase = new AtomicReference<>("warm-up");
    private final List<Point> points = new CopyOnWriteArrayList<>();
    private final long t0 = System.nanoTime();

    private SoakBench(Setup s, WorkerGrpc.WorkerBlockingStub stub) {
        this.s = s;
        this.stub = stub;
    }

    /** Runs the setup; returns its JSON object ({@link #json}) and prints its table. */
    public static JsonObject run(Setup s) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forTarget(s.target()).usePlaintext().build();
        try {
            return new SoakBench(s, WorkerGrpc.newBlockingStub(ch)).run();
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private JsonObject run() throws Exception {
        register();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> serving = new ArrayList<>();
        for (int c = 0; c < s.servingClients(); c++) {
            serving.add(Thread.ofVirtual().name("soak-serve-" + c).start(() -> serve(stop)));
        }
        Thread sampler = Thread.ofVirtual().name("soak-sampler").start(() -> sample(stop));
        Probe start;
        Probe end;
        long simCreated;
        long realCreated;
        double churnS;
        try {
            churn("sim", s.warmupSim());
            churn("real", s.warmupReal());
            start = probe("start");
            long c0 = System.nanoTime();
            phase.set("churn sim");
            simCreated = churn("sim", s.simContainers());
            phase.set("churn real");
            realCreated = churn("real", s.realContainers());
            churnS = (System.nanoTime() - c0) / 1e9;
            end = probe("end");
        } finally {
            stop.set(true);
            for (Thread t : serving) {
                t.join();
            }
            sampler.join();
        }
        JsonObject out = json(s, start, end, simCreated, realCreated, churnS, served.get(), errors.get(),
                firstError.get(), points);
        System.out.print(table(out));
        return out;
    }

    private void register() {
        FunctionSpec.Builder hot = FunctionSpec.newBuilder().setName(HOT).setVersion("1").setBackend("sim")
                .setTransport("sim").setImage("sim/noop").setMemoryMb(MEMORY_MB).setCpus(0.01).setTimeoutMs(60_000)
                .setExpectedColdStartMs(1).setExpectedWarmMs(1);
        deadline().register(RegisterRequest.newBuilder().setSpec(hot).build());
        deadline().prewarm(PrewarmRequest.newBuilder().setFunctionId(HOT + "-1").setCount(s.servingClients()).build());
        for (int i = 0; i < 2 * s.churnSlots(); i++) {
            FunctionSpec.Builder sim = FunctionSpec.newBuilder().setName("soak-sim-" + i).setVersion("1")
                    .setBackend("sim").setTransport("sim").setImage("sim/noop").setMemoryMb(MEMORY_MB).setCpus(0.01)
                    .setTimeoutMs(60_000).setExpectedColdStartMs(1).setExpectedWarmMs(1);
            deadline().register(RegisterRequest.newBuilder().setSpec(sim).build());
            if (s.realContainers() + s.warmupReal() > 0) {
                // a whole CPU each: a container's cpus is its CFS quota
                FunctionSpec.Builder real = FunctionSpec.newBuilder().setName("soak-real-" + i).setVersion("1")
                        .setBackend(s.realBackend()).setTransport(s.transport()).setCode(s.code().toString())
                        .setHandler("main.handle").setMemoryMb(MEMORY_MB).setCpus(1).setTimeoutMs(60_000);
                deadline().register(RegisterRequest.newBuilder().setSpec(real).build());
            }
        }
    }

    /** One serving client: the warm function, back to back, until told to stop. */
    private void serve(AtomicBoolean stop) {
        InvokeRequest req = InvokeRequest.newBuilder().setFunctionId(HOT + "-1").setPayload("{}").build();
        while (!stop.get()) {
            if (call(req) != null) {
                served.incrementAndGet();
            }
        }
    }

    /**
     * Invokes the kind's functions ({@code sim} or {@code real}) from every churn slot until {@code containers}
     * invocations have started a container; returns how many did (a slot's last call may add one or two). Fails when
     * {@link #MAX_IDLE_CALLS} invocations in a row started none (the worker or its backend cannot make containers, or
     * the memory limit lets them stay warm): a churn that makes nothing would otherwise run forever.
     */
    private long churn(String kind, int containers) throws InterruptedException {
        if (containers <= 0) {
            return 0;
        }
        AtomicLong started = new AtomicLong();
        AtomicLong idle = new AtomicLong();
        List<Thread> slots = new ArrayList<>();
        for (int j = 0; j < s.churnSlots(); j++) {
            int slot = j;
            slots.add(Thread.ofVirtual().name("soak-churn-" + j).start(() -> {
                String[] fns = {"soak-" + kind + "-" + slot + "-1",
                    "soak-" + kind + "-" + (slot + s.churnSlots()) + "-1"};
                for (int k = 0; started.get() < containers && idle.get() < MAX_IDLE_CALLS; k++) {
                    InvokeReply r = call(InvokeRequest.newBuilder().setFunctionId(fns[k % 2]).setPayload("{}")
                            .setEnhanced(true).build());
                    if (r != null && r.getRecord().getState().equals("cold")) {
                        started.incrementAndGet();
                        created.incrementAndGet();
                        idle.set(0);
                    } else {
                        idle.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : slots) {
            t.join();
        }
        if (started.get() < containers) {
            throw new IllegalStateException("soak: the " + kind + " churn made " + started.get() + " of " + containers
                    + " containers and then " + MAX_IDLE_CALLS + " invocations in a row made none ("
                    + errors.get() + " errors; first: " + firstError.get() + ")");
        }
        return started.get();
    }

    /** One invocation; null (counted as an error) when it failed. */
    private InvokeReply call(InvokeRequest req) {
        try {
            InvokeReply r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).invoke(req);
            invocations.incrementAndGet();
            if (!r.getSuccess()) {
                error(req.getFunctionId() + ": " + r.getError().getMessage());
                return null;
            }
            return r;
        } catch (RuntimeException e) {
            error(req.getFunctionId() + ": " + e.getMessage());
            return null;
        }
    }

    private void error(String what) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, what);
    }

    /** The sampler: {@code /proc} of the worker every sampleS seconds. */
    private void sample(AtomicBoolean stop) {
        long every = (long) (s.sampleS() * 1_000);
        while (!stop.get()) {
            try {
                points.add(new Point((System.nanoTime() - t0) / 1e9, phase.get(), ProcessStats.of(s.pid()),
                        invocations.get(), created.get()));
                Thread.sleep(every);
            } catch (IOException e) {
                error("reading /proc/" + s.pid() + ": " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Quiet windows until one is steady, at most {@link #MAX_WINDOWS}: the last one. Steady: the worker's CPU per
     * invocation over the clients' and the clients' own each within {@link #STEADY} of the window before (the clients'
     * JIT warms too: a ratio alone stays level while both sides still fall).
     */
    private Probe probe(String when) throws IOException, InterruptedException {
        Probe last = window(when);
        for (int n = 2; n <= MAX_WINDOWS; n++) {
            Probe next = window(when);
            if (Math.abs(next.cpuOverClient() / last.cpuOverClient() - 1) <= STEADY
                    && Math.abs(next.clientCpuUs() / last.clientCpuUs() - 1) <= STEADY) {
                return next.counted(n, true);
            }
            last = next;
        }
        return last.counted(MAX_WINDOWS, false);
    }

    /** A quiet window: a full GC in the worker, then probeS seconds of the serving load alone. */
    private Probe window(String when) throws IOException, InterruptedException {
        phase.set("quiet (" + when + ")");
        ScalingBench.jcmd(s.pid(), "GC.run");
        long self = ProcessHandle.current().pid();
        ProcessStats a = ProcessStats.of(s.pid());
        ProcessStats ca = ProcessStats.of(self);
        long n0 = served.get();
        long w0 = System.nanoTime();
        Thread.sleep((long) (s.probeS() * 1_000));
        ProcessStats b = ProcessStats.of(s.pid());
        ProcessStats cb = ProcessStats.of(self);
        long n = served.get() - n0;
        double seconds = (System.nanoTime() - w0) / 1e9;
        StatusReply st = deadline().status(StatusRequest.getDefaultInstance());
        return new Probe(when, seconds, n, n == 0 ? Double.NaN : (b.cpuNs() - a.cpuNs()) / 1e3 / n,
                n == 0 ? Double.NaN : (cb.cpuNs() - ca.cpuNs()) / 1e3 / n, b,
                st.getContainersRunning() + st.getContainersCached(), 1, false);
    }

    private WorkerGrpc.WorkerBlockingStub deadline() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static List<Verdict> verdicts(Probe start, Probe end) {
        return List.of(new Verdict("cpu_over_client_cpu", start.cpuOverClient(), end.cpuOverClient()),
                new Verdict("rss_mb", start.after().rssKb() / 1024.0, end.after().rssKb() / 1024.0),
                new Verdict("threads", start.after().threads(), end.after().threads()),
                new Verdict("fds", start.after().fds(), end.after().fds()));
    }

    static JsonObject json(Setup s, Probe start, Probe end, long simCreated, long realCreated, double churnS,
            long served, long errors, String firstError, List<Point> points) {
        JsonObject o = new JsonObject();
        o.addProperty("benchmark", "soak");
        o.addProperty("real_backend", s.realBackend());
        o.addProperty("transport", s.transport());
        o.addProperty("serving_clients", s.servingClients());
        o.addProperty("churn_slots", s.churnSlots());
        o.addProperty("sim_containers_created", simCreated);
        o.addProperty("real_containers_created", realCreated);
        o.addProperty("churn_s", Math.round(churnS * 10) / 10.0);
        o.addProperty("served_invocations", served);
        o.addProperty("errors", errors);
        if (firstError != null) {
            o.addProperty("first_error", firstError);
        }
        o.add("start", probe(start));
        o.add("end", probe(end));
        JsonArray vs = new JsonArray();
        boolean all = true;
        for (Verdict v : verdicts(start, end)) {
            JsonObject j = new JsonObject();
            j.addProperty("measure", v.measure());
            number(j, "start", v.start());
            number(j, "end", v.end());
            number(j, "ratio", v.ratio());
            j.addProperty("within", v.within());
            vs.add(j);
            all &= v.within();
        }
        o.add("verdicts", vs);
        number(o, "raw_cpu_ratio", end.cpuUsPerInvocation() / start.cpuUsPerInvocation());
        o.addProperty("tolerance", TOLERANCE);
        o.addProperty("all_within", all && errors == 0 && start.steady() && end.steady());
        JsonArray ps = new JsonArray();
        for (int i = 1; i < points.size(); i++) {
            Point a = points.get(i - 1);
            Point b = points.get(i);
            JsonObject p = new JsonObject();
            p.addProperty("t_s", round(b.t()));
            p.addProperty("phase", b.phase());
            long n = b.invocations() - a.invocations();
            number(p, "cpu_us_per_invocation", n == 0 ? Double.NaN : (b.stats().cpuNs() - a.stats().cpuNs()) / 1e3 / n);
            p.addProperty("invocations_per_s", round(n / (b.t() - a.t())));
            p.addProperty("rss_mb", round(b.stats().rssKb() / 1024.0));
            p.addProperty("threads", b.stats().threads());
            p.addProperty("fds", b.stats().fds());
            p.addProperty("containers_created", b.created());
            ps.add(p);
        }
        o.add("points", ps);
        return o;
    }

    private static JsonObject probe(Probe p) {
        JsonObject j = new JsonObject();
        j.addProperty("seconds", round(p.seconds()));
        j.addProperty("invocations", p.invocations());
        number(j, "cpu_us_per_invocation", p.cpuUsPerInvocation());
        number(j, "client_cpu_us_per_invocation", p.clientCpuUs());
        number(j, "cpu_over_client_cpu", p.cpuOverClient());
        j.addProperty("rss_mb", round(p.after().rssKb() / 1024.0));
        j.addProperty("threads", p.after().threads());
        j.addProperty("fds", p.after().fds());
        j.addProperty("containers", p.containers());
        j.addProperty("windows", p.windows());
        j.addProperty("steady", p.steady());
        return j;
    }

    static String table(JsonObject o) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "soak: %,d simulated and %,d %s containers created and destroyed in %.0f s"
                + " while %d clients were served (%,d invocations, %d errors)%n",
                o.get("sim_containers_created").getAsLong(), o.get("real_containers_created").getAsLong(),
                o.get("real_backend").getAsString(), o.get("churn_s").getAsDouble(),
                o.get("serving_clients").getAsInt(), o.get("served_invocations").getAsLong(),
                o.get("errors").getAsLong()));
        if (o.has("first_error")) {
            b.append("first error: ").append(o.get("first_error").getAsString()).append('\n');
        }
        JsonObject st = o.getAsJsonObject("start");
        JsonObject en = o.getAsJsonObject("end");
        b.append(String.format(Locale.ROOT, "quiet windows of %.0f s until steady (worker over client CPU within %.0f %% of"
                + " the one before): start %d (%s), end %d (%s)%n", st.get("seconds").getAsDouble(), 100 * STEADY,
                st.get("windows").getAsInt(), st.get("steady").getAsBoolean() ? "steady" : "NOT steady",
                en.get("windows").getAsInt(), en.get("steady").getAsBoolean() ? "steady" : "NOT steady"));
        b.append(String.format(Locale.ROOT, "%-24s %12s %12s %9s %10s%n", "measure (quiet window)", "start", "end",
                "end/start", String.format(Locale.ROOT, "<= %.2f", 1 + TOLERANCE)));
        for (var e : o.getAsJsonArray("verdicts")) {
            JsonObject v = e.getAsJsonObject();
            b.append(String.format(Locale.ROOT, "%-24s %12.1f %12.1f %9.3f %10s%n", v.get("measure").getAsString(),
                    value(v, "start"), value(v, "end"), value(v, "ratio"),
                    v.get("within").getAsBoolean() ? "yes" : "NO"));
        }
        b.append(String.format(Locale.ROOT, "(worker CPU per invocation %.1f -> %.1f us, the clients' %.1f -> %.1f us)%n",
                value(st, "cpu_us_per_invocation"), value(en, "cpu_us_per_invocation"),
                value(st, "client_cpu_us_per_invocation"), value(en, "client_cpu_us_per_invocation")));
        b.append(String.format(Locale.ROOT, "none grew more than %.0f %%, both ends steady, no errors: %s%n",
                100 * TOLERANCE,
                o.get("all_within").getAsBoolean() ? "yes" : "NO"));
        return b.toString();
    }

    /**
     * Writes the run to {@code json} and its graph beside it ({@code <base>.png/.svg}): RSS, threads and file
     * descriptors relative to the start (left axis), CPU per invocation in us (right), against seconds.
     *
     * @return the graph's two paths
     */
    public static List<Path> write(JsonObject run, Path json) throws IOException {
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(run) + "\n");
        JsonArray ps = run.getAsJsonArray("points");
        JsonObject start = run.getAsJsonObject("start");
        double[] t = new double[ps.size()];
        double[] rss = new double[ps.size()];
        double[] threads = new double[ps.size()];
        double[] fds = new double[ps.size()];
        double[] cpu = new double[ps.size()];
        for (int i = 0; i < ps.size(); i++) {
            JsonObject p = ps.get(i).getAsJsonObject();
            t[i] = p.get("t_s").getAsDouble();
            rss[i] = p.get("rss_mb").getAsDouble() / start.get("rss_mb").getAsDouble();
            threads[i] = p.get("threads").getAsDouble() / start.get("threads").getAsDouble();
            fds[i] = p.get("fds").getAsDouble() / start.get("fds").getAsDouble();
            cpu[i] = value(p, "cpu_us_per_invocation");
        }
        List<LineFigure.Line> lines = List.of(new LineFigure.Line("RSS / start", t, rss, false),
                new LineFigure.Line("threads / start", t, threads, false),
                new LineFigure.Line("fds / start", t, fds, false),
                new LineFigure.Line("CPU us per invocation", t, cpu, true));
        String base = json.getFileName().toString().replaceFirst("\\.json$", "");
        return LineFigure.write(json.toAbsolutePath().getParent(), base, "Worker over a soak run", "seconds",
                "relative to the start", "CPU us per invocation", false, lines);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** A number rounded to 3 decimals, or JSON null where there is none (no invocation in a window). */
    private static void number(JsonObject o, String key, double v) {
        if (Double.isFinite(v)) {
            o.addProperty(key, round(v));
        } else {
            o.add(key, com.google.gson.JsonNull.INSTANCE);
        }
    }

    private static double value(JsonObject o, String key) {
        return o.get(key).isJsonNull() ? Double.NaN : o.get(key).getAsDouble();
    }
}
