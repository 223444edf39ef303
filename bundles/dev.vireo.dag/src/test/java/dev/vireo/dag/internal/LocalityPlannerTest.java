package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalityPlannerTest {
    @Test
    void twoDisconnectedChainsLandOnTwoWorkersEachOneGroup() {
        DagSpec dag = TestPlanning.dag(List.of("b1", "b2", "a1", "a2", "a3"), "a1>a2", "a2>a3", "b1>b2");
        TestPlanning c = new TestPlanning("home", "B").exec(100, "a1", "a2", "a3", "b1", "b2");
        c.hopUs = 10;
        DagPlan plan = new LocalityPlanner().plan(dag, c);
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        // the larger component (a, 300 us) on home, the other on B
        for (String t : List.of("a1", "a2", "a3")) {
            assertEquals("home/a1", s.get(t).worker() + "/" + s.get(t).group(), t);
        }
        for (String t : List.of("b1", "b2")) {
            assertEquals("B/b1", s.get(t).worker() + "/" + s.get(t).group(), t);
        }
        assertEquals(200, s.get("b2").finishUs());
        assertEquals(300, plan.predictedMakespanUs(), "the two chains side by side");
        plan.steps().forEach(step -> assertFalse(step.prewarm()));
    }

    static DagSpec fanIn = TestPlanning.dag(List.of("x", "y", "z"), "x>z", "y>z");

    /** x (10 us) and y (50 us) feed z; y, with more work, is the source on home, x goes to B. */
    static TestPlanning fanIn(long xBytes, long yBytes) {
        TestPlanning c = new TestPlanning("home", "B").exec(10, "x").exec(50, "y").exec(5, "z");
        c.hopUs = 10;
        c.bytes.put("x", xBytes);
        c.bytes.put("y", yBytes);
        return c;
    }

    @Test
    void aFanInRunsWhereItsBigInputIs() {
        DagPlan plan = new LocalityPlanner().plan(fanIn, fanIn(10_000_000, 1_000));
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        assertEquals("home", s.get("y").worker());
        assertEquals("B", s.get("x").worker());
        assertEquals("B", s.get("z").worker(), "10 MB on B, 1 kB on home");
        // y's 1 kB moves: 50 + a hop of 10 + 1,000 x 0.01
        assertEquals(70, s.get("z").startUs());
        assertEquals(75, plan.predictedMakespanUs());
        // each task its own group: no chain here
        assertEquals(List.of("x", "y", "z"), List.of(s.get("x").group(), s.get("y").group(), s.get("z").group()));
    }

    @Test
    void aFanInWhoseBigInputIsHomeRunsHome() {
        Map<String, DagPlan.Step> s = TestPlanning.steps(new LocalityPlanner().plan(fanIn, fanIn(1_000, 10_000_000)));
        assertEquals("B", s.get("x").worker());
        assertEquals("home", s.get("z").worker());
    }

    @Test
    void equalInputsGoHome() {
        Map<String, DagPlan.Step> s = TestPlanning.steps(new LocalityPlanner().plan(fanIn, fanIn(5_000, 5_000)));
        assertEquals("home", s.get("z").worker());
    }
}
