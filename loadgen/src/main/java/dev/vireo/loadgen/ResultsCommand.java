package dev.vireo.loadgen;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vireo results compare RUN RUN... | report RUN}: runs side by side; a run's report drawn again (an invocation
 * run's or, for a folder of {@code dag report}, a workflow run's).
 */
@Command(name = "results", description = "Compare runs; redraw a run's report.",
        subcommands = {ResultsCommand.Compare.class, ResultsCommand.Redraw.class})
public final class ResultsCommand {
    static Path checked(CommandSpec spec, Path dir) {
        if (!Files.isRegularFile(dir.resolve(Results.DB))) {
            throw new ParameterException(spec.commandLine(), dir + " is not a results folder (no " + Results.DB + ")");
        }
        return dir;
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "The statistics of two or more runs side by side, each against the first (SQL over their"
                    + " DuckDB files).")
    static final class Compare implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "2..*", paramLabel = "RUN", description = "results folders (at least two)")
        java.util.List<Path> runs;

        @Option(names = "--json", description = "print the comparison as JSON")
        boolean json;

        @Option(names = "--html", paramLabel = "DIR", description = "also write compare.html there: the runs' latency"
                + " CDFs overlaid, p50/p99 and cold-start bars, the table")
        Path html;

        @Override
        public Integer call() throws Exception {
            for (Path p : runs) {
                checked(spec, p);
                if (DagResults.isDagFolder(p)) {
                    throw new ParameterException(spec.commandLine(), p + " holds a workflow run (table tasks):"
                            + " compare compares invocation runs (query their records.duckdb files instead)");
                }
            }
            JsonObject c = Results.compare(runs);
            if (json) {
                System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(c));
            } else {
                Results.printComparison(c, System.out);
            }
            if (html != null) {
                java.util.List<String> labels = new java.util.ArrayList<>();
                for (int i = 0; i < runs.size(); i++) {
                    labels.add(Results.label(i) + " " + runs.get(i).toAbsolutePath().normalize().getFileName());
                }
                Path page = ComparisonReport.write(html, "Comparison of " + runs.size() + " runs", runs, labels);
                (json ? System.err : System.out).println("comparison: " + page.toAbsolutePath());
            }
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true, description = "Draw a run's report.html again.")
    static final class Redraw implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "RUN")
        Path dir;

        @Override
        public Integer call() throws Exception {
            JsonObject summary = JsonParser.parseString(Files.readString(checked(spec, dir).resolve("summary.json")))
                    .getAsJsonObject();
            if (DagResults.isDagFolder(dir)) {
                DagReport.write(dir, summary);
            } else {
                Report.write(dir, summary);
            }
            System.out.println("report: " + dir.toAbsolutePath().resolve("report.html"));
            return 0;
        }
    }
}
