package dev.vireo.cli.command;

import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.dag.Sla;
import dev.vireo.cli.CliException;
import dev.vireo.cli.DagClient;
import dev.vireo.loadgen.LoadgenCommand;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code vireo dag ...}: workflows on a running worker (its HTTP API, /dags). */
@Command(name = "dag", description = "Submit workflows (DAGs of functions) and watch, fetch, cancel and delete their"
        + " runs on a running worker, and read what their planner planned; write a run's records and report into a"
        + " results folder.",
        subcommands = {DagCommand.Submit.class, DagCommand.Status.class, DagCommand.Result.class,
            DagCommand.Plan.class, DagCommand.Cancel.class, DagCommand.Delete.class, DagCommand.ListRuns.class,
            DagCommand.Report.class, dev.vireo.sim.SimDagCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 refused, or (--wait, result) the run failed or was cancelled, 2 bad usage,"
            + " 3 no worker answers."})
public final class DagCommand {
    @Command(name = "submit", description = "Submit a workflow spec (JSON, docs/api.md \"Workflows\"); prints the"
            + " run id.")
    static final class Submit implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "FILE", description = "the spec (- reads standard input)")
        String file;

        @Option(names = "--resume", paramLabel = "RUN", description = "reuse the outputs of the tasks that succeeded"
                + " in RUN (same function and args)")
        String resume;

        @Option(names = "--wait", description = "wait for the run to end (a progress bar on a terminal), then print"
                + " its result; exit 1 if it failed or was cancelled")
        boolean wait;

        @Option(names = "--sla", paramLabel = "STAT", converter = SlaOption.class,
                completionCandidates = SlaOption.class, description = "the statistic of past runs the run's plan"
                        + " predicts with: mean, p50, p90, p95 or p99 (sets \"sla\" in the spec, replacing the spec's"
                        + " own; the planner's default is p50)")
        Sla sla;

        @Override
        public Integer call() throws Exception {
            String spec = read(file);
            return target.dagClient().submit(sla == null ? spec : DagClient.withSla(spec, sla.id()), resume,
                    wait);
        }

        static String read(String file) throws IOException {
            try {
                if (file.equals("-")) {
                    return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(
                            System.in.readAllBytes())).toString();
                }
                return Files.readString(Path.of(file));
            } catch (CharacterCodingException e) {
                throw new CliException(CliException.FAILED, (file.equals("-") ? "standard input" : file)
                        + " is not UTF-8 text");
            }
        }
    }

    @Command(name = "status", description = "A run: its state, and each task's state, attempts, worker and timings.")
    static final class Status implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "RUN")
        String run;

        @Option(names = "--watch", description = "show the run's progress until it ends (a progress bar on a"
                + " terminal, else a line per change), then its status")
        boolean watch;

        @Override
        public Integer call() throws Exception {
            return target.dagClient().status(run, watch);
        }
    }

    @Command(name = "result", description = "The outputs of a finished run's final tasks; exit 1 if it failed or was"
            + " cancelled, or has not finished.")
    static final class Result implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "RUN")
        String run;

        @Override
        public Integer call() throws Exception {
            return target.dagClient().result(run);
        }
    }

    /** {@code --sla}: read by the API's own {@link Sla#parse}: a bad value is a usage error naming the valid ones. */
    static final class SlaOption implements ITypeConverter<Sla>, Iterable<String> {
        @Override
        public Sla convert(String value) {
            try {
                return Sla.parse("sla", value);
            } catch (ValidationException e) {
                // picocli says "Invalid value for option '--sla': " before it
                throw new TypeConversionException(e.getMessage().substring(e.field().length() + 2));
            }
        }

        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Sla.values()).map(Sla::id).iterator();
        }
    }

    @Command(name = "plan", description = "A run's plan as its planner made it at submission: per task the worker,"
            + " fusion group, prewarming, priority and predicted start and finish (ms after submission), and the"
            + " predicted makespan (worker -: where its inputs are); dag status shows what happened.")
    static final class Plan implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "RUN")
        String run;

        @Override
        public Integer call() throws Exception {
            return target.dagClient().plan(run);
        }
    }

    @Command(name = "cancel", description = "Stop a run: nothing more starts (invocations in flight finish).")
    static final class Cancel implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "RUN")
        String run;

        @Override
        public Integer call() throws Exception {
            return target.dagClient().cancel(run);
        }
    }

    @Command(name = "delete", description = "Remove a run and all it stored (a running run is cancelled first).")
    static final class Delete implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "RUN")
        String run;

        @Override
        public Integer call() throws Exception {
            return target.dagClient().delete(run);
        }
    }

    @Command(name = "report", description = "Write a run's per-task records into a results folder (table tasks in"
            + " records.duckdb, tasks.parquet, tasks.csv, summary.json) and draw report.html: the graph (tasks"
            + " coloured by worker, the critical path marked) and a timeline per worker.")
    static final class Report implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "RUN")
        String run;

        @Option(names = "--out", paramLabel = "DIR", defaultValue = LoadgenCommand.RUNS_DIR,
                description = "folder of results folders (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--name", paramLabel = "NAME", description = "results folder name, new or empty"
                + " (default: dag-RUN)")
        String name;

        @Override
        public Integer call() throws Exception {
            return target.dagClient().report(run, out, name);
        }
    }

    @Command(name = "list", description = "The runs the worker keeps, newest first.")
    static final class ListRuns implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws Exception {
            return target.dagClient().list();
        }
    }
}
