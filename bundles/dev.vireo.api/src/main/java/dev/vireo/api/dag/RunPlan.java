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

    /**
     * The plan as the APIs show it and stores keep it (docs/api.md, "Workflows"): compact JSON text
     * {@code {"run","planner","home","sla","predicted_makespan_us","steps":[{"task","worker","group","prewarm",
     * "priority","start_us","finish_us"}]}}. One writer for every place that writes a plan.
     */
    public String json() {
        StringBuilder out = new StringBuilder(96 + 112 * steps.size()).append("{\"run\":");
        dev.vireo.api.validation.JsonText.quote(run, out);
        out.append(",\"planner\":");
        dev.vireo.api.validation.JsonText.quote(planner, out);
        out.append(",\"home\":");
        dev.vireo.api.validation.JsonText.quote(home, out);
        out.append(",\"sla\":");
        dev.vireo.api.validation.JsonText.quote(sla, out);
        out.append(",\"predicted_makespan_us\":").append(predictedMakespanUs).append(",\"steps\":[");
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            out.append(i == 0 ? "{\"task\":" : ",{\"task\":");
            dev.vireo.api.validation.JsonText.quote(st.task(), out);
            out.append(",\"worker\":");
            dev.vireo.api.validation.JsonText.quote(st.worker(), out);
            out.append(",\"group\":");
            dev.vireo.api.validation.JsonText.quote(st.group(), out);
            out.append(",\"prewarm\":").append(st.prewarm()).append(",\"priority\":").append(st.priority())
                    .append(",\"start_us\":").append(st.startUs()).append(",\"finish_us\":").append(st.finishUs())
                    .append('}');
        }
        return out.append("]}").toString();
    }

    public RunPlan {
        Objects.requireNonNull(run, "run");
        planner = Objects.requireNonNullElse(planner, "");
        sla = Objects.requireNonNullElse(sla, "");
        home = Objects.requireNonNullElse(home, "");
        steps = List.copyOf(steps);
    }
}
