package dev.vireo.sim;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.plugin.ExtensionPoint;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The planners' comparison on virtual time: each graph under each planner on a simulated controller and two workers
 * (the same configuration folder as a live cluster, functions of {@code cpus} each, the sim backend's cold start),
 * run three times in one cluster and the third measured, as {@code ./vireo bench planners} does live. Figures as the
 * live benchmark computes them: makespan, the plan's prediction, container time, bytes moved off the run's home,
 * errors. Deterministic.
 */
public final class SimPlanners {
    private SimPlanners() {
    }

    /**
     * One row per graph and planner, in the order of {@code graphs} within {@code planners}.
     *
     * @param graphs graph name -> spec (JSON text)
     */
    public static JsonArray run(Map<String, String> graphs, List<String> planners, Configs configs, long coldMs,
            double cpus) throws java.io.IOException {
        JsonArray rows = new JsonArray();
        for (String planner : planners) {
            for (var g : graphs.entrySet()) {
                Simulation sim = new Simulation(new Simulation.Setup(List.of(), configs, 2, 1, 0,
                        Map.of(ExtensionPoint.DAG, planner), List.of(), Duration.ZERO));
                Simulation.WorkflowOutcome o = sim.runWorkflow(g.getValue(), coldMs, 1, cpus, 3);
                rows.add(row(g.getKey(), planner, o.status(), o.plan()));
            }
        }
        return rows;
    }

    static JsonObject row(String graph, String planner, RunStatus s, RunPlan plan) {
        long moved = 0;
        double containerUs = 0;
        int cold = 0;
        for (TaskRecord r : s.records()) {
            if (r.container().equals("cold")) {
                cold++;
            }
            if (!r.worker().equals(plan.home())) {
                moved += r.bytesIn() + r.bytesOut();
            }
            containerUs += Math.max(0, r.endUs() - r.startUs() - r.queuedUs());
        }
        int errors = s.counts().getOrDefault(TaskState.FAILED, 0) + s.counts().getOrDefault(TaskState.SKIPPED, 0)
                + s.counts().getOrDefault(TaskState.CANCELLED, 0);
        JsonObject o = new JsonObject();
        o.addProperty("graph", graph);
        o.addProperty("planner", planner);
        o.addProperty("planned_by", plan.planner());
        o.addProperty("tasks", s.records().size());
        o.addProperty("makespan_ms", Math.round(s.elapsedUs() / 100.0) / 10.0);
        o.addProperty("predicted_ms", Math.round(plan.predictedMakespanUs() / 100.0) / 10.0);
        if (plan.predictedMakespanUs() > 0 && s.elapsedUs() > 0) {
            o.addProperty("error_pct", Math.round(1000.0 * (s.elapsedUs() - plan.predictedMakespanUs())
                    / s.elapsedUs()) / 10.0);
        } else {
            o.add("error_pct", JsonNull.INSTANCE);
        }
        o.addProperty("container_s", Math.round(containerUs / 10_000.0) / 100.0);
        o.addProperty("bytes_moved", moved);
        o.addProperty("cold_starts", cold);
        o.addProperty("errors", errors);
        o.addProperty("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        return o;
    }
}
