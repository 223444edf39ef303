package dev.vireo.loadgen;

import dev.vireo.workload.AzureTrace;
import dev.vireo.workload.FunctionTrace;
import dev.vireo.workload.IluvatarTrace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Which trace a replay takes, the same for a live run ({@code loadgen trace}) and a simulation ({@code sim}): the
 * folder (Azure Functions 2019 schema) or the invocation file and metadata (Ilúvatar's format), the seed of its
 * schedule and drawn times, how many minutes, which functions.
 */
public final class TraceOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--trace", paramLabel = "DIR|FILE",
            description = "trace folder (Azure Functions 2019 files; make one with vireo trace synth), or an invocation"
                    + " file of Ilúvatar's load generator (func_name,invoke_time_ms)")
    public Path trace;

    @Option(names = "--metadata", paramLabel = "FILE", description = "the metadata file of an Ilúvatar trace"
            + " (func_name,cold_dur_ms,warm_dur_ms,mem_mb,...; default: NAME-metadata.csv or metadata-NAME.csv beside"
            + " NAME.csv)")
    public Path metadata;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the schedule and the drawn times")
    public long seed;

    @Option(names = "--minutes", defaultValue = "0", description = "only the first M minutes, 0-1440 (0: all)")
    public int minutes;

    @Option(names = "--only", paramLabel = "HASH,...", split = ",", description = "only these functions")
    public List<String> only = List.of();

    /** Checks the options (before any file is read). */
    public void check() {
        if (trace == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--trace=DIR|FILE'");
        }
        if (minutes < 0 || minutes > 1_440) {
            throw new ParameterException(spec.commandLine(), "--minutes must be 0-1440");
        }
    }

    /** The trace's functions (only those chosen); clear errors for a bad folder or file, or an unknown hash. */
    public List<FunctionTrace> load() throws IOException {
        if (IluvatarTrace.is(trace)) {
            Path meta = metadata != null ? metadata : IluvatarTrace.metadataFor(trace);
            return AzureTrace.only(IluvatarTrace.load(trace, meta), only, trace.toString());
        }
        if (metadata != null || java.nio.file.Files.isRegularFile(trace)) {
            throw new ParameterException(spec.commandLine(), trace + " is not an Ilúvatar invocation file (its first"
                    + " line must be " + IluvatarTrace.HEADER + ")" + (metadata != null ? "; --metadata goes with one"
                    : "; an Azure Functions 2019 trace is a folder"));
        }
        return AzureTrace.only(AzureTrace.load(trace), only, trace.toString());
    }

    /** What else a run's metadata needs to replay the same trace: the metadata file and the functions chosen. */
    public void describe(RunMetadata meta) {
        if (metadata != null) {
            meta.put("metadata", metadata.toAbsolutePath().normalize().toString());
        }
        if (!only.isEmpty()) {
            meta.put("only", String.join(",", only));
        }
    }

    public long limitMs() {
        return minutes * 60_000L;
    }
}
