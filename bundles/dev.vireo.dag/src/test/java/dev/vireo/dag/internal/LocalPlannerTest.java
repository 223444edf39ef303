package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalPlannerTest {
    static final DagSpec DIAMOND = TestPlanning.dag(List.of("a", "b", "c", "d"), "a>b", "a>c", "b>d", "c>d");

    @Test
    void everythingWhereItsInputsAreTheHighestFirstPredictedOnHome() {
        TestPlanning c = new TestPlanning("home", "B").exec(10, "a", "d").exec(50, "b").exec(20, "c");
        c.slots.put("home", 2);
        DagPlan plan = new LocalPlanner().plan(DIAMOND, c);
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        assertEquals(List.of("a", "b", "c", "d"), plan.steps().stream().map(DagPlan.Step::taskId).toList());
        assertEquals(List.of(2, 1, 1, 0), plan.steps().stream().map(DagPlan.Step::priority).toList());
        plan.steps().forEach(step -> {
            assertEquals("", step.worker());
            assertEquals("", step.group());
            assertFalse(step.prewarm());
        });
        // two slots on home: b and c side by side
        assertEquals(10, s.get("c").startUs());
        assertEquals(30, s.get("c").finishUs());
        assertEquals(60, s.get("d").startUs());
        assertEquals(70, plan.predictedMakespanUs());
        // one slot: one after the other
        c.slots.put("home", 1);
        assertEquals(90, new LocalPlanner().plan(DIAMOND, c).predictedMakespanUs());
    }

    @Test
    void nothingKnownPredictsNothing() {
        TestPlanning c = new TestPlanning("home").exec(10, "a", "b", "c", "d");
        c.known = false;
        DagPlan plan = new LocalPlanner().plan(DIAMOND, c);
        assertEquals(0, plan.predictedMakespanUs());
        plan.steps().forEach(step -> assertEquals(-1, step.startUs()));
        assertEquals(2, plan.steps().get(0).priority());
    }
}
