package dev.vireo.loadgen;

import com.google.gson.JsonObject;
import dev.vireo.cli.trace.AzureTrace;
import dev.vireo.cli.trace.FunctionTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code ./vireo loadgen trace|bench|scaling ...} and {@code ./vireo results compare A B}. */
public final class Main {
    static final String USAGE = """
            usage:
              loadgen trace   --target HOST:PORT --trace DIR [--seed 1] [--speed 1] [--minutes M] [--only HASH,...]
                              [--backend sim|process|containerd|docker] [--code DIR]
              loadgen bench   --target HOST:PORT [--clients 8] [--duration-s 10] [--function ID] [--exec-ms 0]
              loadgen scaling --target HOST:PORT [--clients 1,2,4,8] [--step-s 5] [--function ID] [--exec-ms 0]
                every run: [--out DIR] [--name NAME] [--graphite URL [--graphite-target SERIES]... [--graphite-wait-s 12]]
              results compare RUN_A RUN_B
              results report RUN""";

    private Main() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("vireo: " + e.getMessage());
            code = 2;
        } catch (java.io.IOException e) {
            System.err.println("vireo: " + (e instanceof java.nio.file.NoSuchFileException ? "no such file: " : "")
                    + e.getMessage());
            code = 1;
        } catch (Exception e) {
            System.err.println("vireo: " + e);
            code = 1;
        }
        System.exit(code);
    }

    static Map<String, List<String>> options(String[] args, int from, Set<String> known) {
        Map<String, List<String>> o = new LinkedHashMap<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!known.contains(a)) {
                throw new IllegalArgumentException("unknown option '" + a + "'\n" + USAGE);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            o.computeIfAbsent(a, k -> new ArrayList<>()).add(args[++i]);
        }
        return o;
    }

    /** The last value given for an option, or the fallback. */
    public static String one(Map<String, List<String>> o, String key, String fallback) {
        List<String> v = o.get(key);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    /** A whole-number option in [min, max]; a clear error otherwise. */
    public static long number(Map<String, List<String>> o, String key, long fallback, long min, long max) {
        String v = one(o, key, null);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < min || n > max) {
                throw new IllegalArgumentException(key + " must be " + min + "-" + max + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " '" + v + "' is not a whole number");
        }
    }

    static int run(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException(USAGE);
        }
        if (args[0].equals("results")) {
            return switch (args[1]) {
                case "compare" -> args.length == 4 ? Results.compare(Path.of(args[2]), Path.of(args[3]))
                        : fail("results compare takes two run folders");
                case "report" -> args.length == 3 ? report(Path.of(args[2])) : fail("results report takes one run folder");
                default -> fail("unknown results command '" + args[1] + "'\n" + USAGE);
            };
        }
        if (!args[0].equals("loadgen")) {
            return fail(USAGE);
        }
        String kind = args[1];
        Set<String> common = Set.of("--target", "--out", "--name", "--graphite", "--graphite-target", "--graphite-wait-s");
        Set<String> known = new java.util.HashSet<>(common);
        switch (kind) {
            case "trace" -> known.addAll(List.of("--trace", "--seed", "--speed", "--minutes", "--only", "--backend", "--code"));
            case "bench" -> known.addAll(List.of("--clients", "--duration-s", "--function", "--exec-ms"));
            case "scaling" -> known.addAll(List.of("--clients", "--step-s", "--function", "--exec-ms"));
            default -> throw new IllegalArgumentException("unknown loadgen mode '" + kind + "'\n" + USAGE);
        }
        Map<String, List<String>> o = options(args, 2, known);
        String address = one(o, "--target", null);
        if (address == null) {
            throw new IllegalArgumentException("--target HOST:PORT is needed (a worker's or controller's gRPC API)");
        }
        String graphite = one(o, "--graphite", "");
        List<String> targets = o.getOrDefault("--graphite-target", List.of("vireo.*.queue.length.value",
                "vireo.*.invocations.running.value", "vireo.*.containers.*.value", "vireo.*.controller.workers.healthy.value"));
        Instant started = Instant.now();
        String name = one(o, "--name", kind + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
                .withZone(ZoneOffset.UTC).format(started));
        if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new IllegalArgumentException("--name '" + name + "' may only have letters, digits, '.', '_', '-'");
        }
        Path out = Path.of(one(o, "--out", "runs")).resolve(name);
        if (Files.exists(out) && Files.list(out).findAny().isPresent()) {
            throw new IllegalArgumentException("results folder " + out + " exists and is not empty: choose another --name");
        }
        JsonObject meta = new JsonObject();
        meta.addProperty("name", name);
        meta.addProperty("kind", kind);
        meta.addProperty("target", address);
        meta.addProperty("simulated", false);
        meta.addProperty("started", started.toString());

        List<FunctionTrace> functions = null;
        if (kind.equals("trace")) {
            String traceDir = one(o, "--trace", null);
            if (traceDir == null) {
                throw new IllegalArgumentException("--trace DIR is needed (Azure Functions 2019 files; make one with"
                        + " ./vireo trace synth)");
            }
            functions = select(AzureTrace.load(Path.of(traceDir)), one(o, "--only", ""), traceDir);
            meta.addProperty("trace", Path.of(traceDir).toAbsolutePath().toString());
        }
        List<Row> rows;
        long startEpoch = System.currentTimeMillis();
        long startNanos = System.nanoTime();
        try (Target target = new Target(address, startNanos)) {
            String tidPrefix = name.replaceAll("[^A-Za-z0-9]", "").toLowerCase(Locale.ROOT);
            switch (kind) {
                case "trace" -> {
                    long seed = number(o, "--seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
                    double speed = Double.parseDouble(one(o, "--speed", "1"));
                    if (!(speed > 0 && speed <= 1_000)) {
                        throw new IllegalArgumentException("--speed must be > 0 and <= 1000");
                    }
                    long minutes = number(o, "--minutes", 0, 0, 1_440);
                    // the target checks the name against its active backends and refuses an unknown one listing them
                    String backend = one(o, "--backend", "sim");
                    String code = Path.of(one(o, "--code", "examples/sleep")).toAbsolutePath().toString();
                    meta.addProperty("seed", seed);
                    meta.addProperty("speed", speed);
                    meta.addProperty("backend", backend);
                    meta.addProperty("functions", functions.size());
                    rows = Runs.trace(target, functions, new TraceMapping(functions, backend, code), seed, speed,
                            minutes * 60_000, tidPrefix);
                }
                case "bench" -> {
                    int clients = (int) number(o, "--clients", 8, 1, 10_000);
                    long duration = number(o, "--duration-s", 10, 1, 86_400);
                    long exec = number(o, "--exec-ms", 0, 0, 600_000);
                    String fn = Runs.benchFunction(target, one(o, "--function", ""), exec);
                    meta.addProperty("clients", clients);
                    meta.addProperty("function", fn);
                    try (Progress p = new Progress("bench", 0, duration * 1000)) {
                        rows = Runs.closed(target, fn, exec > 0 ? TraceMapping.payload(exec) : "", clients,
                                duration * 1000, tidPrefix, p);
                    }
                }
                default -> {
                    List<Integer> steps = Arrays.stream(one(o, "--clients", "1,2,4,8").split(",")).map(String::trim)
                            .map(Integer::parseInt).toList();
                    if (steps.isEmpty() || steps.stream().anyMatch(c -> c < 1 || c > 10_000)) {
                        throw new IllegalArgumentException("--clients must list client counts of 1-10000");
                    }
                    long step = number(o, "--step-s", 5, 1, 86_400);
                    long exec = number(o, "--exec-ms", 0, 0, 600_000);
                    String fn = Runs.benchFunction(target, one(o, "--function", ""), exec);
                    meta.addProperty("clients", steps.toString());
                    meta.addProperty("function", fn);
                    rows = Runs.scaling(target, fn, exec > 0 ? TraceMapping.payload(exec) : "", steps, step * 1000,
                            tidPrefix);
                }
            }
        }
        long endEpoch = startEpoch + (System.nanoTime() - startNanos) / 1_000_000;
        meta.addProperty("start_epoch_ms", startEpoch);
        meta.addProperty("end_epoch_ms", endEpoch);
        JsonObject summary = Results.write(out, rows, meta);
        if (!graphite.isEmpty()) {
            // worker and controller push every step: wait past the end so the run's last points are stored
            Thread.sleep(number(o, "--graphite-wait-s", 12, 0, 600) * 1000);
            long points = Graphite.extract(out, graphite, targets, startEpoch, endEpoch);
            System.out.println("graphite: " + points + " points of " + targets + " stored in metrics (records.duckdb)"
                    + " and metrics.csv");
        }
        Report.write(out, summary);
        print(summary);
        System.out.println("results: " + out.toAbsolutePath() + "  (report: " + out.toAbsolutePath().resolve("report.html")
                + ")");
        return 0;
    }

    private static int report(Path dir) throws Exception {
        if (!Files.isRegularFile(dir.resolve(Results.DB))) {
            return fail(dir + " is not a results folder (no " + Results.DB + ")");
        }
        JsonObject summary = com.google.gson.JsonParser.parseString(Files.readString(dir.resolve("summary.json")))
                .getAsJsonObject();
        Report.write(dir, summary);
        System.out.println("report: " + dir.toAbsolutePath().resolve("report.html"));
        return 0;
    }

    public static List<FunctionTrace> select(List<FunctionTrace> all, String only, String dir) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("trace " + dir + " has no function with both invocation counts and"
                    + " durations");
        }
        if (only.isBlank()) {
            return all;
        }
        Map<String, FunctionTrace> byHash = all.stream().collect(Collectors.toMap(FunctionTrace::function, f -> f,
                (a, b) -> a, LinkedHashMap::new));
        List<FunctionTrace> chosen = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String h : only.split(",")) {
            FunctionTrace f = byHash.get(h.trim());
            if (f == null) {
                unknown.add(h.trim());
            } else {
                chosen.add(f);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("--only names functions that are not in the trace " + dir + ": "
                    + String.join(", ", unknown) + " (the trace has " + all.size() + " functions; ./vireo trace show "
                    + dir + " lists them)");
        }
        return chosen;
    }

    public static void print(JsonObject summary) {
        JsonObject o = summary.getAsJsonObject("overall");
        System.out.printf(Locale.ROOT, "%-14s %10s %8s %8s %12s %12s %12s %12s %12s%n", "", "count", "errors", "cold %",
                "e2e p50 us", "e2e p99 us", "ovh p50 us", "ovh p99 us", "per s");
        System.out.printf(Locale.ROOT, "%-14s %10d %8d %8.2f %12d %12d %12d %12d %12.1f%n", "overall",
                o.get("count").getAsLong(), o.get("errors").getAsLong(), o.get("cold_pct").getAsDouble(),
                o.get("e2e_p50_us").getAsLong(), o.get("e2e_p99_us").getAsLong(), o.get("overhead_p50_us").getAsLong(),
                o.get("overhead_p99_us").getAsLong(), o.get("throughput_per_s").getAsDouble());
        if (summary.has("steps")) {
            for (var e : summary.getAsJsonArray("steps")) {
                JsonObject s = e.getAsJsonObject();
                System.out.printf(Locale.ROOT, "%-14s %10d %8d %8.2f %12d %12d %12d %12d %12.1f%n",
                        s.get("clients").getAsInt() + " clients", s.get("count").getAsLong(),
                        s.get("errors").getAsLong(), s.get("cold_pct").getAsDouble(), s.get("e2e_p50_us").getAsLong(),
                        s.get("e2e_p99_us").getAsLong(), s.get("overhead_p50_us").getAsLong(),
                        s.get("overhead_p99_us").getAsLong(), s.get("throughput_per_s").getAsDouble());
            }
        }
        if (!summary.getAsJsonObject("errors").isEmpty()) {
            System.out.println("errors by kind: " + summary.getAsJsonObject("errors"));
        }
        System.out.println(summary.getAsJsonObject("run").get("kind").getAsString() + " as JSON: " + o);
    }

    private static int fail(String message) {
        System.err.println("vireo: " + message);
        return 2;
    }
}
