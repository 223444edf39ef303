package dev.vireo.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads and writes traces in the schema of the Azure Functions 2019 dataset (files suffixed .dNN.csv per day, read
 * day after day and streamed: {@link #load(Path, List, Set)}):
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

    /** The day suffixes (e.g. "01", "02") of the invocations files in {@code dir}, in day order. */
    public static List<String> days(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("trace directory " + dir + " does not exist");
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> days = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("invocations_per_function_md\\.anon\\.d\\d+\\.csv"))
                    .map(n -> n.replaceAll(".*\\.d(\\d+)\\.csv", "$1"))
                    .sorted(Comparator.comparingInt(Integer::parseInt)).toList();
            if (days.isEmpty()) {
                throw new IOException("no invocations_per_function_md.anon.dNN.csv in " + dir);
            }
            return days;
        }
    }

    /** Every day of the trace in {@code dir}, every function. */
    public static List<FunctionTrace> load(Path dir) throws IOException {
        return load(dir, List.of(), Set.of());
    }

    /**
     * The trace in {@code dir}: the days asked for (numbers as in the files' dNN; empty: every day present), one after
     * the other, and only the functions whose hashes are in {@code only} (empty: all). The files are read line by line,
     * rows of functions not chosen skipped before their counts are parsed, so the whole 14-day dataset streams through
     * and only what is kept stays in memory (1,440 ints per function and day). A function missing on a day has no
     * invocations that day; its durations are merged over the days that have them (counts summed, minimum and maximum
     * of the extremes, average and percentiles weighted by each day's count: an approximation where days differ), its
     * app's memory averaged over the days that have it.
     */
    public static List<FunctionTrace> load(Path dir, List<Integer> days, Set<String> only) throws IOException {
        List<String> present = days(dir);
        List<String> chosen = new ArrayList<>();
        for (int d : days) {
            String day = present.stream().filter(p -> Integer.parseInt(p) == d).findFirst().orElseThrow(() ->
                    new IOException("day " + d + " is not in the trace " + dir + " (it has days "
                            + String.join(", ", present) + ")"));
            if (!chosen.contains(day)) {
                chosen.add(day);
            }
        }
        if (chosen.isEmpty()) {
            chosen.addAll(present);
        }
        Map<String, FunctionTrace.Durations> durations = new HashMap<>();
        // every function with durations, and every one invoked, on any day chosen (chosen by --only or not)
        java.util.Set<String> timed = new java.util.HashSet<>();
        java.util.Set<String> invoked = new java.util.HashSet<>();
        Map<String, double[]> appMemory = new HashMap<>();
        Map<String, Kept> kept = new LinkedHashMap<>();
        int[] dayMinutes = new int[chosen.size()];
        for (int i = 0; i < chosen.size(); i++) {
            String day = chosen.get(i);
            Path durFile = dir.resolve(String.format(Locale.ROOT, DURATIONS, day));
            forEachRow(durFile, 14, (row, where) -> {
                timed.add(row[0] + "/" + row[1] + "/" + row[2]);
                if (only.isEmpty() || only.contains(row[2])) {
                    durations.merge(row[0] + "/" + row[1] + "/" + row[2], new FunctionTrace.Durations(
                            num(row[3], where), (long) num(row[4], where), num(row[5], where), num(row[6], where),
                            num(row[7], where), num(row[8], where), num(row[9], where), num(row[10], where),
                            num(row[11], where), num(row[12], where), num(row[13], where)), AzureTrace::merge);
                }
            });
            Path memFile = dir.resolve(String.format(Locale.ROOT, MEMORY, day));
            if (Files.exists(memFile)) {
                forEachRow(memFile, 4, (row, where) -> {
                    double[] m = appMemory.computeIfAbsent(row[0] + "/" + row[1], k -> new double[2]);
                    m[0] += num(row[3], where);
                    m[1]++;
                });
            }
            int index = i;
            Path invFile = dir.resolve(String.format(Locale.ROOT, INVOCATIONS, day));
            int minutes = headerMinutes(invFile);
            forEachRow(invFile, 5, (row, where) -> {
                if (row.length - 4 != minutes) {
                    throw new IOException(where + ": " + (row.length - 4) + " minutes, the header has " + minutes);
                }
                invoked.add(row[0] + "/" + row[1] + "/" + row[2]);
                if (!only.isEmpty() && !only.contains(row[2])) {
                    return;
                }
                int[] counts = new int[row.length - 4];
                for (int m = 0; m < counts.length; m++) {
                    double v = num(row[4 + m], where);
                    if (v < 0 || v != Math.rint(v)) {
                        throw new IOException(where + ": minute " + (m + 1) + " count '" + row[4 + m]
                                + "' is not a non-negative whole number");
                    }
                    counts[m] = (int) v;
                }
                kept.computeIfAbsent(row[0] + "/" + row[1] + "/" + row[2], k -> new Kept(row[0], row[1], row[2],
                        row[3])).perDay.put(index, counts);
            });
            dayMinutes[i] = minutes;
        }
        // an app's memory is shared by all its functions the trace can replay, chosen or not
        Map<String, Integer> functionsPerApp = new HashMap<>();
        for (String key : invoked) {
            if (timed.contains(key)) {
                functionsPerApp.merge(key.substring(0, key.lastIndexOf('/')), 1, Integer::sum);
            }
        }
        int total = Arrays.stream(dayMinutes).sum();
        Map<String, FunctionTrace> out = new LinkedHashMap<>();
        for (Map.Entry<String, Kept> e : kept.entrySet()) {
            FunctionTrace.Durations d = durations.get(e.getKey());
            if (d == null) {
                continue;
            }
            Kept k = e.getValue();
            int[] counts = new int[total];
            int offset = 0;
            for (int i = 0; i < dayMinutes.length; i++) {
                int[] day = k.perDay.get(i);
                if (day != null) {
                    System.arraycopy(day, 0, counts, offset, day.length);
                }
                offset += dayMinutes[i];
            }
            k.perDay.clear(); // its days are in counts now
            String app = k.owner + "/" + k.app;
            double[] mem = appMemory.get(app);
            double memory = (mem == null ? DEFAULT_MEMORY_MB : mem[0] / mem[1]) / functionsPerApp.get(app);
            out.putIfAbsent(k.function, new FunctionTrace(k.owner, k.app, k.function, k.trigger, counts, d, memory));
        }
        return List.copyOf(out.values());
    }

    /** One function's rows as read, per day (index into the days chosen). */
    private static final class Kept {
        final String owner;
        final String app;
        final String function;
        final String trigger;
        final Map<Integer, int[]> perDay = new HashMap<>();

        Kept(String owner, String app, String function, String trigger) {
            this.owner = owner;
            this.app = app;
            this.function = function;
            this.trigger = trigger;
        }
    }

    /** The minutes an invocations file has: its header's columns past HashOwner, HashApp, HashFunction, Trigger. */
    private static int headerMinutes(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("trace file " + file + " is missing");
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = r.readLine();
            int columns = header == null ? 0 : header.split(",", -1).length;
            if (columns < 5) {
                throw new IOException(file.getFileName() + ":1: header HashOwner,HashApp,HashFunction,Trigger,1,2,..."
                        + " expected");
            }
            return columns - 4;
        }
    }

    /** Two days' durations of a function as one: see {@link #load(Path, List, Set)}. */
    static FunctionTrace.Durations merge(FunctionTrace.Durations a, FunctionTrace.Durations b) {
        long n = a.count() + b.count();
        double wa = n == 0 ? 0.5 : a.count() / (double) n;
        double wb = 1 - wa;
        return new FunctionTrace.Durations(wa * a.average() + wb * b.average(), n, Math.min(a.minimum(), b.minimum()),
                Math.max(a.maximum(), b.maximum()), Math.min(a.p0(), b.p0()), wa * a.p1() + wb * b.p1(),
                wa * a.p25() + wb * b.p25(), wa * a.p50() + wb * b.p50(), wa * a.p75() + wb * b.p75(),
                wa * a.p99() + wb * b.p99(), Math.max(a.p100(), b.p100()));
    }

    interface Row {
        void accept(String[] row, String where) throws IOException;
    }

    private static void forEachRow(Path file, int minColumns, Row row) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("trace file " + file + " is missing");
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            if (r.readLine() == null) {
                throw new IOException(file + " is empty (a header line is expected)");
            }
            int n = 1;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                String where = file.getFileName() + ":" + n;
                if (cells.length < minColumns) {
                    throw new IOException(where + ": " + cells.length + " columns, at least " + minColumns
                            + " expected");
                }
                row.accept(cells, where);
            }
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
        if (all.isEmpty() && hashes.isEmpty()) {
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
                    + String.join(", ", unknown) + " (vireo trace show " + dir + " lists its functions)");
        }
        return chosen;
    }
}
