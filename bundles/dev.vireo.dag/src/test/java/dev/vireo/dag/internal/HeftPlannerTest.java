package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeftPlannerTest {
    /** Topcuoglu, Hariri, Wu 2002, Fig. 2: computation cost of n1..n10 on P1, P2, P3. */
    static final long[][] COST = {{14, 16, 9}, {13, 19, 18}, {11, 13, 19}, {13, 8, 17}, {12, 13, 10}, {13, 16, 9},
        {7, 15, 11}, {5, 11, 14}, {18, 12, 20}, {21, 7, 16}};
    /** Its edges with their communication cost (0 on one processor). */
    static final String[] EDGES = {"n1>n2:18", "n1>n3:12", "n1>n4:9", "n1>n5:11", "n1>n6:14", "n2>n8:19", "n2>n9:16",
        "n3>n7:23", "n4>n8:27", "n4>n9:23", "n5>n9:13", "n6>n8:15", "n7>n10:17", "n8>n10:11", "n9>n10:13"};

    static TestPlanning paper() {
        TestPlanning c = new TestPlanning("P1", "P2", "P3");
        for (int i = 0; i < COST.length; i++) {
            c.execOn.put("n" + (i + 1), COST[i]);
        }
        for (String e : EDGES) {
            String[] ec = e.split(":");
            c.edge.put(ec[0], Long.parseLong(ec[1]));
        }
        return c;
    }

    static DagSpec paperDag() {
        List<String> edges = new ArrayList<>();
        for (String e : EDGES) {
            edges.add(e.split(":")[0]);
        }
        return TestPlanning.dag(IntStream.rangeClosed(1, 10).mapToObj(i -> "n" + i).toList(),
                edges.toArray(String[]::new));
    }

    @Test
    void thePapersExampleTakes80() {
        DagPlan plan = new HeftPlanner().plan(paperDag(), paper());
        assertEquals(80, plan.predictedMakespanUs());
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        // Fig. 3(a): processor, start, finish of every task
        String[] expected = {"n1 P3 0 9", "n2 P1 27 40", "n3 P3 9 28", "n4 P2 18 26", "n5 P3 28 38", "n6 P2 26 42",
            "n7 P3 38 49", "n8 P1 57 62", "n9 P2 56 68", "n10 P2 73 80"};
        for (String e : expected) {
            String[] f = e.split(" ");
            DagPlan.Step step = s.get(f[0]);
            assertEquals(e, step.taskId() + " " + step.worker() + " " + step.startUs() + " " + step.finishUs());
        }
        // the rank order n1, n3, n4, n2, n5, n6, n9, n7, n8, n10 (ranks 108, 80, 80, 77, 69, 63.3, 44.3, 42.7, ...)
        List<String> byPriority = plan.steps().stream()
                .sorted((a, b) -> Integer.compare(b.priority(), a.priority())).map(DagPlan.Step::taskId).toList();
        assertEquals(List.of("n1", "n3", "n4", "n2", "n5", "n6", "n9", "n7", "n8", "n10"), byPriority);
        assertEquals(10, s.get("n1").priority());
        assertFalse(s.get("n1").prewarm(), "a source has nothing to overlap its start with");
        assertTrue(s.get("n10").prewarm());
    }

    @Test
    void upwardRanksAreThePapers() {
        PlanGraph g = PlanGraph.of(paperDag());
        double[] rank = g.upwardRank(paper());
        double[] expected = {108, 77, 80, 80, 69, 63.333, 42.667, 35.667, 44.333, 14.667};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], rank[i], 0.001, "rank of n" + (i + 1));
        }
    }

    @Test
    void costlyTransfersKeepAChainOnOneWorker() {
        TestPlanning c = new TestPlanning("w1", "w2", "w3").exec(100, "a", "b", "c", "d");
        c.hopUs = 1_000;
        DagPlan plan = new HeftPlanner().plan(TestPlanning.dag(List.of("a", "b", "c", "d"), "a>b", "b>c", "c>d"), c);
        plan.steps().forEach(s -> assertEquals("w1", s.worker(), s.taskId()));
        assertEquals(400, plan.predictedMakespanUs());
        assertEquals(300, TestPlanning.steps(plan).get("d").startUs());
    }

    @Test
    void cheapTransfersSpreadAFanOut() {
        TestPlanning c = new TestPlanning("w1", "w2", "w3").exec(100, "s", "a", "b", "c");
        c.hopUs = 10;
        DagPlan plan = new HeftPlanner().plan(TestPlanning.dag(List.of("s", "a", "b", "c"), "s>a", "s>b", "s>c"), c);
        Map<String, DagPlan.Step> s = TestPlanning.steps(plan);
        assertEquals("w1", s.get("a").worker());
        assertEquals(List.of("w1", "w2", "w3"), List.of(s.get("a").worker(), s.get("b").worker(), s.get("c").worker()));
        assertEquals(210, plan.predictedMakespanUs(), "100 + a hop of 10 + 100");
        // the same with a function warm on w2: no prewarm there
        c.warm.add("w2/b");
        assertFalse(TestPlanning.steps(new HeftPlanner().plan(TestPlanning.dag(List.of("s", "a", "b", "c"), "s>a",
                "s>b", "s>c"), c)).get("b").prewarm());
        assertTrue(s.get("b").prewarm());
    }

    @Test
    void twoSlotsRunTwoTasksAtOnce() {
        TestPlanning c = new TestPlanning("w1", "w2").exec(100, "s", "a", "b");
        c.hopUs = 1_000;
        c.slots.put("w1", 2);
        DagPlan plan = new HeftPlanner().plan(TestPlanning.dag(List.of("s", "a", "b"), "s>a", "s>b"), c);
        plan.steps().forEach(s -> assertEquals("w1", s.worker(), s.taskId()));
        assertEquals(200, plan.predictedMakespanUs());
    }

    @Test
    void aTaskFillsAnIdleGap() {
        TreeMap<Long, Long> lane = new TreeMap<>(Map.of(10L, 20L, 30L, 50L));
        assertEquals(0, HeftPlanner.gap(lane, 0, 10));
        assertEquals(20, HeftPlanner.gap(lane, 5, 10));
        assertEquals(50, HeftPlanner.gap(lane, 21, 10));
        assertEquals(50, HeftPlanner.gap(lane, 0, 11));
        assertEquals(60, HeftPlanner.gap(lane, 60, 5));
    }
}
