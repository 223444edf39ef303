package dev.vireo.api.dag;

import java.util.Map;
import java.util.Objects;

/**
 * The outputs of a finished run's sinks (the tasks nothing else needs), as the JSON text the functions returned.
 *
 * @param run     the run
 * @param state   how it ended
 * @param outputs sink task id -> its output, in workflow order; those that did not succeed are absent
 */
public record RunResult(String run, RunState state, Map<String, String> outputs) {
    public RunResult {
        Objects.requireNonNull(run, "run");
        outputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
    }
}
