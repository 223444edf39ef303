package dev.vireo.api.dag;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A run of a workflow as it is now.
 *
 * @param run       the run id
 * @param name      the workflow's name
 * @param state     where the run is
 * @param submitted when it was submitted (the clock service's calendar)
 * @param elapsedUs microseconds from submission to its end, or to now while it runs
 * @param counts    tasks per state (every state present)
 * @param records   one record per task, in workflow order; empty in a listing
 * @param failure   the first task failure that failed the run, when one did (task id: message)
 */
public record RunStatus(String run, String name, RunState state, Instant submitted, long elapsedUs,
        Map<TaskState, Integer> counts, List<TaskRecord> records, Optional<String> failure) {
    public RunStatus {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(state, "state");
        counts = Map.copyOf(counts);
        records = List.copyOf(records);
        failure = Objects.requireNonNullElse(failure, Optional.empty());
    }

    /** Tasks in all. */
    public int tasks() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Tasks that are done (succeeded, failed, skipped or cancelled). */
    public int finished() {
        return counts.entrySet().stream().filter(e -> e.getKey().done()).mapToInt(Map.Entry::getValue).sum();
    }
}
