package dev.vireo.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the Azure Functions 2021 invocation trace (one file, e.g. {@code AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt}):
 * a header {@code app,func,end_timestamp,duration}, then one line per invocation: its app's and function's hashes,
 * when it ended and how long it ran, both in seconds (fractions allowed) from the trace's start. Each invocation
 * replays at its start ({@code end_timestamp - duration}, ms, from 0: a start before the trace's is moved to 0); a
 * function's durations are those it had in the trace (average, count, extremes and percentiles of its invocations'
 * durations, ms, nearest rank), so a cold start is its longest run and a warm one its 25th percentile, as for the 2019
 * trace. The trace has no memory: every function gets {@value #DEFAULT_MEMORY_MB} MB. Read line by line: a few bytes
 * per invocation stay in memory (its start and duration), and only for the functions chosen. Every malformed line is an
 * error naming its file and line.
 */
public final class Azure2021Trace {
    /** The header of the trace file. */
    public static final String HEADER = "app,func,end_timestamp,duration";
    static final int DEFAULT_MEMORY_MB = AzureTrace.DEFAULT_MEMORY_MB;

    private Azure2021Trace() {
    }

    /** Whether {@code file} is a trace in this format (a regular file whose header is {@link #HEADER}). */
    public static boolean is(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            return first != null && IluvatarTrace.header(first).equals(HEADER);
        }
    }

    /** The functions of the trace (only those whose hashes are in {@code only}; empty: all), by first invocation. */
    public static List<FunctionTrace> load(Path file, Set<String> only) throws IOException {
        Map<String, Calls> calls = new LinkedHashMap<>();
        long[] last = {0};
        CsvLines.read(file, HEADER, (cells, where) -> {
            String app = cells[0].strip();
            String func = cells[1].strip();
            if (app.isEmpty() || func.isEmpty()) {
                throw new IOException(where + ": " + (app.isEmpty() ? "app" : "func") + " is empty");
            }
            double end = seconds(cells[2], where, "end_timestamp");
            double duration = seconds(cells[3], where, "duration");
            if (!only.isEmpty() && !only.contains(func)) {
                return;
            }
            long startMs = Math.max(0, Math.round((end - duration) * 1_000));
            if (startMs > IluvatarTrace.MAX_TIME_MS) {
                throw new IOException(where + ": an invocation starting past 31 days");
            }
            calls.computeIfAbsent(func, k -> new Calls(app)).add(startMs, duration * 1_000);
            last[0] = Math.max(last[0], startMs);
        });
        int minutes = (int) (last[0] / 60_000) + 1;
        List<FunctionTrace> out = new ArrayList<>();
        for (Map.Entry<String, Calls> e : calls.entrySet()) {
            Calls c = e.getValue();
            long[] at = Arrays.copyOf(c.startMs, c.size);
            Arrays.sort(at);
            int[] perMinute = new int[minutes];
            for (long t : at) {
                perMinute[(int) (t / 60_000)]++;
            }
            out.add(new FunctionTrace(c.app, c.app, e.getKey(), "unknown", perMinute, durations(c), DEFAULT_MEMORY_MB,
                    at));
        }
        return List.copyOf(out);
    }

    /** The durations of a function's invocations as the trace's statistics (ms). */
    static FunctionTrace.Durations durations(Calls c) {
        double[] d = Arrays.copyOf(c.durationMs, c.size);
        Arrays.sort(d);
        double sum = 0;
        for (double v : d) {
            sum += v;
        }
        return new FunctionTrace.Durations(sum / d.length, d.length, d[0], d[d.length - 1], d[0], rank(d, 0.01),
                rank(d, 0.25), rank(d, 0.50), rank(d, 0.75), rank(d, 0.99), d[d.length - 1]);
    }

    /** The nearest-rank percentile {@code q} of sorted values. */
    static double rank(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double seconds(String cell, String where, String column) throws IOException {
        try {
            double v = Double.parseDouble(cell.strip());
            if (!Double.isFinite(v) || v < 0) {
                throw new IOException(String.format(Locale.ROOT, "%s: %s '%s' is not a non-negative number of"
                        + " seconds", where, column, cell.strip()));
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IOException(String.format(Locale.ROOT, "%s: %s '%s' is not a number", where, column,
                    cell.strip()));
        }
    }

    /** One function's invocations as read: starts (ms) and durations (ms), growing arrays. */
    static final class Calls {
        final String app;
        long[] startMs = new long[16];
        double[] durationMs = new double[16];
        int size;

        Calls(String app) {
            this.app = app;
        }

        void add(long start, double duration) {
            if (size == startMs.length) {
                startMs = Arrays.copyOf(startMs, size * 2);
                durationMs = Arrays.copyOf(durationMs, size * 2);
            }
            startMs[size] = start;
            durationMs[size++] = duration;
        }
    }
}
