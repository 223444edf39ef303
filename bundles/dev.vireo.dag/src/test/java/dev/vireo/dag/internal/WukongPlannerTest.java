package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WukongPlannerTest {
    /** "worker/group" of each task. */
    static void assertPlaced(DagPlan plan, Map<String, String> expected) {
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        expected.forEach((t, where) -> assertEquals(where, s.get(t).worker() + "/" + s.get(t).group(), t));
    }

    @Test
    void aFanOutsFirstChildContinuesTheOthersAreDealtTheFanInGoesToItsFirstInput() {
        DagSpec dag = TestPlanning.dag(List.of("s", "a", "b", "c", "j"), "s>a", "s>b", "s>c", "a>j", "b>j", "c>j");
        DagPlan plan = new WukongPlanner().plan(dag, new TestPlanning("h", "w2", "w3").exec(1_000, "s"));
        // one input on each worker: the tie goes to the first predecessor's worker (a, on h, in s's group)
        assertPlaced(plan, Map.of("s", "h/s", "a", "h/s", "b", "w2/b", "c", "w3/c", "j", "h/s"));
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        assertEquals(List.of(2, 1, 1, 1, 0), List.of(s.get("s").priority(), s.get("a").priority(),
                s.get("b").priority(), s.get("c").priority(), s.get("j").priority()));
        plan.steps().forEach(step -> {
            assertEquals(-1, step.startUs());
            assertEquals(-1, step.finishUs());
            assertFalse(step.prewarm());
        });
        assertEquals(0, plan.predictedMakespanUs(), "no profile: predicts nothing even where predictions exist");
    }

    @Test
    void aChainIsOneGroup() {
        DagSpec dag = TestPlanning.dag(List.of("a", "b", "c", "d"), "a>b", "b>c", "c>d");
        assertPlaced(new WukongPlanner().plan(dag, new TestPlanning("h", "w2")),
                Map.of("a", "h/a", "b", "h/a", "c", "h/a", "d", "h/a"));
    }

    @Test
    void aTreeReduce() {
        DagSpec dag = TestPlanning.dag(List.of("l1", "l2", "l3", "l4", "r1", "r2", "top"), "l1>r1", "l2>r1", "l3>r2",
                "l4>r2", "r1>top", "r2>top");
        // leaves dealt h, w2, w3, h; each reduce has one input on each of two workers: its first input's
        assertPlaced(new WukongPlanner().plan(dag, new TestPlanning("h", "w2", "w3")), Map.of("l1", "h/l1", "l2",
                "w2/l2", "l3", "w3/l3", "l4", "h/l4", "r1", "h/l1", "r2", "w3/l3", "top", "h/l1"));
    }

    @Test
    void aFanInGoesWhereMostOfItsInputsAre() {
        // sources dealt h, w2, h; j's first input is on w2, but two of three are on h
        DagSpec dag = TestPlanning.dag(List.of("s1", "s2", "s3", "j"), "s2>j", "s1>j", "s3>j");
        assertPlaced(new WukongPlanner().plan(dag, new TestPlanning("h", "w2")),
                Map.of("s1", "h/s1", "s2", "w2/s2", "s3", "h/s3", "j", "h/s1"));
    }
}
