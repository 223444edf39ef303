package dev.vireo.api.spi.dag;

import java.util.List;
import java.util.Objects;

/**
 * A plan: tasks in the order to start them, each with where and how.
 *
 * @param dag            the workflow name
 * @param steps          the planned tasks, in a topological order
 * @param predictedMakespanUs the planner's estimate of the whole run, 0 if it makes none
 */
public record DagPlan(String dag, List<Step> steps, long predictedMakespanUs) {

    /**
     * @param taskId   the task
     * @param worker   preferred worker, empty for "any" (the runtime: where the inputs are)
     * @param group    tasks with the same group run on one worker one after the other, the output passed on in
     *                 memory (fusion); empty for none
     * @param prewarm  start a container for this task ahead of its inputs
     * @param priority higher runs first among ready tasks
     * @param startUs  predicted start, microseconds after the run's submission; -1 if the planner predicts none
     * @param finishUs predicted end, microseconds after the run's submission; -1 if none
     */
    public record Step(String taskId, String worker, String group, boolean prewarm, int priority, long startUs,
            long finishUs) {
        public Step {
            Objects.requireNonNull(taskId, "taskId");
            worker = Objects.requireNonNullElse(worker, "");
            group = Objects.requireNonNullElse(group, "");
        }

        /** A step with no prediction. */
        public Step(String taskId, String worker, String group, boolean prewarm, int priority) {
            this(taskId, worker, group, prewarm, priority, -1, -1);
        }
    }

    public DagPlan {
        Objects.requireNonNull(dag, "dag");
        steps = List.copyOf(steps);
    }
}
