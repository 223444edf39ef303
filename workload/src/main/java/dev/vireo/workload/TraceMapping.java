package dev.vireo.workload;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trace functions as Vireo functions. Each trace function becomes a bundled sample function parameterised to its
 * trace: on the simulated backend, cold start = the trace's Maximum and warm = percentile_Average_25 (the common
 * mapping), memory = its share of the app's memory; on a real backend the {@code examples/sleep} function, or with
 * function data ({@link FunctionData}) the real function closest to it, called with its own arguments. Every
 * invocation's execution time is drawn (seeded) from the function's duration percentiles and sent in the payload
 * ({@code sim_exec_ms} for the simulated backend, {@code ms} for sleep), so the run reproduces the trace's spread.
 * Public: the simulation plans and maps a trace with the same code, so a live run and its simulation send the same
 * invocations with the same drawn times.
 */
public final class TraceMapping {
    /** One invocation of a trace run: when (ms from the start), which function, and its payload. */
    public record Planned(long atMs, FunctionTrace function, String payload) {
    }

    /**
     * The trace's invocations in time order (seeded schedule), each with an execution time drawn from its function's
     * percentiles (seeded, in this order); {@code limitMs} > 0 keeps those before it.
     */
    public static List<Planned> plan(List<FunctionTrace> functions, long seed, long limitMs) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<Planned> out = new java.util.ArrayList<>();
        for (Schedule.Call c : Schedule.of(functions, seed)) {
            if (limitMs <= 0 || c.atMs() < limitMs) {
                out.add(new Planned(c.atMs(), c.function(), payload(drawMs(c.function(), random))));
            }
        }
        return out;
    }

    private final Map<FunctionTrace, String> names = new LinkedHashMap<>();
    private final String backend;
    private final String code;
    private final Map<FunctionTrace, FunctionData.Characterized> real;

    public TraceMapping(List<FunctionTrace> functions, String backend, String code) {
        this(functions, backend, code, List.of());
    }

    /**
     * A mapping onto real functions: on a real backend each trace function replays as the characterized function
     * closest to it ({@link FunctionData#closest}) instead of {@code code}, called with an empty payload (its own
     * work, not a drawn time); {@code data} empty: every function is {@code code}.
     */
    public TraceMapping(List<FunctionTrace> functions, String backend, String code,
            List<FunctionData.Characterized> data) {
        this.backend = backend;
        this.code = code;
        if (!data.isEmpty() && backend.equals("sim")) {
            throw new IllegalArgumentException("function data maps a trace onto real functions: give a real backend"
                    + " (process, containerd, docker), not sim");
        }
        this.real = data.isEmpty() ? Map.of() : FunctionData.map(functions, data);
        int i = 0;
        for (FunctionTrace f : functions) {
            String hash = f.function().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
            names.put(f, "t" + (i++) + "-" + hash.substring(0, Math.min(10, hash.length())));
        }
    }

    public String name(FunctionTrace f) {
        return names.get(f);
    }

    public String id(FunctionTrace f) {
        return name(f) + "-1";
    }

    public Map<FunctionTrace, String> names() {
        return names;
    }

    /** The characterized function a trace function replays as, where function data was given. */
    public java.util.Optional<FunctionData.Characterized> real(FunctionTrace f) {
        return java.util.Optional.ofNullable(real.get(f));
    }

    /**
     * The registration of a trace function: the simulated backend; on a real one the sleep example, or the
     * characterized function it maps onto (memory: the larger of the trace's and the one it was measured with).
     */
    public FunctionSpec spec(FunctionTrace f) {
        int memory = (int) Math.max(16, Math.min(65_536, Math.round(f.memoryMb())));
        long timeoutMs = (long) Math.min(900_000, Math.max(60_000, f.durations().maximum() * 4));
        FunctionData.Characterized c = real.get(f);
        if (c != null) {
            return new FunctionSpec(name(f), "1", "", c.code(), c.handler(), backend, Compute.CPU, "uds",
                    Math.min(65_536, Math.max(memory, c.memoryMb())), 0.1,
                    Duration.ofMillis((long) Math.min(900_000, Math.max(timeoutMs, c.coldMs() * 4))), 1,
                    new ExpectedTimings(Math.round(c.coldStartMs()), Math.round(c.warmMs())));
        }
        boolean sim = backend.equals("sim");
        return new FunctionSpec(name(f), "1", sim ? "sim/" + name(f) : "", sim ? "" : code, sim ? "" : "main.handle",
                backend, Compute.CPU, sim ? "sim" : "uds", memory, 0.1, Duration.ofMillis(timeoutMs), 1,
                new ExpectedTimings(Math.round(f.coldMs()), Math.round(f.warmMs())));
    }

    /**
     * The plan as this mapping sends it: a function mapped onto a real one is called with an empty payload (it does
     * its own work; a drawn time means nothing to it), the others with the drawn time.
     */
    public List<Planned> payloads(List<Planned> plan) {
        if (real.isEmpty()) {
            return plan;
        }
        // by identity: a trace function's hash covers its whole series, and a plan has a call per invocation
        java.util.Set<FunctionTrace> mapped = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        mapped.addAll(real.keySet());
        return plan.stream().map(p -> mapped.contains(p.function()) ? new Planned(p.atMs(), p.function(), "{}") : p)
                .toList();
    }

    /** An execution time (ms) drawn from the function's duration percentiles, linear between them. */
    public static long drawMs(FunctionTrace f, SplittableRandom random) {
        var d = f.durations();
        double[] q = {0, 0.01, 0.25, 0.50, 0.75, 0.99, 1};
        double[] v = {d.p0(), d.p1(), d.p25(), d.p50(), d.p75(), d.p99(), d.p100()};
        double u = random.nextDouble();
        for (int i = 1; i < q.length; i++) {
            if (u <= q[i]) {
                double w = (u - q[i - 1]) / (q[i] - q[i - 1]);
                return Math.max(0, Math.round(v[i - 1] + w * (v[i] - v[i - 1])));
            }
        }
        return Math.round(d.p100());
    }

    public static String payload(long ms) {
        return "{\"ms\":" + ms + ",\"sim_exec_ms\":" + ms + "}";
    }
}
