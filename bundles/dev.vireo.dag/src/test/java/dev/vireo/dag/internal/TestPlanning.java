package dev.vireo.dag.internal;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import dev.vireo.api.spi.dag.Prediction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A planning context for planner tests: every task runs the function named like it; execution per task (the same on
 * every worker, or one figure per worker), no start-up unless set, transfer per edge or a hop plus predicted bytes
 * at 0.01 us per byte, 0 on the same worker.
 */
class TestPlanning implements PlanningContext {
    final List<String> workers;
    final Map<String, Long> exec = new HashMap<>();
    final Map<String, long[]> execOn = new HashMap<>();
    final Map<String, Long> bytes = new HashMap<>();
    final Map<String, Long> edge = new HashMap<>();
    final Map<String, Integer> slots = new HashMap<>();
    final Set<String> warm = new HashSet<>();
    long hopUs;
    long startUs;
    boolean known = true;

    TestPlanning(String... workers) {
        this.workers = List.of(workers);
    }

    TestPlanning slotsOf(String worker, int n) {
        slots.put(worker, n);
        return this;
    }

    TestPlanning exec(long us, String... tasks) {
        for (String t : tasks) {
            exec.put(t, us);
        }
        return this;
    }

    @Override
    public FunctionStats stats(String functionId) {
        return null;
    }

    @Override
    public List<String> workers() {
        return workers;
    }

    @Override
    public Prediction predict(String functionId) {
        return new Prediction(functionId, exec.getOrDefault(functionId, 0L), 0, 0, bytes.getOrDefault(functionId, 0L),
                known ? 10 : 0);
    }

    @Override
    public int slots(String worker) {
        return slots.getOrDefault(worker, 1);
    }

    @Override
    public boolean warm(String worker, String functionId) {
        return warm.contains(worker + "/" + functionId);
    }

    @Override
    public long executionUs(DagSpec.Task task, String worker) {
        long[] per = execOn.get(task.id());
        return per != null ? per[workers.indexOf(worker)] : PlanningContext.super.executionUs(task, worker);
    }

    @Override
    public long startUs(DagSpec.Task task, String worker) {
        return startUs;
    }

    @Override
    public long transferUs(DagSpec.Task from, DagSpec.Task to, String fromWorker, String toWorker) {
        if (fromWorker.equals(toWorker)) {
            return 0;
        }
        Long cost = edge.get(from.id() + ">" + to.id());
        return cost != null ? cost : hopUs + (long) (predict(from.functionId()).outputBytes() * transferUsPerByte());
    }

    /** A spec from "a>b" edges; tasks are the names given, in that order, each running the function of its name. */
    static DagSpec dag(List<String> tasks, String... edges) {
        List<DagSpec.Edge> e = new ArrayList<>();
        for (String s : edges) {
            String[] ab = s.split(">");
            e.add(new DagSpec.Edge(ab[0], ab[1]));
        }
        return new DagSpec("test", tasks.stream().map(t -> new DagSpec.Task(t, t)).toList(), e);
    }

    /** The plan's steps by task id. */
    static Map<String, DagPlan.Step> steps(DagPlan plan) {
        Map<String, DagPlan.Step> m = new HashMap<>();
        plan.steps().forEach(s -> m.put(s.taskId(), s));
        return m;
    }
}
