package dev.vireo.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A function-data file: real functions as measured on a backend by {@code vireo loadgen characterize}, and the rule
 * that maps a trace's functions onto them. A CSV whose first four columns are those of Ilúvatar's metadata file
 * ({@code func_name,cold_dur_ms,warm_dur_ms,mem_mb}), so the file is also metadata its load generator and
 * {@link IluvatarTrace} read, then {@code cold_start_ms,code,handler,backend,cold_samples,warm_samples}.
 *
 * <p>Mapping: a trace function replays as the characterized function whose warm time is closest to its own on a log
 * scale (|ln(w_c + 1) - ln(w_t + 1)|, ms); among those within 10 % of the closest, the one whose memory is closest,
 * then the closer warm time, then by name (the same data gives the same mapping).
 */
public final class FunctionData {
    /** The file's header. */
    public static final String HEADER =
            "func_name,cold_dur_ms,warm_dur_ms,mem_mb,cold_start_ms,code,handler,backend,cold_samples,warm_samples";

    /**
     * One real function as characterized.
     *
     * @param name        its name (the code folder's)
     * @param coldMs      median time of a cold invocation on the worker: cold start and execution
     * @param warmMs      median execution time of a warm invocation
     * @param memoryMb    memory it was registered with and ran in
     * @param coldStartMs median cold start of a cold invocation
     * @param code        its code folder (absolute)
     * @param handler     its handler (module.function)
     * @param backend     the backend it was measured on
     * @param coldSamples cold invocations measured
     * @param warmSamples warm invocations measured
     */
    public record Characterized(String name, double coldMs, double warmMs, int memoryMb, double coldStartMs,
            String code, String handler, String backend, int coldSamples, int warmSamples) {
    }

    private FunctionData() {
    }

    public static void write(Path file, List<Characterized> functions) throws IOException {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        for (Characterized c : functions) {
            for (String text : List.of(c.name(), c.code(), c.handler(), c.backend())) {
                if (text.contains(",") || text.contains("\n")) {
                    throw new IOException("'" + text + "' of " + c.name() + " has a comma or a line break: the file"
                            + " is plain CSV");
                }
            }
            out.append(String.join(",", c.name(), fmt(c.coldMs()), fmt(c.warmMs()), Integer.toString(c.memoryMb()),
                    fmt(c.coldStartMs()), c.code(), c.handler(), c.backend(), Integer.toString(c.coldSamples()),
                    Integer.toString(c.warmSamples()))).append('\n');
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** The functions of a file; an error naming file, line and column for anything malformed. */
    public static List<Characterized> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("function data " + file + " is missing (vireo loadgen characterize writes one)");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !IluvatarTrace.header(lines.get(0)).equals(HEADER)) {
            throw new IOException(file.getFileName() + ":1: header '" + HEADER + "' expected");
        }
        List<Characterized> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file.getFileName() + ":" + (i + 1);
            String[] c = line.split(",", -1);
            if (c.length != 10) {
                throw new IOException(where + ": " + c.length + " columns, 10 expected (" + HEADER + ")");
            }
            for (int k : new int[] {0, 5, 6, 7}) {
                if (c[k].isBlank()) {
                    throw new IOException(where + ": " + HEADER.split(",")[k] + " is empty");
                }
            }
            if (!names.add(c[0].strip())) {
                throw new IOException(where + ": function '" + c[0].strip() + "' is described twice");
            }
            out.add(new Characterized(c[0].strip(), number(c[1], where, "cold_dur_ms"),
                    number(c[2], where, "warm_dur_ms"), (int) whole(c[3], where, "mem_mb"),
                    number(c[4], where, "cold_start_ms"), c[5].strip(), c[6].strip(), c[7].strip(),
                    (int) whole(c[8], where, "cold_samples"), (int) whole(c[9], where, "warm_samples")));
        }
        if (out.isEmpty()) {
            throw new IOException(file.getFileName() + " describes no function");
        }
        return List.copyOf(out);
    }

    private static double number(String cell, String where, String column) throws IOException {
        try {
            double v = Double.parseDouble(cell.strip());
            if (Double.isFinite(v) && v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(where + ": " + column + " '" + cell.strip() + "' is not a non-negative number");
    }

    private static long whole(String cell, String where, String column) throws IOException {
        double v = number(cell, where, column);
        if (v != Math.rint(v) || v > Integer.MAX_VALUE) {
            throw new IOException(where + ": " + column + " '" + cell.strip() + "' is not a whole number");
        }
        return (long) v;
    }

    /** The characterized function a trace function replays as: see the class comment. */
    public static Characterized closest(FunctionTrace f, List<Characterized> functions) {
        if (functions.isEmpty()) {
            throw new IllegalArgumentException("no characterized function to map onto");
        }
        double target = Math.log(Math.max(0, f.warmMs()) + 1);
        java.util.function.ToDoubleFunction<Characterized> distance = c -> Math.abs(Math.log(c.warmMs() + 1) - target);
        double best = functions.stream().mapToDouble(distance).min().orElseThrow();
        return functions.stream().filter(c -> distance.applyAsDouble(c) <= best + WARM_TOLERANCE)
                .min(Comparator.comparingDouble((Characterized c) -> Math.abs(c.memoryMb() - f.memoryMb()))
                        .thenComparingDouble(distance).thenComparing(Characterized::name)).orElseThrow();
    }

    /** Warm times within 10 % of the closest are as close: memory decides among them. */
    static final double WARM_TOLERANCE = Math.log(1.1);

    /** Each trace function's characterized function, in the trace's order. */
    public static Map<FunctionTrace, Characterized> map(List<FunctionTrace> trace, List<Characterized> functions) {
        Map<FunctionTrace, Characterized> out = new java.util.LinkedHashMap<>();
        trace.forEach(f -> out.put(f, closest(f, functions)));
        return out;
    }

    /** How many trace functions each characterized function stands for (for the run's description). */
    public static Map<String, Integer> counts(Map<FunctionTrace, Characterized> mapping) {
        Map<String, Integer> out = new HashMap<>();
        mapping.values().forEach(c -> out.merge(c.name(), 1, Integer::sum));
        return new java.util.TreeMap<>(out);
    }
}
