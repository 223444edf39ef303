package dev.vireo.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads traces in the format of Ilúvatar's load generator, so that its users' traces replay unchanged: an invocation
 * file ({@code func_name,invoke_time_ms}: one line per invocation, its time in ms from the start) and a metadata file
 * ({@code func_name,cold_dur_ms,warm_dur_ms,mem_mb} and any further columns, e.g. {@code mean_iat}, {@code image_name};
 * columns are found by their header names). Each function replays at exactly its invocation times; a cold invocation
 * takes {@code cold_dur_ms} in all, as in Ilúvatar (its cold start {@code cold_dur_ms - warm_dur_ms}, then the
 * execution), a warm one {@code warm_dur_ms} (the metadata has one warm duration), and its memory is {@code mem_mb}. Functions of the metadata that the trace never invokes are left out. Every malformed line is an
 * error naming its file and line; a traced function without metadata is one too.
 *
 * <p>The metadata file is found beside the trace when not named: {@code NAME-metadata.csv}, then
 * {@code metadata-NAME.csv} (Ilúvatar's examples use both), for a trace {@code NAME.csv}.
 */
public final class IluvatarTrace {
    /** The header of an invocation file. */
    public static final String HEADER = "func_name,invoke_time_ms";
    static final List<String> METADATA_COLUMNS = List.of("func_name", "cold_dur_ms", "warm_dur_ms", "mem_mb");

    private IluvatarTrace() {
    }

    /** Invocation times past this (31 days) are an error: a stray value would size every function's per-minute array. */
    static final long MAX_TIME_MS = 31L * 24 * 3_600_000;

    /** Whether {@code file} is an invocation file of this format (a regular file whose header is {@link #HEADER}). */
    public static boolean is(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            return first != null && header(first).equals(HEADER);
        }
    }

    /** A header line as compared: without a byte-order mark, quotes and spaces. */
    static String header(String line) {
        return line.replace("\uFEFF", "").replace("\"", "").replace(" ", "").strip();
    }

    /** The metadata file of {@code trace} when none is named; an error naming the places looked at if none is there. */
    public static Path metadataFor(Path trace) throws IOException {
        String name = trace.getFileName().toString();
        String base = name.endsWith(".csv") ? name.substring(0, name.length() - 4) : name;
        List<Path> tried = List.of(trace.resolveSibling(base + "-metadata.csv"),
                trace.resolveSibling("metadata-" + base + ".csv"));
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IOException("no metadata for trace " + trace + ": looked for " + tried.get(0).getFileName() + " and "
                + tried.get(1).getFileName() + " beside it (name one with --metadata)");
    }

    /**
     * The trace's functions, in the order of their first invocation. Read line by line (a trace of tens of millions of
     * invocations is a few bytes per invocation in memory here, its times only).
     */
    public static List<FunctionTrace> load(Path trace, Path metadata) throws IOException {
        Map<String, Meta> meta = metadata(metadata);
        Map<String, Times> times = new LinkedHashMap<>();
        long[] last = {0};
        CsvLines.read(trace, HEADER, (cells, where) -> {
            String fn = cells[0].strip();
            if (fn.isEmpty()) {
                throw new IOException(where + ": func_name is empty");
            }
            if (!meta.containsKey(fn)) {
                throw new IOException(where + ": function '" + fn + "' has no line in " + metadata.getFileName());
            }
            long at = wholeMs(cells[1], where, "invoke_time_ms");
            if (at > MAX_TIME_MS) {
                throw new IOException(where + ": invoke_time_ms " + at + " is past 31 days");
            }
            times.computeIfAbsent(fn, k -> new Times()).add(at);
            last[0] = Math.max(last[0], at);
        });
        int minutes = (int) (last[0] / 60_000) + 1;
        List<FunctionTrace> out = new ArrayList<>();
        for (Map.Entry<String, Times> e : times.entrySet()) {
            long[] at = e.getValue().sorted();
            int[] perMinute = new int[minutes];
            for (long t : at) {
                perMinute[(int) (t / 60_000)]++;
            }
            Meta m = meta.get(e.getKey());
            double w = m.warmMs();
            // Ilúvatar's cold_dur_ms is a cold invocation's whole time; the replay adds the execution to the start
            double coldStart = Math.max(0, m.coldMs() - w);
            FunctionTrace.Durations d = new FunctionTrace.Durations(w, at.length, w, coldStart, w, w, w, w, w, w, w);
            out.add(new FunctionTrace("iluvatar", e.getKey(), e.getKey(), "http", perMinute, d, m.memoryMb(), at));
        }
        return List.copyOf(out);
    }

    /** A function's invocation times as read: a growing array of longs. */
    private static final class Times {
        private long[] values = new long[16];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] sorted() {
            long[] out = Arrays.copyOf(values, size);
            Arrays.sort(out);
            return out;
        }
    }

    /** One function's metadata. */
    record Meta(double coldMs, double warmMs, double memoryMb) {
    }

    static Map<String, Meta> metadata(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("trace metadata " + file + " is missing");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException(file.getFileName() + " is empty (a header line is expected)");
        }
        List<String> header = Arrays.stream(header(lines.get(0)).split(",", -1)).toList();
        Map<String, Integer> column = new HashMap<>();
        for (String c : METADATA_COLUMNS) {
            int i = header.indexOf(c);
            if (i < 0) {
                throw new IOException(file.getFileName() + ":1: no column '" + c + "' (the header needs "
                        + String.join(",", METADATA_COLUMNS) + ")");
            }
            column.put(c, i);
        }
        Map<String, Meta> out = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file.getFileName() + ":" + (i + 1);
            String[] cells = line.split(",", -1);
            if (cells.length < header.size()) {
                throw new IOException(where + ": " + cells.length + " columns, the header has " + header.size());
            }
            String fn = cells[column.get("func_name")].strip();
            if (fn.isEmpty()) {
                throw new IOException(where + ": func_name is empty");
            }
            double cold = nonNegative(cells[column.get("cold_dur_ms")], where, "cold_dur_ms");
            double warm = nonNegative(cells[column.get("warm_dur_ms")], where, "warm_dur_ms");
            double mem = nonNegative(cells[column.get("mem_mb")], where, "mem_mb");
            if (out.put(fn, new Meta(cold, warm, mem)) != null) {
                throw new IOException(where + ": function '" + fn + "' is described twice");
            }
        }
        return out;
    }

    private static long wholeMs(String cell, String where, String column) throws IOException {
        double v = number(cell, where, column);
        if (v < 0 || v != Math.rint(v)) {
            throw new IOException(where + ": " + column + " '" + cell.strip() + "' is not a non-negative whole number");
        }
        return (long) v;
    }

    private static double nonNegative(String cell, String where, String column) throws IOException {
        double v = number(cell, where, column);
        if (v < 0) {
            throw new IOException(where + ": " + column + " " + cell.strip() + " is negative");
        }
        return v;
    }

    private static double number(String cell, String where, String column) throws IOException {
        try {
            double v = Double.parseDouble(cell.strip());
            if (!Double.isFinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IOException(String.format(Locale.ROOT, "%s: %s '%s' is not a number", where, column,
                    cell.strip()));
        }
    }
}
