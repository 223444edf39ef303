package dev.vireo.loadgen;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A workflow run's plan as its results folder keeps it, read from the API's JSON of it ({@code GET /dags/{run}/plan},
 * docs/api.md, "Workflows"): the planner, the statistic it predicted with, the run's home, the predicted makespan and
 * per task where and when it was to run. Only what sits beside the records is kept (fusion groups, prewarming and
 * priorities are the plan's own business, shown by {@code dag plan}).
 *
 * @param predictedMakespanUs 0 when the planner predicted none
 * @param steps               task id -> what was planned for it
 */
record DagPlan(String planner, String sla, String home, long predictedMakespanUs, Map<String, Planned> steps) {
    /**
     * Where and when a task was to run.
     *
     * @param worker   the step's worker, or the plan's home when the step names none; empty when neither says
     * @param startUs  predicted start (µs after submission), -1 for none
     * @param finishUs predicted end, -1 for none
     */
    record Planned(String worker, long startUs, long finishUs) {
        static final Planned NONE = new Planned("", -1, -1);

        Planned {
            worker = Objects.requireNonNullElse(worker, "");
        }

        /** Whether it has a predicted start and end to draw. */
        boolean timed() {
            return startUs >= 0 && finishUs >= startUs;
        }
    }

    DagPlan {
        planner = Objects.requireNonNullElse(planner, "");
        sla = Objects.requireNonNullElse(sla, "");
        home = Objects.requireNonNullElse(home, "");
        steps = Map.copyOf(steps);
    }

    /** What was planned for {@code task}; {@link Planned#NONE} for a task the plan has no step for. */
    Planned planned(String task) {
        return steps.getOrDefault(task, Planned.NONE);
    }

    /** Whether the planner predicted the run's makespan. */
    boolean predicted() {
        return predictedMakespanUs > 0;
    }

    /** The plan in {@code json} (the API's form), or null for null or JSON null (a run or node without plans). */
    static DagPlan of(JsonObject json) {
        if (json == null) {
            return null;
        }
        String home = text(json, "home");
        Map<String, Planned> steps = new HashMap<>();
        if (json.has("steps") && json.get("steps").isJsonArray()) {
            for (JsonElement e : json.getAsJsonArray("steps")) {
                JsonObject s = e.getAsJsonObject();
                String worker = text(s, "worker");
                steps.put(s.get("task").getAsString(), new Planned(worker.isEmpty() ? home : worker,
                        number(s, "start_us", -1), number(s, "finish_us", -1)));
            }
        }
        return new DagPlan(text(json, "planner"), text(json, "sla"), home, number(json, "predicted_makespan_us", 0),
                steps);
    }

    private static String text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }

    private static long number(JsonObject o, String key, long absent) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? absent : e.getAsLong();
    }
}
