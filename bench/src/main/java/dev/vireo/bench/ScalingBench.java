package dev.vireo.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.StatusRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code ./vireo bench scaling}: tiny invocations from 1 to 512 closed-loop clients over a few warm containers of one
 * worker (through its gRPC API), one client count after the other: throughput, p50 and p99 per count, and whether
 * the worker holds up past its peak (throughput never below {@link #SUSTAIN} of the peak, p99 over the mean latency
 * that throughput implies within {@link #P99_BOUND} times what it is at the fewest clients, no errors). At some counts the worker runs a JFR
 * recording ({@code jcmd}; only {@code jdk.ObjectAllocationSample}, unthrottled: a sample at every TLAB refill; one
 * recording over the whole run, its samples counted by the window they fall in): its allocation per invocation (the samples' weights summed: an unbiased estimate of the bytes
 * allocated) and the CompletableFuture objects per invocation (the weights of the samples that name
 * CompletableFuture or one of its stage classes, over approximate instance sizes, 24 B and 40 B for every stage class:
 * which class a sample names is chance, so this is an estimate whose precision grows with the samples, a few thousand
 * in a window here). A profiled window is the count's warm-up, measurement and drain, and so are its invocations.
 */
public final class ScalingBench {
    /** Past the peak, throughput must stay at least this share of it. */
    public static final double SUSTAIN = 0.9;
    /**
     * Past the peak, p99 over the mean latency the throughput implies (Little's law: clients / throughput) must stay
     * within this many times that ratio at the fewest clients: the queue adds no tail of its own (no invocation waits
     * far longer than the others, however many queue) beyond the jitter the unloaded worker already has.
     */
    public static final double P99_BOUND = 2.0;
    /** Instance sizes on a 64-bit JVM with compressed pointers: a CompletableFuture, and a stage (its Completion). */
    static final int FUTURE_BYTES = 24;
    static final int COMPLETION_BYTES = 40;
    static final String FUNCTION = "scale-noop";
    /** JFR settings with allocation samples alone, unthrottled (a sample at every TLAB refill). */
    static final String ALLOCATION_JFC = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0" label="vireo allocation" description="allocation samples, unthrottled">
              <event name="jdk.ObjectAllocationSample">
                <setting name="enabled">true</setting>
                <setting name="throttle">off</setting>
                <setting name="stackTrace">false</setting>
              </event>
            </configuration>
            """;

    /**
     * What to run.
     *
     * @param target      the worker's gRPC address
     * @param pid         the worker's process (for {@code jcmd})
     * @param backend     sim or a container backend
     * @param transport   the function's transport
     * @param code        {@code examples/noop} (container backends)
     * @param containers  warm containers (the worker's memory allows no more: the caller sets it)
     * @param perContainer invocations one container runs at once (the function's concurrency)
     * @param clients     client counts, in order
     * @param durationS   seconds measured per count
     * @param warmupS     seconds of load before each, not measured
     * @param channels    gRPC channels the clients share
     * @param profiled    client counts with a JFR recording
     * @param work        where the recordings go
     */
    public record Setup(String target, long pid, String backend, String transport, Path code, int containers,
            int perContainer, List<Integer> clients, double durationS, double warmupS, int channels,
            Set<Integer> profiled, Path work) {
        public Setup {
            clients = List.copyOf(clients);
            profiled = Set.copyOf(profiled);
        }
    }

    /** One client count. */
    record Point(int clients, long calls, long errors, double throughput, long p50Us, long p99Us) {
        /** The mean latency (µs) the throughput implies for this many closed-loop clients (Little's law). */
        double meanUs() {
            return throughput <= 0 ? Double.NaN : clients * 1e6 / throughput;
        }
    }

    /**
     * A JFR recording over one client count's window.
     *
     * @param invocations the function's invocations in the window (the worker's own count)
     * @param allocated   bytes allocated in the window (sum of the allocation samples' weights)
     * @param futures     of those, CompletableFuture instances
     * @param completions of those, CompletableFuture's stage objects (its Completion subclasses)
     * @param samples     allocation samples read
     */
    record Profile(int clients, long invocations, double allocated, double futures, double completions,
            long samples) {
        double perInvocation(double bytes) {
            return invocations == 0 ? Double.NaN : bytes / invocations;
        }
    }

    private ScalingBench() {
    }

    /** Runs the setup; returns its JSON object ({@link #json}) and prints its table. */
    public static JsonObject run(Setup s) throws Exception {
        List<ManagedChannel> open = new ArrayList<>();
        List<WorkerGrpc.WorkerBlockingStub> stubs = new ArrayList<>();
        for (int c = 0; c < s.channels(); c++) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(s.target()).usePlaintext().build();
            open.add(ch);
            stubs.add(WorkerGrpc.newBlockingStub(ch));
        }
        try {
            WorkerGrpc.WorkerBlockingStub admin = stubs.get(0);
            FunctionSpec.Builder spec = FunctionSpec.newBuilder().setName(FUNCTION).setVersion("1")
                    .setBackend(s.backend()).setTransport(s.transport()).setMemoryMb(64).setTimeoutMs(60_000)
                    .setConcurrency(s.perContainer());
            if (s.backend().equals("sim")) {
                spec.setImage("sim/noop").setCpus(0.01);
            } else {
                // a whole CPU each: a container's cpus is its CFS quota, and 0.01 would let the agent run 1 ms in 100
                spec.setCode(s.code().toString()).setHandler("main.handle").setCpus(1);
            }
            deadline(admin).register(RegisterRequest.newBuilder().setSpec(spec).build());
            String fn = FUNCTION + "-1";
            deadline(admin).prewarm(PrewarmRequest.newBuilder().setFunctionId(fn).setCount(s.containers()).build());
            InvokeRequest invoke = InvokeRequest.newBuilder().setFunctionId(fn).setPayload("{}").build();
            WorkerBench.Call call = stub -> {
                InvokeReply r = stub.withDeadlineAfter(120, TimeUnit.SECONDS).invoke(invoke);
                if (!r.getSuccess()) {
                    throw new IllegalStateException(r.getError().getMessage());
                }
                return -1;
            };
            // one recording from here to the end: a sample's weight is what its thread allocated since its previous
            // sample, so with samples all along every window's weights are that window's (a recording started per
            // window would give its first samples everything the threads allocated since the last one)
            Path jfr = s.work().resolve("scaling-" + s.backend() + ".jfr");
            boolean recording = !s.profiled().isEmpty();
            if (recording) {
                Path jfc = s.work().resolve("allocation.jfc");
                Files.writeString(jfc, ALLOCATION_JFC);
                jcmd(s.pid(), "JFR.start", "name=vireo-scaling", "settings=" + jfc.toAbsolutePath());
            }
            WorkerBench.measure(stubs, 16, 0, Math.max(2, s.warmupS() * 2), call); // the JIT, before anything counts
            List<Point> points = new ArrayList<>();
            List<Window> windows = new ArrayList<>();
            System.err.printf(Locale.ROOT, "scaling bench (%s/%s, %d containers x %d): clients", s.backend(),
                    s.transport(), s.containers(), s.perContainer());
            for (int n : s.clients()) {
                System.err.print(" " + n);
                long before = invocations(admin, fn);
                java.time.Instant from = java.time.Instant.now();
                WorkerBench.Sample w = WorkerBench.measure(stubs, n, s.warmupS(), s.durationS(), call);
                java.time.Instant to = java.time.Instant.now();
                long after = invocations(admin, fn);
                if (s.profiled().contains(n)) {
                    windows.add(new Window(n, after - before, from, to));
                }
                points.add(new Point(n, w.calls(), w.errors(), w.throughput(),
                        WorkerBench.percentileUs(w.latencyNs(), 0.50), WorkerBench.percentileUs(w.latencyNs(), 0.99)));
            }
            List<Profile> profiles = new ArrayList<>();
            if (recording) {
                try {
                    Files.deleteIfExists(jfr);
                    jcmd(s.pid(), "JFR.stop", "name=vireo-scaling", "filename=" + jfr.toAbsolutePath());
                    for (Window win : windows) {
                        profiles.add(profile(win, jfr));
                    }
                } catch (IOException e) { // the points stand without it
                    System.err.println("scaling bench: no JFR profile: " + e.getMessage());
                    profiles.clear();
                }
            }
            System.err.println();
            JsonObject out = json(s, points, profiles);
            System.out.print(table(s, points, profiles, out));
            return out;
        } finally {
            for (ManagedChannel ch : open) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** The JSON of one backend's run: setup, points, profiles, and the checks past the peak. */
    static JsonObject json(Setup s, List<Point> points, List<Profile> profiles) {
        JsonObject o = new JsonObject();
        o.addProperty("backend", s.backend());
        o.addProperty("transport", s.transport());
        o.addProperty("containers", s.containers());
        o.addProperty("per_container", s.perContainer());
        o.addProperty("duration_s", s.durationS());
        o.addProperty("warmup_s", s.warmupS());
        JsonArray ps = new JsonArray();
        for (Point p : points) {
            JsonObject j = new JsonObject();
            j.addProperty("clients", p.clients());
            j.addProperty("throughput_per_s", Math.round(p.throughput()));
            j.addProperty("p50_us", p.p50Us());
            j.addProperty("p99_us", p.p99Us());
            j.addProperty("mean_us_littles_law", Math.round(p.meanUs()));
            j.addProperty("errors", p.errors());
            ps.add(j);
        }
        o.add("points", ps);
        JsonArray pr = new JsonArray();
        for (Profile p : profiles) {
            JsonObject j = new JsonObject();
            j.addProperty("clients", p.clients());
            j.addProperty("invocations", p.invocations());
            j.addProperty("allocated_bytes_per_invocation", Math.round(p.perInvocation(p.allocated())));
            j.addProperty("future_bytes_per_invocation", Math.round(p.perInvocation(p.futures() + p.completions())));
            j.addProperty("futures_per_invocation", round1(p.perInvocation(p.futures()) / FUTURE_BYTES));
            j.addProperty("stages_per_invocation", round1(p.perInvocation(p.completions()) / COMPLETION_BYTES));
            j.addProperty("allocation_samples", p.samples());
            pr.add(j);
        }
        o.add("profiles", pr);
        o.add("checks", checks(points));
        return o;
    }

    /** Peak throughput and where; the least share of it kept past the peak; the worst p99 / mean; errors. */
    static JsonObject checks(List<Point> points) {
        int peak = 0;
        for (int i = 1; i < points.size(); i++) {
            if (points.get(i).throughput() > points.get(peak).throughput()) {
                peak = i;
            }
        }
        double peakThroughput = points.isEmpty() ? 0 : points.get(peak).throughput();
        double kept = 1.0;
        double worstTail = 0;
        for (int i = peak; i < points.size(); i++) {
            kept = Math.min(kept, points.get(i).throughput() / peakThroughput);
            worstTail = Math.max(worstTail, points.get(i).p99Us() / points.get(i).meanUs());
        }
        long errors = points.stream().mapToLong(Point::errors).sum();
        double unloaded = points.isEmpty() ? Double.NaN : points.get(0).p99Us() / points.get(0).meanUs();
        boolean bounded = worstTail <= P99_BOUND * unloaded;
        JsonObject c = new JsonObject();
        c.addProperty("peak_throughput_per_s", Math.round(peakThroughput));
        c.addProperty("peak_clients", points.isEmpty() ? 0 : points.get(peak).clients());
        // 0: the peak is the last count (still rising): "never below 90 % after it" holds but tested nothing
        c.addProperty("points_after_peak", points.isEmpty() ? 0 : points.size() - 1 - peak);
        c.addProperty("least_share_of_peak_after_it", round3(kept));
        c.addProperty("sustained", kept >= SUSTAIN);
        c.addProperty("p99_over_mean_fewest_clients", round1(unloaded));
        c.addProperty("worst_p99_over_mean_after_peak", round1(worstTail));
        c.addProperty("p99_bounded", bounded);
        c.addProperty("errors", errors);
        c.addProperty("met", kept >= SUSTAIN && bounded && errors == 0);
        return c;
    }

    static String table(Setup s, List<Point> points, List<Profile> profiles, JsonObject out) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s/%s, %d warm containers x %d%n", s.backend(),
                s.transport(), s.containers(), s.perContainer()));
        b.append(String.format(Locale.ROOT, "%8s %12s %10s %10s %12s %9s %7s%n", "clients", "calls/s", "p50 us",
                "p99 us", "mean us (L)", "p99/mean", "errors"));
        for (Point p : points) {
            b.append(String.format(Locale.ROOT, "%8d %12.0f %10d %10d %12.0f %9.1f %7d%n", p.clients(), p.throughput(),
                    p.p50Us(), p.p99Us(), p.meanUs(), p.p99Us() / p.meanUs(), p.errors()));
        }
        JsonObject c = out.getAsJsonObject("checks");
        b.append(String.format(Locale.ROOT, "peak %d calls/s at %d clients; after it at least %.1f %% of the peak (>= %.0f"
                + " %%: %s); worst p99/mean after it %.1f (<= %.0f x %.1f at the fewest clients: %s); errors %d%n",
                c.get("peak_throughput_per_s").getAsLong(), c.get("peak_clients").getAsInt(),
                100 * c.get("least_share_of_peak_after_it").getAsDouble(), 100 * SUSTAIN,
                c.get("sustained").getAsBoolean() ? "yes" : "NO", c.get("worst_p99_over_mean_after_peak").getAsDouble(),
                P99_BOUND, c.get("p99_over_mean_fewest_clients").getAsDouble(),
                c.get("p99_bounded").getAsBoolean() ? "yes" : "NO", c.get("errors").getAsLong()));
        for (Profile p : profiles) {
            b.append(String.format(Locale.ROOT, "JFR at %d clients: %,.0f bytes allocated per invocation, %.1f"
                    + " CompletableFutures and %.1f stages per invocation (%d invocations, %d samples)%n", p.clients(),
                    p.perInvocation(p.allocated()), p.perInvocation(p.futures()) / FUTURE_BYTES,
                    p.perInvocation(p.completions()) / COMPLETION_BYTES, p.invocations(), p.samples()));
        }
        return b.toString();
    }

    /**
     * Writes the runs (one per backend) to {@code json} and their plot beside it ({@code <base>.png/.svg}):
     * throughput on the left axis, p50 and p99 in ms on the right, against clients.
     *
     * @return the plot's two paths
     */
    public static List<Path> write(List<JsonObject> runs, Path json) throws IOException {
        JsonObject all = new JsonObject();
        all.addProperty("benchmark", "scaling");
        JsonArray a = new JsonArray();
        runs.forEach(a::add);
        all.add("runs", a);
        Files.writeString(json, new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(all) + "\n");
        List<dev.vireo.loadgen.LineFigure.Line> lines = new ArrayList<>();
        for (JsonObject r : runs) {
            JsonArray ps = r.getAsJsonArray("points");
            double[] x = new double[ps.size()];
            double[] thr = new double[ps.size()];
            double[] p50 = new double[ps.size()];
            double[] p99 = new double[ps.size()];
            for (int i = 0; i < ps.size(); i++) {
                JsonObject p = ps.get(i).getAsJsonObject();
                x[i] = p.get("clients").getAsInt();
                thr[i] = p.get("throughput_per_s").getAsDouble();
                p50[i] = p.get("p50_us").getAsDouble() / 1000;
                p99[i] = p.get("p99_us").getAsDouble() / 1000;
            }
            String name = r.get("backend").getAsString();
            lines.add(new dev.vireo.loadgen.LineFigure.Line(name + " calls/s", x, thr, false));
            lines.add(new dev.vireo.loadgen.LineFigure.Line(name + " p50 ms", x, p50, true));
            lines.add(new dev.vireo.loadgen.LineFigure.Line(name + " p99 ms", x, p99, true));
        }
        String base = json.getFileName().toString().replaceFirst("\\.json$", "");
        return dev.vireo.loadgen.LineFigure.write(json.toAbsolutePath().getParent(), base,
                "Tiny invocations against closed-loop clients", "clients", "calls/s", "latency ms", lines);
    }

    /** A profiled client count's window: the invocations the worker counted in it, and when it began and ended. */
    record Window(int clients, long invocations, java.time.Instant from, java.time.Instant to) {
    }

    /**
     * Reads a recording: the allocation samples' weights in {@code window}, in all and for CompletableFuture and its
     * stages.
     */
    static Profile profile(Window window, Path jfr) throws IOException {
        double all = 0;
        double futures = 0;
        double completions = 0;
        long samples = 0;
        try (RecordingFile f = new RecordingFile(jfr)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                if (!e.getEventType().getName().equals("jdk.ObjectAllocationSample")
                        || e.getStartTime().isBefore(window.from()) || e.getStartTime().isAfter(window.to())) {
                    continue;
                }
                samples++;
                long weight = e.getLong("weight");
                all += weight;
                RecordedClass c = e.getClass("objectClass");
                String name = c == null ? "" : c.getName();
                if (name.equals("java.util.concurrent.CompletableFuture")) {
                    futures += weight;
                } else if (name.startsWith("java.util.concurrent.CompletableFuture$")) {
                    completions += weight;
                }
            }
        }
        return new Profile(window.clients(), window.invocations(), all, futures, completions, samples);
    }

    /** The function's invocations so far, as the worker counts them. */
    static long invocations(WorkerGrpc.WorkerBlockingStub admin, String fn) {
        var stats = deadline(admin).status(StatusRequest.getDefaultInstance()).getStatsMap().get(fn);
        return stats == null ? 0 : stats.getInvocations();
    }

    static void jcmd(long pid, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("vireo-jcmd", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("jcmd " + String.join(" ", args) + " did not answer in 60 s");
            }
            String text = Files.readString(out);
            if (p.exitValue() != 0 || text.contains("Could not") || text.contains("failed")) {
                throw new IOException("jcmd " + String.join(" ", args) + " failed: " + text.strip());
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static WorkerGrpc.WorkerBlockingStub deadline(WorkerGrpc.WorkerBlockingStub s) {
        return s.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
