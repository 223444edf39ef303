package dev.vireo.api.dag;

import java.util.List;
import java.util.Objects;

/**
 * A run's plan as its planner made it at submission: where each task was to run, what was fused and prewarmed, the
 * order among ready tasks, and the predicted times, beside which the run's records ({@link RunStatus}) show what
 * happened. Times in microseconds after the run's submission; -1 (0 for the makespan) where the planner predicts
 * none.
 *
 * @param run                 the run
 * @param planner             the planner's name (extension point {@code dag})
 * @param sla                 the statistic predictions were made in ({@code p50}, ...)
 * @param home                the worker the run lives on (where it was planned; a step with no worker runs there)
 * @param predictedMakespanUs the planner's estimate of the whole run, 0 if none
 * @param steps               one per task, in the plan's (topological) order
 * @since 1.3
 */
public record RunPlan(String run, String planner, String sla, String home, long predictedMakespanUs,
        List<Step> steps) {
    /**
     * @param task     the task
     * @param worker   where it was to run; empty: where its inputs are
     * @param group    its fusion group, empty for none
     * @param prewarm  whether its container was to start ahead of its inputs
     * @param priority higher starts first among ready tasks
     * @param startUs  predicted start, -1 if none
     * @param finishUs predicted end, -1 if none
     */
    public record Step(String task, String worker, String group, boolean prewarm, int priority, long startUs,
            long finishUs) {
        public Step {
            Objects.requireNonNull(task, "task");
            worker = Objects.requireNonNullElse(worker, "");
            group = Objects.requireNonNullElse(group, "");
        }
    }

    public RunPlan {
        Objects.requireNonNull(run, "run");
        planner = Objects.requireNonNullElse(planner, "");
        sla = Objects.requireNonNullElse(sla, "");
        home = Objects.requireNonNullElse(home, "");
        steps = List.copyOf(steps);
    }
}
