package dev.vireo.loadgen;

import com.google.gson.JsonObject;
import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.kernel.time.SystemTime;
import dev.vireo.worker.grpc.client.GrpcWorkers;
import dev.vireo.workload.ClosedLoop;
import dev.vireo.workload.FunctionData;
import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.Replay;
import dev.vireo.workload.Row;
import dev.vireo.workload.TraceMapping;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
 * {@code vireo loadgen trace|bench|scaling}: an open-loop trace replay or a closed loop against a worker's or the
 * controller's gRPC API; every run writes a results folder (records, summary.json, report.html).
 */
@Command(name = "loadgen", description = "Load against a worker or the controller; every run writes runs/NAME/.",
        subcommands = {LoadgenCommand.Trace.class, LoadgenCommand.Bench.class, LoadgenCommand.Scaling.class,
            LiveSweep.class, Characterize.class})
public final class LoadgenCommand {
    /** Where results go: {@code VIREO_RUNS_DIR}, else the launcher's {@code vireo.runs.dir}, else {@code runs}. */
    public static final String RUNS_DIR = "${env:VIREO_RUNS_DIR:-${sys:vireo.runs.dir:-runs}}";

    /** What every run takes: the target, the results folder and the Graphite series to store beside the records. */
    public static final class RunOptions {
        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        @Option(names = "--target", required = true, paramLabel = "HOST:PORT",
                description = "gRPC address of a worker or the controller")
        String target;

        @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:VIREO_TOKEN}",
                description = "bearer token of the target's gRPC API, if it requires one (default: VIREO_TOKEN)")
        String token;

        @Option(names = "--cacert", paramLabel = "PEM", defaultValue = "${env:VIREO_CACERT}",
                description = "certificates to trust for a target whose gRPC API serves TLS (tls.cert.file): set, the"
                        + " calls use TLS (default: VIREO_CACERT; empty: plaintext)")
        String cacert;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = RUNS_DIR,
                description = "folder of results folders (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--name", paramLabel = "NAME", description = "results folder name (default: KIND-yyyyMMdd-HHmmss)")
        String name;

        @Option(names = "--graphite", paramLabel = "URL", description = "graphite-web to extract series from after the run")
        String graphite;

        @Option(names = "--graphite-target", paramLabel = "SERIES", description = "series to extract (repeatable)")
        List<String> graphiteTargets = List.of("vireo.*.queue.length.value", "vireo.*.invocations.running.value",
                "vireo.*.containers.*.value", "vireo.*.controller.workers.healthy.value");

        @Option(names = "--graphite-wait-s", defaultValue = "12", paramLabel = "S",
                description = "seconds to wait for the last pushed points (default: ${DEFAULT-VALUE})")
        int graphiteWaitS;

        ParameterException bad(String message) {
            return new ParameterException(spec.commandLine(), message);
        }
    }

    /** One run: name and folder checked, metadata, the load, then records, summary, Graphite series and report. */
    abstract static class Run implements Callable<Integer> {
        @Mixin
        RunOptions run;

        abstract String kind();

        /** Checks the command's own options before anything is sent. */
        abstract void check();

        /** The load; rows count their times from {@code origin} (the run's start on {@code time}). */
        abstract List<Row> load(RemoteWorker target, SystemTime time, long origin, RunMetadata meta, String tidPrefix)
                throws Exception;

        @Override
        public Integer call() throws Exception {
            check();
            Instant started = Instant.now();
            String name = run.name != null ? run.name : kind() + "-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss",
                    Locale.ROOT).withZone(ZoneOffset.UTC).format(started);
            // '=': a live sweep's point (queue=fcfs), as the simulation names its folders
            if (!name.matches("[A-Za-z0-9._=-]{1,100}")) {
                throw run.bad("--name '" + name + "' may only have letters, digits, '.', '_', '=', '-'");
            }
            if (run.graphiteWaitS < 0 || run.graphiteWaitS > 600) {
                throw run.bad("--graphite-wait-s must be 0-600");
            }
            Path out = run.out.resolve(name);
            if (Files.isDirectory(out)) {
                try (var files = Files.list(out)) {
                    if (files.findAny().isPresent()) {
                        throw run.bad("results folder " + out + " exists and is not empty: choose another --name");
                    }
                }
            }
            RunMetadata meta = RunMetadata.live(name, kind(), run.target, started);
            List<Row> rows;
            long startEpoch;
            long startNanos;
            SystemTime time = new SystemTime();
            java.util.Optional<dev.vireo.api.worker.NodeSettings> settings;
            try (RemoteWorker target = connect(run.target, run.token, run.cacert, time)) {
                // what the system runs with, as the run begins: what `vireo sim --like` reproduces
                settings = RunSettings.capture(target, meta);
                RunSettings.warmAtStart(target, meta);
                // the run's time axis starts here, after those calls, as the simulation's starts after its setup
                startEpoch = System.currentTimeMillis();
                startNanos = System.nanoTime();
                rows = load(target, time, startNanos, meta, name.replaceAll("[^A-Za-z0-9]", "")
                        .toLowerCase(Locale.ROOT));
            } finally {
                time.close();
            }
            long endEpoch = startEpoch + (System.nanoTime() - startNanos) / 1_000_000;
            meta.put("start_epoch_ms", startEpoch).put("end_epoch_ms", endEpoch);
            JsonObject summary = Results.write(out, rows, meta.json());
            if (settings.isPresent()) {
                RunSettings.write(out, settings.get());
            }
            if (run.graphite != null && !run.graphite.isEmpty()) {
                // worker and controller push every step: wait past the end so the run's last points are stored
                Thread.sleep(run.graphiteWaitS * 1000L);
                long points = Graphite.extract(out, run.graphite, run.graphiteTargets, startEpoch, endEpoch);
                System.out.println("graphite: " + points + " points of " + run.graphiteTargets + " stored in metrics"
                        + " (records.duckdb) and metrics.csv");
            }
            Report.write(out, summary);
            Results.printSummary(summary, System.out);
            System.out.println("results: " + out.toAbsolutePath() + "  (report: " + out.toAbsolutePath()
                    .resolve("report.html") + ")");
            return 0;
        }
    }

    /** The worker or controller at {@code address}, checked to answer: an unreachable target is a clear error at once. */
    static RemoteWorker connect(String address, SystemTime time) {
        return connect(address, "", "", time);
    }

    /**
     * The worker or controller at {@code address}, presenting {@code token} (null or empty: none), checked to answer:
     * an unreachable target, or one that refuses the token, is a clear error at once.
     */
    static RemoteWorker connect(String address, String token, String cacert, SystemTime time) {
        RemoteWorker target;
        String ca = cacert == null ? "" : cacert.trim();
        if (!ca.isEmpty() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(ca))) {
            throw new IllegalArgumentException("--cacert " + ca + " is not a readable file");
        }
        try {
            target = GrpcWorkers.connect(address, time, token == null ? "" : token, ca);
        } catch (ValidationException e) {
            if (e.field().equals("client.tls.ca.file")) {
                throw new IllegalArgumentException("--cacert: " + e.getMessage());
            }
            throw new IllegalArgumentException("--target '" + address + "' is not host:port (the gRPC API of a worker"
                    + " or controller, e.g. 127.0.0.1:8081)");
        }
        try {
            target.name();
            target.functions(); // Health answers without a token: a call that needs one shows a refused token now
            return target;
        } catch (WorkerException e) {
            target.close();
            throw new IllegalArgumentException("cannot reach the target " + address + ": " + e.getMessage()
                    + " (is a worker or controller running there? its gRPC port is in vireo.worker.grpc.cfg)");
        }
    }

    /** Registers the closed loops' function: a no-op on the simulated backend unless another is named. */
    static String benchFunction(RemoteWorker target, String function, long execMs) {
        if (!function.isEmpty()) {
            return function;
        }
        try {
            target.register(new FunctionSpec("loadgen-noop", "1", "sim/noop", "", "", "sim", Compute.CPU, "sim", 16,
                    0.01, Duration.ofMinutes(1), 1, new ExpectedTimings(0, execMs)));
        } catch (WorkerException e) {
            if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                throw new IllegalArgumentException("the target refused function loadgen-noop: " + e.getMessage(), e);
            }
        }
        return "loadgen-noop-1";
    }

    @Command(name = "trace", mixinStandardHelpOptions = true,
            description = "Replay a trace open loop (Azure Functions 2019 files, or an Ilúvatar trace file and its metadata).")
    static final class Trace extends Run {
        @Mixin
        TraceOptions replayed;

        @Option(names = "--speed", defaultValue = "1", description = "replay speed, > 0 and <= 1000")
        double speed;

        @Option(names = "--backend", defaultValue = "sim", description = "backend of the trace's functions")
        String backend;

        @Option(names = "--code", defaultValue = "examples/sleep", description = "function code on real backends")
        Path code;

        @Option(names = "--function-data", paramLabel = "FILE", description = "real functions measured by vireo loadgen"
                + " characterize: on a real backend each trace function replays as the closest (by warm time, then"
                + " memory) instead of --code")
        Path functionData;

        @Override
        String kind() {
            return "trace";
        }

        @Override
        void check() {
            if (!(speed > 0 && speed <= 1_000)) {
                throw run.bad("--speed must be > 0 and <= 1000");
            }
            if (functionData != null && backend.equals("sim")) {
                throw run.bad("--function-data maps the trace onto real functions: give --backend process, containerd"
                        + " or docker");
            }
            replayed.check();
        }

        @Override
        List<Row> load(RemoteWorker target, SystemTime time, long origin, RunMetadata meta, String tidPrefix)
                throws Exception {
            List<FunctionTrace> functions = replayed.load();
            // the target checks the backend's name against its active backends and refuses an unknown one
            meta.trace(replayed.trace, replayed.seed, speed, replayed.minutes, backend, functions.size());
            replayed.describe(meta);
            TraceMapping mapping;
            if (functionData != null) {
                List<FunctionData.Characterized> data = FunctionData.read(functionData);
                data.stream().filter(c -> !c.backend().equals(backend)).findFirst().ifPresent(c -> System.err.println(
                        "vireo: " + c.name() + " was characterized on " + c.backend() + ", the trace replays on "
                        + backend + ": its times there may differ"));
                mapping = new TraceMapping(functions, backend, code.toAbsolutePath().toString(), data);
                meta.put("function_data", functionData.toAbsolutePath().normalize().toString());
                JsonObject mapped = new JsonObject();
                functions.forEach(f -> mapped.addProperty(f.function(), mapping.real(f).orElseThrow().name()));
                meta.put("mapped", mapped);
                System.out.println("trace functions replayed as real ones: " + FunctionData.counts(
                        FunctionData.map(functions, data)));
            } else {
                meta.put("code", code.toAbsolutePath().normalize().toString());
                mapping = new TraceMapping(functions, backend, code.toAbsolutePath().toString());
            }
            List<TraceMapping.Planned> plan = mapping.payloads(TraceMapping.plan(functions, replayed.seed,
                    replayed.limitMs()));
            Replay replay = new Replay(target, time, time, origin);
            replay.register(mapping);
            long lastMs = plan.isEmpty() ? 0 : plan.get(plan.size() - 1).atMs();
            try (Progress progress = new Progress("trace", plan.size(), (long) (lastMs / speed))) {
                return replay.start(plan, mapping, speed, tidPrefix, progress::record).join();
            }
        }
    }

    /** The function a closed loop calls: given, or a no-op registered for the run. */
    static final class LoopOptions {
        @Option(names = "--function", paramLabel = "ID", description = "function to call (default: register a no-op)")
        String function = "";

        @Option(names = "--exec-ms", defaultValue = "0", description = "simulated execution time per call, 0-600000")
        long execMs;

        void check(RunOptions run) {
            if (execMs < 0 || execMs > 600_000) {
                throw run.bad("--exec-ms must be 0-600000");
            }
        }

        String payload() {
            return execMs > 0 ? TraceMapping.payload(execMs) : "";
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, description = "Closed loop: N clients for a duration.")
    static final class Bench extends Run {
        @Option(names = "--clients", defaultValue = "8", description = "clients, 1-10000 (default: ${DEFAULT-VALUE})")
        int clients;

        @Option(names = "--duration-s", defaultValue = "10", description = "seconds, 1-86400 (default: ${DEFAULT-VALUE})")
        long durationS;

        @Mixin
        LoopOptions loop;

        @Override
        String kind() {
            return "bench";
        }

        @Override
        void check() {
            if (clients < 1 || clients > 10_000 || durationS < 1 || durationS > 86_400) {
                throw run.bad("--clients must be 1-10000 and --duration-s 1-86400");
            }
            loop.check(run);
        }

        @Override
        List<Row> load(RemoteWorker target, SystemTime time, long origin, RunMetadata meta, String tidPrefix)
                throws Exception {
            String fn = benchFunction(target, loop.function, loop.execMs);
            meta.put("clients", clients).put("function", fn);
            try (Progress p = new Progress("bench", 0, durationS * 1000)) {
                return new ClosedLoop(target, time, origin).run(fn, loop.payload(), clients, durationS * 1000, tidPrefix,
                        p::record).join();
            }
        }
    }

    @Command(name = "scaling", mixinStandardHelpOptions = true,
            description = "Closed loop in steps of client counts.")
    static final class Scaling extends Run {
        @Option(names = "--clients", split = ",", defaultValue = "1,2,4,8", paramLabel = "N,...",
                description = "client counts of the steps, each 1-10000 (default: ${DEFAULT-VALUE})")
        List<Integer> steps;

        @Option(names = "--step-s", defaultValue = "5", description = "seconds per step, 1-86400")
        long stepS;

        @Mixin
        LoopOptions loop;

        @Override
        String kind() {
            return "scaling";
        }

        @Override
        void check() {
            if (steps.isEmpty() || steps.stream().anyMatch(c -> c < 1 || c > 10_000)) {
                throw run.bad("--clients must list client counts of 1-10000");
            }
            if (stepS < 1 || stepS > 86_400) {
                throw run.bad("--step-s must be 1-86400");
            }
            loop.check(run);
        }

        @Override
        List<Row> load(RemoteWorker target, SystemTime time, long origin, RunMetadata meta, String tidPrefix)
                throws Exception {
            String fn = benchFunction(target, loop.function, loop.execMs);
            meta.put("clients", steps.toString()).put("function", fn);
            try (Progress p = new Progress("scaling", 0, stepS * 1000 * steps.size())) {
                return new ClosedLoop(target, time, origin).scaling(fn, loop.payload(), steps, stepS * 1000, tidPrefix,
                        p::record);
            }
        }
    }
}
