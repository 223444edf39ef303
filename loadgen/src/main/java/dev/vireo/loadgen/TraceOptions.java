package dev.vireo.loadgen;

import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.TraceFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Which trace a replay takes, the same for a live run ({@code loadgen trace}) and a simulation ({@code sim}): the
 * folder (Azure Functions 2019 schema) and its days, the Azure Functions 2021 file, or the invocation file and
 * metadata (Ilúvatar's format): {@link TraceFiles}; the seed of its schedule and drawn times, how many minutes, which
 * functions.
 */
public final class TraceOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--trace", paramLabel = "DIR|FILE",
            description = "the trace: a folder of Azure Functions 2019 files (make one with vireo trace synth), the"
                    + " Azure Functions 2021 invocation file (app,func,end_timestamp,duration), or an invocation file of"
                    + " Ilúvatar's load generator (func_name,invoke_time_ms)")
    public Path trace;

    @Option(names = "--metadata", paramLabel = "FILE", description = "the metadata file of an Ilúvatar trace"
            + " (func_name,cold_dur_ms,warm_dur_ms,mem_mb,...; default: NAME-metadata.csv or metadata-NAME.csv beside"
            + " NAME.csv)")
    public Path metadata;

    @Option(names = "--days", paramLabel = "N[-M],...", description = "which days of an Azure Functions 2019 folder, one"
            + " after the other (e.g. 1-3 or 2,5; default: every day in the folder)")
    public String days;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the schedule and the drawn times")
    public long seed;

    @Option(names = "--minutes", defaultValue = "0", description = "only the first M minutes, 0-" + MAX_MINUTES
            + " (0: all)")
    public int minutes;

    @Option(names = "--only", paramLabel = "HASH,...", split = ",", description = "only these functions")
    public List<String> only = List.of();

    /** The longest trace replayed: 31 days. */
    static final int MAX_MINUTES = 31 * 1_440;

    /** Checks the options (before any file is read). */
    public void check() {
        if (trace == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--trace=DIR|FILE'");
        }
        if (minutes < 0 || minutes > MAX_MINUTES) {
            throw new ParameterException(spec.commandLine(), "--minutes must be 0-" + MAX_MINUTES);
        }
        dayList();
    }

    /** The days of {@code --days} in the order given (empty: every day). */
    public List<Integer> dayList() {
        if (days == null || days.isBlank()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (String part : days.split(",")) {
            String p = part.strip();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,3})(?:-(\\d{1,3}))?").matcher(p);
            int from = m.matches() ? Integer.parseInt(m.group(1)) : 0;
            int to = m.matches() && m.group(2) != null ? Integer.parseInt(m.group(2)) : from;
            if (from < 1 || to < from) {
                throw new ParameterException(spec.commandLine(), "--days '" + days + "': '" + p + "' is not a day"
                        + " number (1 and up) or a range N-M of them");
            }
            for (int d = from; d <= to; d++) {
                if (!out.contains(d)) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** The trace's functions (only those chosen); clear errors for a bad folder or file, or an unknown hash. */
    public List<FunctionTrace> load() throws IOException {
        try {
            return TraceFiles.load(trace, metadata, dayList(), only);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** What else a run's metadata needs to replay the same trace: the metadata file and the functions chosen. */
    public void describe(RunMetadata meta) {
        if (metadata != null) {
            meta.put("metadata", metadata.toAbsolutePath().normalize().toString());
        }
        if (!only.isEmpty()) {
            meta.put("only", String.join(",", only));
        }
        if (!dayList().isEmpty()) {
            meta.put("days", days.strip());
        }
    }

    public long limitMs() {
        return minutes * 60_000L;
    }
}
