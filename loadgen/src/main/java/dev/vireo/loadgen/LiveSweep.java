package dev.vireo.loadgen;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.kernel.time.SystemTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vireo loadgen sweep}: the live counterpart of {@code sim --sweep}. On a running worker or cluster, one trace
 * replay per plugin of a point, the plugin put in force before each ({@code PUT /policies/POINT}, gRPC {@code Use}: a
 * controller passes a queue or keep-alive policy to every worker); one results folder per point
 * ({@code NAME/queue=fcfs}), {@code sweep.json} and {@code compare.html}. The points run one after the other on the
 * same system: what one leaves warm, the next finds (each run's {@code warm_at_start} says what).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Replay a trace once per plugin of a point on a running worker or cluster, putting each in force"
                + " first: one results folder per point, sweep.json and compare.html.")
final class LiveSweep implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    LoadgenCommand.RunOptions run;

    @Mixin
    TraceOptions replayed;

    @Option(names = "--use", required = true, paramLabel = "POINT=a,b,...",
            description = "the point and its plugins, one run each (queue, keepalive or balancer), e.g. queue=fcfs,sjf")
    String use;

    @Option(names = "--speed", defaultValue = "1", description = "replay speed, > 0 and <= 1000")
    double speed;

    @Option(names = "--backend", defaultValue = "sim", description = "backend of the trace's functions")
    String backend;

    @Option(names = "--code", defaultValue = "examples/sleep", description = "function code on real backends")
    Path code;

    @Option(names = "--function-data", paramLabel = "FILE", description = "real functions measured by vireo loadgen"
            + " characterize, as loadgen trace takes it")
    Path functionData;

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Puts {@code plugin} in force at {@code point} on the target; a refusal is a usage error naming it. */
    private void use(String point, String plugin) {
        SystemTime time = new SystemTime();
        try (RemoteWorker target = LoadgenCommand.connect(run.target, run.token, run.cacert, time)) {
            target.use(point, plugin);
        } catch (ValidationException | WorkerException e) {
            throw bad("--use " + point + "=" + plugin + ": the target refused it: " + e.getMessage());
        } finally {
            time.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        int eq = use.indexOf('=');
        if (eq <= 0 || eq == use.length() - 1) {
            throw bad("--use '" + use + "' is not POINT=a,b,... (e.g. queue=fcfs,sjf)");
        }
        String point = use.substring(0, eq).trim();
        if (!List.of("queue", "keepalive", "balancer").contains(point)) {
            throw bad("--use: '" + point + "' is not a point a live sweep swaps; use queue, keepalive or balancer");
        }
        List<String> plugins = new ArrayList<>();
        for (String v : use.substring(eq + 1).split(",")) {
            if (!v.isBlank() && !plugins.contains(v.trim())) {
                plugins.add(v.trim());
            }
        }
        if (plugins.size() < 2) {
            throw bad("--use " + use + ": a sweep needs at least two plugins");
        }
        String name = run.name != null ? run.name : "sweep-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss",
                Locale.ROOT).withZone(ZoneOffset.UTC).format(java.time.Instant.now());
        if (!name.matches("[A-Za-z0-9._-]{1,100}")) {
            throw bad("--name '" + name + "' may only have letters, digits, '.', '_', '-'");
        }
        Path base = run.out.resolve(name);
        if (Files.isDirectory(base)) {
            try (var files = Files.list(base)) {
                if (files.findAny().isPresent()) {
                    throw bad("results folder " + base + " exists and is not empty: choose another --name");
                }
            }
        }
        replayed.check();
        // every plugin tried first: one the target lacks is refused before any point runs
        for (String plugin : plugins) {
            use(point, plugin);
        }
        List<Path> runs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        JsonArray sweep = new JsonArray();
        for (String plugin : plugins) {
            String label = point + "=" + plugin;
            System.out.println("== " + label + ": in force on " + run.target);
            use(point, plugin);
            LoadgenCommand.Trace trace = new LoadgenCommand.Trace();
            trace.run = run;
            trace.replayed = replayed;
            trace.speed = speed;
            trace.backend = backend;
            trace.code = code;
            trace.functionData = functionData;
            run.out = base;
            run.name = label;
            trace.check();
            int rc = trace.call();
            if (rc != 0) {
                return rc;
            }
            Path dir = base.resolve(label);
            runs.add(dir);
            labels.add(label);
            JsonObject line = new JsonObject();
            line.addProperty("run", label);
            line.add("overall", JsonParser.parseString(Files.readString(dir.resolve("summary.json"))).getAsJsonObject()
                    .getAsJsonObject("overall"));
            sweep.add(line);
        }
        Files.writeString(base.resolve("sweep.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
                .create().toJson(sweep) + "\n");
        System.out.println();
        Results.printComparison(Results.compare(runs), System.out);
        Path page = ComparisonReport.write(base, "Live sweep " + name, runs, labels);
        System.out.println("sweep: " + base.toAbsolutePath().resolve("sweep.json") + "  (comparison: "
                + page.toAbsolutePath() + ")");
        return 0;
    }
}
