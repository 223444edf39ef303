package dev.vireo.cli.command;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.workload.AzureTrace;
import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.TraceFiles;
import dev.vireo.workload.TraceSynth;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vireo trace synth|show}: synthetic traces in the Azure Functions 2019 schema, and a trace's summary. */
@Command(name = "trace", description = "Traces in the Azure Functions 2019 schema.",
        subcommands = {TraceCommand.Synth.class, TraceCommand.Show.class})
public final class TraceCommand {
    @Command(name = "synth", description = "Write a synthetic trace (same seed, same files).")
    static final class Synth implements Callable<Integer> {
        @Option(names = "--functions", defaultValue = "50", description = "functions (default: ${DEFAULT-VALUE})")
        int functions;

        @Option(names = "--minutes", defaultValue = "10", description = "minutes (default: ${DEFAULT-VALUE})")
        int minutes;

        @Option(names = "--seed", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--rate", defaultValue = "0", paramLabel = "PER_S",
                description = "invocations per second overall (default: the synthesizer's own mix)")
        double rate;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder to write the trace into")
        Path out;

        @Override
        public Integer call() throws Exception {
            List<FunctionTrace> trace = TraceSynth.generate(functions, minutes, seed, rate);
            AzureTrace.write(out, "01", trace);
            System.out.printf(Locale.ROOT, "wrote %d functions, %d minutes, %d invocations (seed %d) to %s%n",
                    trace.size(), minutes, trace.stream().mapToLong(FunctionTrace::invocations).sum(), seed,
                    out.toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "show", description = "Summarise a trace (synthetic or the real files): an Azure Functions 2019"
            + " folder, the Azure Functions 2021 file, or an Ilúvatar invocation file.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR|FILE")
        Path dir;

        @Option(names = "--metadata", paramLabel = "FILE", description = "an Ilúvatar trace's metadata file (default:"
                + " found beside it)")
        Path metadata;

        @Option(names = "--json", description = "print the summary as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonObject s = summary(TraceFiles.load(dir, metadata, List.of(), List.of()));
            if (json) {
                System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(s));
                return 0;
            }
            System.out.printf(Locale.ROOT, "%d functions, %d minutes, %d invocations (%.1f/s on average)%n",
                    s.get("functions").getAsInt(), s.get("minutes").getAsInt(), s.get("invocations").getAsLong(),
                    s.get("per_s").getAsDouble());
            System.out.printf(Locale.ROOT, "%-14s %10s %14s%n", "trigger", "functions", "invocations");
            s.getAsJsonObject("triggers").entrySet().forEach(e -> System.out.printf(Locale.ROOT, "%-14s %10d %14d%n",
                    e.getKey(), e.getValue().getAsJsonObject().get("functions").getAsInt(),
                    e.getValue().getAsJsonObject().get("invocations").getAsLong()));
            System.out.printf(Locale.ROOT, "%-18s %12s %10s %10s %8s%n", "top functions", "invocations", "warm ms",
                    "cold ms", "MB");
            for (var e : s.getAsJsonArray("top")) {
                JsonObject f = e.getAsJsonObject();
                System.out.printf(Locale.ROOT, "%-18s %12d %10.1f %10.1f %8.0f%n", f.get("function").getAsString()
                        .substring(0, Math.min(16, f.get("function").getAsString().length())),
                        f.get("invocations").getAsLong(), f.get("warm_ms").getAsDouble(), f.get("cold_ms").getAsDouble(),
                        f.get("memory_mb").getAsDouble());
            }
            return 0;
        }

        static JsonObject summary(List<FunctionTrace> trace) {
            long total = trace.stream().mapToLong(FunctionTrace::invocations).sum();
            int minutes = trace.isEmpty() ? 0 : trace.get(0).perMinute().length;
            Map<String, long[]> byTrigger = new TreeMap<>();
            for (FunctionTrace f : trace) {
                long[] t = byTrigger.computeIfAbsent(f.trigger(), k -> new long[2]);
                t[0]++;
                t[1] += f.invocations();
            }
            JsonObject s = new JsonObject();
            s.addProperty("functions", trace.size());
            s.addProperty("minutes", minutes);
            s.addProperty("invocations", total);
            s.addProperty("per_s", minutes == 0 ? 0 : total / (minutes * 60.0));
            JsonObject triggers = new JsonObject();
            byTrigger.forEach((k, v) -> {
                JsonObject t = new JsonObject();
                t.addProperty("functions", v[0]);
                t.addProperty("invocations", v[1]);
                triggers.add(k, t);
            });
            s.add("triggers", triggers);
            JsonArray top = new JsonArray();
            trace.stream().sorted((a, b) -> Long.compare(b.invocations(), a.invocations())).limit(5).forEach(f -> {
                JsonObject o = new JsonObject();
                o.addProperty("function", f.function());
                o.addProperty("invocations", f.invocations());
                o.addProperty("warm_ms", f.warmMs());
                o.addProperty("cold_ms", f.coldMs());
                o.addProperty("memory_mb", f.memoryMb());
                top.add(o);
            });
            s.add("top", top);
            return s;
        }
    }
}
