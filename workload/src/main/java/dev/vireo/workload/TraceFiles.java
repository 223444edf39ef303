package dev.vireo.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The trace formats a replay reads, told apart by what is given: a folder is the Azure Functions 2019 dataset
 * ({@link AzureTrace}), a file headed {@value Azure2021Trace#HEADER} the Azure Functions 2021 invocation trace
 * ({@link Azure2021Trace}), a file headed {@value IluvatarTrace#HEADER} an Ilúvatar trace with its metadata file
 * ({@link IluvatarTrace}). One entry point for every command that takes a trace ({@code loadgen trace}, {@code sim},
 * {@code trace show}), with errors that name the option a user got wrong.
 */
public final class TraceFiles {
    /** A trace's format. */
    public enum Format {
        AZURE_2019("Azure Functions 2019 folder"), AZURE_2021("Azure Functions 2021 invocation trace"),
        ILUVATAR("Ilúvatar invocation file");

        private final String words;

        Format(String words) {
            this.words = words;
        }

        @Override
        public String toString() {
            return words;
        }
    }

    private TraceFiles() {
    }

    /** The format of the trace at {@code path}; an error saying what each format looks like if it is none of them. */
    public static Format format(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return Format.AZURE_2019;
        }
        if (!Files.exists(path)) {
            throw new IOException("trace " + path + " does not exist");
        }
        if (IluvatarTrace.is(path)) {
            return Format.ILUVATAR;
        }
        if (Azure2021Trace.is(path)) {
            return Format.AZURE_2021;
        }
        throw new IllegalArgumentException(path + " is not a trace this replay reads: an invocation file's first line"
                + " is " + IluvatarTrace.HEADER + " (Ilúvatar) or " + Azure2021Trace.HEADER + " (Azure Functions"
                + " 2021), and an Azure Functions 2019 trace is a folder");
    }

    /**
     * The trace's functions: {@code metadata} only for an Ilúvatar trace (null: found beside it), {@code days} only for
     * an Azure 2019 folder (empty: every day), {@code only} the functions chosen (empty: all; a hash not in the trace is
     * an error).
     */
    public static List<FunctionTrace> load(Path trace, Path metadata, List<Integer> days, List<String> only)
            throws IOException {
        Format format = format(trace);
        if (metadata != null && format != Format.ILUVATAR) {
            throw new IllegalArgumentException("--metadata goes with an Ilúvatar trace; " + trace + " is an " + format);
        }
        if (!days.isEmpty() && format != Format.AZURE_2019) {
            throw new IllegalArgumentException("--days goes with an Azure Functions 2019 folder; " + trace + " is an "
                    + format);
        }
        Set<String> chosen = new LinkedHashSet<>();
        only.forEach(h -> chosen.add(h.trim()));
        List<FunctionTrace> all = switch (format) {
            case AZURE_2019 -> AzureTrace.load(trace, days, chosen);
            case AZURE_2021 -> Azure2021Trace.load(trace, chosen);
            case ILUVATAR -> IluvatarTrace.load(trace, metadata != null ? metadata : IluvatarTrace.metadataFor(trace));
        };
        return AzureTrace.only(all, only, trace.toString());
    }
}
