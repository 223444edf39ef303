package dev.vireo.api.spi.dag;

import java.util.Objects;

/**
 * What a planner expects of one function, in the run's {@link Sla} statistic, from its history (the workers' own
 * statistics and past workflow records).
 *
 * @param functionId  the function
 * @param executionUs its execution (the agent's own time), microseconds
 * @param coldStartUs what a cold start adds (a container made for it), microseconds
 * @param warmStartUs what a warm start adds (the platform's path to a warm container and back), microseconds
 * @param outputBytes the size of its output, bytes
 * @param samples     how many past executions this rests on; 0: nothing known (the figures are defaults)
 * @since 1.3
 */
public record Prediction(String functionId, long executionUs, long coldStartUs, long warmStartUs, long outputBytes,
        int samples) {
    public Prediction {
        Objects.requireNonNull(functionId, "functionId");
        executionUs = Math.max(0, executionUs);
        coldStartUs = Math.max(0, coldStartUs);
        warmStartUs = Math.max(0, warmStartUs);
        outputBytes = Math.max(0, outputBytes);
    }

    /** Whether anything is known of the function. */
    public boolean known() {
        return samples > 0;
    }
}
