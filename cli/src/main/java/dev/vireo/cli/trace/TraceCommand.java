package dev.vireo.cli.trace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./vireo trace synth --functions N --minutes M --seed S --out DIR} writes a synthetic trace in the Azure 2019
 * schema; {@code ./vireo trace show DIR} loads a trace (synthetic or the real files) and summarises it.
 */
public final class TraceCommand {
    static final String USAGE = """
            usage: ./vireo trace synth [--functions 50] [--minutes 10] [--seed 1] [--rate PER_S] --out DIR
                   ./vireo trace show DIR""";

    private TraceCommand() {
    }

    public static int run(String[] args) {
        try {
            if (args.length == 0) {
                throw new IllegalArgumentException("a subcommand is needed");
            }
            return switch (args[0]) {
                case "synth" -> synth(args);
                case "show" -> show(args);
                default -> throw new IllegalArgumentException("unknown subcommand '" + args[0] + "'");
            };
        } catch (IllegalArgumentException e) {
            System.err.println("vireo: " + e.getMessage() + "\n" + USAGE);
            return 2;
        } catch (IOException e) {
            System.err.println("vireo: " + e.getMessage());
            return 1;
        }
    }

    private static int synth(String[] args) throws IOException {
        int functions = 50;
        int minutes = 10;
        long seed = 1;
        double rate = 0;
        Path out = null;
        for (int i = 1; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--functions" -> functions = integer(args[i], value);
                case "--minutes" -> minutes = integer(args[i], value);
                case "--seed" -> seed = integer(args[i], value);
                case "--out" -> out = Path.of(value);
                case "--rate" -> {
                    try {
                        rate = Double.parseDouble(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--rate needs a number of invocations per second, got '" + value + "'");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        if (out == null) {
            throw new IllegalArgumentException("--out DIR is required");
        }
        List<FunctionTrace> trace = TraceSynth.generate(functions, minutes, seed, rate);
        AzureTrace.write(out, "01", trace);
        System.out.printf(Locale.ROOT, "wrote %d functions, %d minutes, %d invocations (seed %d) to %s%n", trace.size(),
                minutes, trace.stream().mapToLong(FunctionTrace::invocations).sum(), seed, out.toAbsolutePath());
        return 0;
    }

    private static int integer(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + value + "'");
        }
    }

    private static int show(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("show takes one trace directory");
        }
        List<FunctionTrace> trace = AzureTrace.load(Path.of(args[1]));
        long total = trace.stream().mapToLong(FunctionTrace::invocations).sum();
        int minutes = trace.isEmpty() ? 0 : trace.get(0).perMinute().length;
        Map<String, long[]> byTrigger = new TreeMap<>();
        for (FunctionTrace f : trace) {
            long[] t = byTrigger.computeIfAbsent(f.trigger(), k -> new long[2]);
            t[0]++;
            t[1] += f.invocations();
        }
        System.out.printf(Locale.ROOT, "%d functions, %d minutes, %d invocations (%.1f/s on average)%n", trace.size(),
                minutes, total, minutes == 0 ? 0 : total / (minutes * 60.0));
        System.out.printf(Locale.ROOT, "%-14s %10s %14s%n", "trigger", "functions", "invocations");
        byTrigger.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-14s %10d %14d%n", k, v[0], v[1]));
        System.out.printf(Locale.ROOT, "%-18s %12s %10s %10s %8s%n", "top functions", "invocations", "warm ms",
                "cold ms", "MB");
        trace.stream().sorted((a, b) -> Long.compare(b.invocations(), a.invocations())).limit(5)
                .forEach(f -> System.out.printf(Locale.ROOT, "%-18s %12d %10.1f %10.1f %8.0f%n",
                        f.function().substring(0, 16), f.invocations(), f.warmMs(), f.coldMs(), f.memoryMb()));
        return 0;
    }
}
