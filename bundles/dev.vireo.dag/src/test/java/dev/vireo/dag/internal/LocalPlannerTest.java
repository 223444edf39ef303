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

    /**
     * The prediction follows the runtime's placement: tasks worth a hop (5 ms) spill onto the peer while the home's two
     * slots are taken, those left wait at home; the plan still names no worker.
     */
    @Test
    void itPredictsTheSpillOntoAPeerOfTasksWorthAHop() {
        DagSpec fan = TestPlanning.dag(List.of("r", "b0", "b1", "b2", "b3", "b4", "b5", "s"), "r>b0", "r>b1", "r>b2",
                "r>b3", "r>b4", "r>b5", "b0>s", "b1>s", "b2>s", "b3>s", "b4>s", "b5>s");
        TestPlanning c = new TestPlanning("home", "B").exec(1_000, "r", "s").exec(5_000, "b0", "b1", "b2", "b3", "b4",
                "b5");
        c.slots.put("home", 2);
        c.slots.put("B", 2);
        c.hopUs = 100;
        DagPlan plan = new LocalPlanner().plan(fan, c);
        plan.steps().forEach(step -> assertEquals("", step.worker()));
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        // r 0-1000; b0, b1 at home 1000-6000; b2, b3 on B after the hop 1100-6100; b4, b5 at home 6000-11000;
        // s after the last input back home: 11000-12000
        assertEquals(1_000, s.get("b0").startUs());
        assertEquals(1_100, s.get("b2").startUs());
        assertEquals(6_000, s.get("b4").startUs());
        assertEquals(12_000, plan.predictedMakespanUs());
        // alone: three rounds at home
        assertEquals(17_000, new LocalPlanner().plan(fan, new TestPlanning("home").exec(1_000, "r", "s")
                .exec(5_000, "b0", "b1", "b2", "b3", "b4", "b5").slotsOf("home", 2)).predictedMakespanUs());
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
