package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.Prediction;
import dev.vireo.api.spi.dag.Sla;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CriticalPathPlannerTest {
    static final DagSpec DIAMOND = TestPlanning.dag(List.of("a", "b", "c", "d"), "a>b", "a>c", "b>d", "c>d");

    static TestPlanning diamond(long hopUs) {
        TestPlanning c = new TestPlanning("home", "B").exec(10, "a", "d").exec(50, "b").exec(20, "c");
        c.hopUs = hopUs;
        return c;
    }

    @Test
    void aDiamondsShortSideGoesOut() {
        DagPlan plan = new CriticalPathPlanner().plan(DIAMOND, diamond(5));
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        for (String t : List.of("a", "b", "d")) {
            assertEquals("home", s.get(t).worker(), t);
            assertTrue(s.get(t).prewarm(), t);
            assertTrue(s.get(t).priority() > s.get("c").priority(), t);
        }
        assertEquals("B", s.get("c").worker());
        assertFalse(s.get("c").prewarm());
        assertEquals(15, s.get("c").startUs(), "a's end + a hop");
        assertEquals(35, s.get("c").finishUs());
        assertEquals(60, s.get("d").startUs());
        assertEquals(70, plan.predictedMakespanUs(), "10 + 50 + 10: the critical path");
    }

    @Test
    void aSideTaskWhoseTransfersCostTooMuchStaysHome() {
        DagPlan plan = new CriticalPathPlanner().plan(DIAMOND, diamond(100));
        plan.steps().forEach(s -> assertEquals("home", s.worker(), s.taskId()));
        assertEquals(90, plan.predictedMakespanUs(), "one slot on home: all four one after the other");
    }

    @Test
    void aLongChainStaysHomeItsSideBranchesGoOut() {
        DagSpec dag = TestPlanning.dag(List.of("c1", "c2", "c3", "c4", "s1", "s2", "s3"), "c1>c2", "c2>c3", "c3>c4",
                "c1>s1", "c1>s2", "c2>s3", "s3>c4");
        TestPlanning c = new TestPlanning("home", "B", "C").exec(100, "c1", "c2", "c3", "c4").exec(30, "s1", "s2")
                .exec(50, "s3");
        c.hopUs = 10;
        DagPlan plan = new CriticalPathPlanner().plan(dag, c);
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        for (String t : List.of("c1", "c2", "c3", "c4")) {
            assertEquals("home", s.get(t).worker(), t);
            assertTrue(s.get(t).prewarm(), t);
        }
        // s3 first (the highest rank off the path), to B; then s1 and s2 to the least loaded, C
        assertEquals("B", s.get("s3").worker());
        assertEquals("C", s.get("s1").worker());
        assertEquals("C", s.get("s2").worker());
        assertEquals(List.of(110L, 140L), List.of(s.get("s1").startUs(), s.get("s2").startUs()));
        assertFalse(s.get("s1").prewarm());
        assertEquals(400, plan.predictedMakespanUs(), "the chain's length");
    }

    @Test
    void p90PredictsALongerRunThanP50() {
        DagSpec dag = TestPlanning.dag(List.of("a", "b", "c"), "a>b", "b>c");
        assertEquals(300, new CriticalPathPlanner().plan(dag, sla(Sla.P50)).predictedMakespanUs());
        assertEquals(900, new CriticalPathPlanner().plan(dag, sla(Sla.P90)).predictedMakespanUs());
    }

    /** A context whose predictions are in its SLA statistic: 100 us at p50, 300 us at p90. */
    static TestPlanning sla(Sla sla) {
        return new TestPlanning("home", "B") {
            @Override
            public Sla sla() {
                return sla;
            }

            @Override
            public Prediction predict(String functionId) {
                return new Prediction(functionId, sla() == Sla.P90 ? 300 : 100, 0, 0, 0, 10);
            }
        };
    }
}
