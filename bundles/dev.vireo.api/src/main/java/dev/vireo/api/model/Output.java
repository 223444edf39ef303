package dev.vireo.api.model;

import java.util.Objects;

/**
 * What a function wrote to its standard output and standard error during one invocation, as its agent captured it:
 * the beginning of each, up to the agent's limit ({@code VIREO_OUTPUT_LIMIT_BYTES}, 64 KiB of UTF-8 by default, per
 * stream). Output of other threads than the invocation's, or written below the language's streams (a subprocess, a
 * C library writing to file descriptor 1), is not in it.
 *
 * @param stdout    what it wrote to stdout, empty if nothing
 * @param stderr    what it wrote to stderr, empty if nothing
 * @param truncated whether either was longer than the limit: then it holds the first bytes of it only
 */
public record Output(String stdout, String stderr, boolean truncated) {
    /** No output: the function wrote nothing, or the invocation never reached an agent. */
    public static final Output NONE = new Output("", "", false);

    public Output {
        stdout = Objects.requireNonNullElse(stdout, "");
        stderr = Objects.requireNonNullElse(stderr, "");
    }

    /** Whether there is nothing to show: both streams empty and nothing cut. */
    public boolean isEmpty() {
        return stdout.isEmpty() && stderr.isEmpty() && !truncated;
    }
}
