package dev.vireo.workload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads and writes traces in the schema of the Azure Functions 2019 dataset (one day, files suffixed .dNN.csv):
 * {@code invocations_per_function_md.anon.dNN.csv} (HashOwner, HashApp, HashFunction, Trigger, 1..N per-minute
 * counts), {@code function_durations_percentiles.anon.dNN.csv} (HashOwner, HashApp, HashFunction, Average, Count,
 * Minimum, Maximum, percentile_Average_0, _1, _25, _50, _75, _99, _100) and {@code app_memory_percentiles.anon.dNN.csv}
 * (HashOwner, HashApp, SampleCount, AverageAllocatedMb, AverageAllocatedMb_pct1, ...). Functions without durations
 * are left out (the replay needs them); an app without memory gets {@value #DEFAULT_MEMORY_MB} MB. Every malformed
 * line is an error naming its file and line.
 */
public final class AzureTrace {
    static final int DEFAULT_MEMORY_MB = 128;
    static final String INVOCATIONS = "invocations_per_function_md.anon.d%s.csv";
    static final String DURATIONS = "function_durations_percentiles.anon.d%s.csv";
    static final String MEMORY = "app_memory_percentiles.anon.d%s.csv";
    static final String DURATION_HEADER = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,"
            + "percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,"
            + "percentile_Average_75,percentile_Average_99,percentile_Average_100";

    private AzureTrace() {
    }

    /** The day suffix (e.g. "01") of the one invocations file in {@code dir}. */
    static String day(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("trace directory " + dir + " does not exist");
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> days = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("invocations_per_function_md\\.anon\\.d\\d+\\.csv"))
                    .map(n -> n.replaceAll(".*\\.d(\\d+)\\.csv", "$1")).sorted().toList();
            if (days.isEmpty()) {
                throw new IOException("no invocations_per_function_md.anon.dNN.csv in " + dir);
            }
            return days.get(0);
        }
    }

    public static List<FunctionTrace> load(Path dir) throws IOException {
        String day = day(dir);
        Map<String, FunctionTrace.Durations> durations = new HashMap<>();
        Path durFile = dir.resolve(String.format(Locale.ROOT, DURATIONS, day));
        forEachRow(durFile, 14, (row, where) -> durations.put(row[0] + "/" + row[1] + "/" + row[2],
                new FunctionTrace.Durations(num(row[3], where), (long) num(row[4], where), num(row[5], where),
                        num(row[6], where), num(row[7], where), num(row[8], where), num(row[9], where),
                        num(row[10], where), num(row[11], where), num(row[12], where), num(row[13], where))));
        Map<String, Double> appMemory = new HashMap<>();
        Path memFile = dir.resolve(String.format(Locale.ROOT, MEMORY, day));
        if (Files.exists(memFile)) {
            forEachRow(memFile, 4, (row, where) -> appMemory.put(row[0] + "/" + row[1], num(row[3], where)));
        }
        List<String[]> rows = new ArrayList<>();
        List<String> places = new ArrayList<>();
        Path invFile = dir.resolve(String.format(Locale.ROOT, INVOCATIONS, day));
        int[] minutes = {-1};
        forEachRow(invFile, 5, (row, where) -> {
            if (minutes[0] < 0) {
                minutes[0] = row.length - 4;
            } else if (row.length - 4 != minutes[0]) {
                throw new IOException(where + ": " + (row.length - 4) + " minutes, earlier lines have " + minutes[0]);
            }
            rows.add(row);
            places.add(where);
        });
        Map<String, Integer> functionsPerApp = new HashMap<>();
        for (String[] row : rows) {
            if (durations.containsKey(row[0] + "/" + row[1] + "/" + row[2])) {
                functionsPerApp.merge(row[0] + "/" + row[1], 1, Integer::sum);
            }
        }
        Map<String, FunctionTrace> out = new LinkedHashMap<>();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            FunctionTrace.Durations d = durations.get(row[0] + "/" + row[1] + "/" + row[2]);
            if (d == null) {
                continue;
            }
            int[] counts = new int[row.length - 4];
            for (int m = 0; m < counts.length; m++) {
                double v = num(row[4 + m], places.get(r));
                if (v < 0 || v != Math.rint(v)) {
                    throw new IOException(places.get(r) + ": minute " + (m + 1) + " count '" + row[4 + m]
                            + "' is not a non-negative whole number");
                }
                counts[m] = (int) v;
            }
            String app = row[0] + "/" + row[1];
            double memory = appMemory.getOrDefault(app, (double) DEFAULT_MEMORY_MB) / functionsPerApp.get(app);
            out.put(row[2], new FunctionTrace(row[0], row[1], row[2], row[3], counts, d, memory));
        }
        return List.copyOf(out.values());
    }

    interface Row {
        void accept(String[] row, String where) throws IOException;
    }

    private static void forEachRow(Path file, int minColumns, Row row) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("trace file " + file + " is missing");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException(file + " is empty (a header line is expected)");
        }
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            String where = file.getFileName() + ":" + (i + 1);
            if (cells.length < minColumns) {
                throw new IOException(where + ": " + cells.length + " columns, at least " + minColumns + " expected");
            }
            row.accept(cells, where);
        }
    }

    private static double num(String cell, String where) throws IOException {
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            throw new IOException(where + ": '" + cell + "' is not a number");
        }
    }

    /** Writes the functions as a trace of day {@code day} (apps' memory from the functions' shares). */
    public static void write(Path dir, String day, List<FunctionTrace> functions) throws IOException {
        Files.createDirectories(dir);
        int minutes = functions.isEmpty() ? 0 : functions.get(0).perMinute().length;
        StringBuilder inv = new StringBuilder("HashOwner,HashApp,HashFunction,Trigger");
        for (int m = 1; m <= minutes; m++) {
            inv.append(',').append(m);
        }
        inv.append('\n');
        StringBuilder dur = new StringBuilder(DURATION_HEADER).append('\n');
        Map<String, Double> apps = new LinkedHashMap<>();
        for (FunctionTrace f : functions) {
            inv.append(f.owner()).append(',').append(f.app()).append(',').append(f.function()).append(',').append(f.trigger());
            for (int c : f.perMinute()) {
                inv.append(',').append(c);
            }
            inv.append('\n');
            var d = f.durations();
            dur.append(String.join(",", f.owner(), f.app(), f.function(), fmt(d.average()), Long.toString(d.count()),
                    fmt(d.minimum()), fmt(d.maximum()), fmt(d.p0()), fmt(d.p1()), fmt(d.p25()), fmt(d.p50()),
                    fmt(d.p75()), fmt(d.p99()), fmt(d.p100()))).append('\n');
            apps.merge(f.owner() + "," + f.app(), f.memoryMb(), Double::sum);
        }
        StringBuilder mem = new StringBuilder("HashOwner,HashApp,SampleCount,AverageAllocatedMb,"
                + "AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,"
                + "AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100\n");
        for (var a : apps.entrySet()) {
            String m = fmt(a.getValue());
            mem.append(a.getKey()).append(",").append(minutes).append(',').append(m);
            for (int i = 0; i < 8; i++) {
                mem.append(',').append(m);
            }
            mem.append('\n');
        }
        Files.writeString(dir.resolve(String.format(Locale.ROOT, INVOCATIONS, day)), inv);
        Files.writeString(dir.resolve(String.format(Locale.ROOT, DURATIONS, day)), dur);
        Files.writeString(dir.resolve(String.format(Locale.ROOT, MEMORY, day)), mem);
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3f", v);
    }

    /**
     * The functions of a loaded trace, or only those whose hashes are listed; a clear error for an empty trace or a
     * hash that is not in it ({@code dir} names the trace in messages).
     */
    public static List<FunctionTrace> only(List<FunctionTrace> all, List<String> hashes, String dir) {
        if (all.isEmpty()) {
            throw new IllegalArgumentException("trace " + dir + " has no function with both invocation counts and"
                    + " durations");
        }
        if (hashes.isEmpty()) {
            return all;
        }
        java.util.Map<String, FunctionTrace> byHash = new java.util.LinkedHashMap<>();
        all.forEach(f -> byHash.putIfAbsent(f.function(), f));
        List<FunctionTrace> chosen = new java.util.ArrayList<>();
        List<String> unknown = new java.util.ArrayList<>();
        for (String h : hashes) {
            FunctionTrace f = byHash.get(h.trim());
            if (f == null) {
                unknown.add(h.trim());
            } else {
                chosen.add(f);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("--only names functions that are not in the trace " + dir + ": "
                    + String.join(", ", unknown) + " (the trace has " + all.size() + " functions; vireo trace show "
                    + dir + " lists them)");
        }
        return chosen;
    }
}
