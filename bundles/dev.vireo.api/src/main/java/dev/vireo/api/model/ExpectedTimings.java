package dev.vireo.api.model;

/**
 * Timings a registration may declare ahead of any history, used by policies (SJF, EDF) and by the simulated
 * backend. Zero means "unknown".
 *
 * @param coldStartMs time to create a container and get its agent ready
 * @param warmMs      execution time of one warm invocation
 */
public record ExpectedTimings(long coldStartMs, long warmMs) {
    public static final ExpectedTimings UNKNOWN = new ExpectedTimings(0, 0);
    /** Largest declared timing, ms. */
    public static final long MAX_MS = 3_600_000;

    public ExpectedTimings {
        ValidationException.range("expected_cold_start_ms", coldStartMs, 0, MAX_MS, "ms");
        ValidationException.range("expected_warm_ms", warmMs, 0, MAX_MS, "ms");
    }
}
