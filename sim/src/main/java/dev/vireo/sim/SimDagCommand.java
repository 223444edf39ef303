package dev.vireo.sim;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vireo dag simulate SPEC}: one workflow on the simulated cluster (controller + N workers, virtual time): the same
 * runtime as live, deterministic. Every function the spec names is registered on the sim backend; a task's args steer
 * it ({@code sim_exec_ms}, {@code sim_items} for a list of N elements, {@code sim_fail}).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "One workflow on the simulated cluster, on virtual time (deterministic): its makespan and every"
                + " task's record.")
public final class SimDagCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "the workflow spec (JSON, docs/dag.md)")
    Path specFile;

    @Option(names = "--workers", defaultValue = "2", description = "workers behind the controller, 1-1000 (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--cold-ms", defaultValue = "100", description = "cold start of every function (default: ${DEFAULT-VALUE})")
    long coldMs;

    @Option(names = "--exec-ms", defaultValue = "1", description = "execution time of a task without sim_exec_ms (default: ${DEFAULT-VALUE})")
    long execMs;

    @Option(names = "--config", paramLabel = "DIR", defaultValue = SimCommand.CONFIGS_DIR,
            description = "configuration folder (default: ${DEFAULT-VALUE})")
    Path config;

    @Option(names = "--json", description = "print the run's status with every record as JSON")
    boolean json;

    @Option(names = "--report", paramLabel = "DIR", description = "also write the run's results folder there (task"
            + " records in DuckDB, Parquet and CSV, summary.json with the critical path, report.html: the graph and a"
            + " timeline per worker), as ./vireo dag report does for a live run; DIR must be new or empty")
    Path report;

    @Option(names = "--log", paramLabel = "FILE", defaultValue = "run/dag-simulate.log",
            description = "every component's log, stamped with virtual time (default: ${DEFAULT-VALUE})")
    Path log;

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || workers > 1_000) {
            throw new IllegalArgumentException("--workers must be 1-1000");
        }
        if (coldMs < 0 || execMs < 0) {
            throw new IllegalArgumentException("--cold-ms and --exec-ms must be at least 0");
        }
        String spec = Files.readString(specFile);
        Simulation sim = new Simulation(new Simulation.Setup(List.of(), Configs.read(config), workers, 1, 0, Map.of(),
                List.of(), Duration.ZERO));
        Files.createDirectories(log.toAbsolutePath().getParent());
        Simulation.WorkflowOutcome o;
        try (SimLog logged = new SimLog(log, () -> sim.time().elapsed().toNanos() / 1_000)) {
            o = sim.runWorkflow(spec, coldMs, execMs);
        }
        RunStatus s = o.status();
        if (report != null) {
            if (Files.isDirectory(report)) {
                try (var files = Files.list(report)) {
                    if (files.findAny().isPresent()) {
                        throw new IllegalArgumentException("--report " + report + " exists and is not empty");
                    }
                }
            }
            JsonObject meta = dev.vireo.loadgen.RunMetadata.simulated().put("kind", "dag").put("run", s.run())
                    .put("workflow", s.name()).put("workers", workers).json();
            JsonObject summary = dev.vireo.loadgen.DagResults.write(report, status(o), spec, plan(o.plan()), meta);
            dev.vireo.loadgen.DagReport.write(report, summary);
        }
        if (json) {
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(toJson(o)));
        } else {
            System.out.printf(Locale.ROOT, "%s %s: %s in %.3f s of virtual time (%d tasks; %.1f s wall to set up)%n",
                    s.run(), s.name().isEmpty() ? "workflow" : s.name(), s.state().name().toLowerCase(Locale.ROOT),
                    s.elapsedUs() / 1e6, s.tasks(), o.setupWall().toMillis() / 1e3);
            System.out.printf(Locale.ROOT, "%-24s %-10s %-12s %6s %10s %10s %10s%n", "task", "state", "worker", "items",
                    "start ms", "end ms", "exec ms");
            for (TaskRecord r : s.records()) {
                System.out.printf(Locale.ROOT, "%-24s %-10s %-12s %6d %10.1f %10.1f %10.1f%n", r.task(),
                        r.state().name().toLowerCase(Locale.ROOT), r.worker(), r.items(), r.startUs() / 1e3,
                        r.endUs() / 1e3, r.executionUs() / 1e3);
            }
            s.failure().ifPresent(f -> System.out.println("failure: " + f));
            System.out.println(planLine(o));
            if (report != null) {
                System.out.println("results: " + report + "  (report: " + report.resolve("report.html") + ")");
            }
        }
        return s.state() == dev.vireo.api.dag.RunState.SUCCEEDED ? 0 : 1;
    }

    /** The run's status as the live API writes it (GET /dags/{run}), for the results folder. */
    static JsonObject status(Simulation.WorkflowOutcome o) {
        RunStatus s = o.status();
        JsonObject out = new JsonObject();
        out.addProperty("run", s.run());
        out.addProperty("name", s.name());
        out.addProperty("state", s.state().name().toLowerCase(Locale.ROOT));
        out.addProperty("submitted", s.submitted().toString());
        out.addProperty("elapsed_us", s.elapsedUs());
        out.addProperty("failure", s.failure().orElse(""));
        JsonArray records = new JsonArray();
        for (TaskRecord r : s.records()) {
            JsonObject j = new JsonObject();
            j.addProperty("task", r.task());
            j.addProperty("function", r.functionId());
            j.addProperty("state", r.state().name().toLowerCase(Locale.ROOT));
            j.addProperty("worker", r.worker());
            j.addProperty("container", r.container());
            j.addProperty("attempts", r.attempts());
            j.addProperty("items", r.items());
            j.addProperty("start_us", r.startUs());
            j.addProperty("end_us", r.endUs());
            j.addProperty("queued_us", r.queuedUs());
            j.addProperty("input_us", r.inputUs());
            j.addProperty("execution_us", r.executionUs());
            j.addProperty("output_us", r.outputUs());
            j.addProperty("bytes_in", r.bytesIn());
            j.addProperty("bytes_out", r.bytesOut());
            r.error().ifPresent(e -> {
                JsonObject err = new JsonObject();
                err.addProperty("kind", e.kind().name());
                err.addProperty("message", e.message());
                err.addProperty("detail", e.detail());
                j.add("error", err);
            });
            records.add(j);
        }
        out.add("records", records);
        return out;
    }

    /**
     * The plan beside the run: planner, sla, home, and the predicted makespan against the observed one (the last
     * task's end) with the error, {@code (observed - predicted) / observed}.
     */
    static String planLine(Simulation.WorkflowOutcome o) {
        RunPlan p = o.plan();
        long observed = o.status().records().stream().mapToLong(TaskRecord::endUs).max().orElse(0);
        String line = String.format(Locale.ROOT, "plan: %s, sla %s%s: ", p.planner(), p.sla(),
                p.home().isEmpty() ? "" : ", home " + p.home());
        if (p.predictedMakespanUs() <= 0) {
            return line + String.format(Locale.ROOT, "nothing predicted, observed %.1f ms", observed / 1e3);
        }
        return line + String.format(Locale.ROOT, "predicted %.1f ms, observed %.1f ms%s", p.predictedMakespanUs() / 1e3,
                observed / 1e3, observed > 0 ? String.format(Locale.ROOT, " (error %+.1f %%)",
                        (observed - p.predictedMakespanUs()) * 100.0 / observed) : "");
    }

    /** The run's plan as the live API writes it (GET /dags/{run}/plan), for the results folder. */
    static JsonObject plan(RunPlan p) {
        return com.google.gson.JsonParser.parseString(p.json()).getAsJsonObject();
    }

    /** The --json output: the status as the live API writes it, with the makespan and the task count. */
    static JsonObject toJson(Simulation.WorkflowOutcome o) {
        JsonObject out = status(o);
        out.addProperty("makespan_us", o.status().elapsedUs());
        out.addProperty("tasks", o.status().tasks());
        return out;
    }
}
