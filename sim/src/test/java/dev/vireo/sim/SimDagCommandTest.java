package dev.vireo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code dag simulate} hands the results folder and prints of a run's plan, without a cluster. */
class SimDagCommandTest {
    static final String SPEC = "{\"tasks\":[{\"id\":\"a\",\"function\":\"a-1\"},"
            + "{\"id\":\"b\",\"function\":\"b-1\",\"after\":[\"a\"]}]}";

    /** a ran at home as planned; b was planned at home too but ran on worker-2; 80 ms predicted, 100 ms observed. */
    static Simulation.WorkflowOutcome outcome() {
        List<TaskRecord> records = List.of(
                new TaskRecord("a", "a-1", TaskState.SUCCEEDED, "worker-1", "cold", 1, 0, 0, 40_000, 0, 0, 30_000, 0,
                        10, 5, Optional.empty()),
                new TaskRecord("b", "b-1", TaskState.SUCCEEDED, "worker-2", "cold", 1, 0, 40_000, 100_000, 0, 0, 50_000,
                        0, 7, 3, Optional.empty()));
        RunStatus status = new RunStatus("run-1", "two", RunState.SUCCEEDED, Instant.parse("2026-01-01T00:00:00Z"),
                100_000, Map.of(TaskState.SUCCEEDED, 2), records, Optional.empty());
        RunPlan plan = new RunPlan("run-1", "local", "p50", "worker-1", 80_000, List.of(
                new RunPlan.Step("a", "", "", false, 1, 0, 40_000),
                new RunPlan.Step("b", "worker-1", "g1", true, 0, 40_000, 80_000)));
        return new Simulation.WorkflowOutcome(status, plan, Duration.ofMillis(100), Duration.ZERO);
    }

    @Test
    void thePlanIsWrittenAsTheLiveApiWritesIt() {
        assertEquals(JsonParser.parseString("""
                {"run":"run-1","planner":"local","home":"worker-1","sla":"p50","predicted_makespan_us":80000,"steps":[
                 {"task":"a","worker":"","group":"","prewarm":false,"priority":1,"start_us":0,"finish_us":40000},
                 {"task":"b","worker":"worker-1","group":"g1","prewarm":true,"priority":0,"start_us":40000,
                  "finish_us":80000}]}"""), SimDagCommand.plan(outcome().plan()));
    }

    @Test
    void theResultsFolderGetsTheSimulatedRunsPlan(@TempDir Path dir) throws Exception {
        Simulation.WorkflowOutcome o = outcome();
        JsonObject plan = dev.vireo.loadgen.DagResults.write(dir, SimDagCommand.status(o), SPEC,
                SimDagCommand.plan(o.plan()), new JsonObject()).getAsJsonObject("plan");
        assertEquals("local", plan.get("planner").getAsString());
        assertEquals(80.0, plan.get("predicted_makespan_ms").getAsDouble());
        assertEquals(100.0, plan.get("observed_makespan_ms").getAsDouble());
        assertEquals(20.0, plan.get("error_pct").getAsDouble(), 1e-9, "(100 - 80) / 100");
        assertEquals(JsonParser.parseString("{\"on_plan\":1,\"planned\":2}"), plan.get("tasks_where_planned"));
        assertEquals(10, plan.get("bytes_moved").getAsLong(), "b's 7 + 3 bytes, away from worker-1");
    }

    @Test
    void theConsoleLineSetsThePredictionBesideTheRun() {
        assertEquals("plan: local, sla p50, home worker-1: predicted 80.0 ms, observed 100.0 ms (error +20.0 %)",
                SimDagCommand.planLine(outcome()));
        Simulation.WorkflowOutcome o = outcome();
        RunPlan none = new RunPlan("run-1", "local", "p50", "", 0, List.of());
        assertEquals("plan: local, sla p50: nothing predicted, observed 100.0 ms",
                SimDagCommand.planLine(new Simulation.WorkflowOutcome(o.status(), none, o.simulated(), o.setupWall())));
    }
}
