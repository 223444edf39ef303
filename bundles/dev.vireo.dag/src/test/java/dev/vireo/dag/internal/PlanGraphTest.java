package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vireo.api.spi.dag.DagSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanGraphTest {
    @Test
    void duplicateEdgesCountOnceAndTheOrderIsTopological() {
        PlanGraph g = PlanGraph.of(TestPlanning.dag(List.of("d", "c", "b", "a"), "a>b", "a>b", "b>c", "a>d", "c>d"));
        assertArrayEquals(new int[] {2, 0}, g.succs[3]);
        assertArrayEquals(new int[] {1}, g.succs[2]);
        assertArrayEquals(new int[] {3}, g.preds[2]);
        assertArrayEquals(new int[] {3, 1}, g.preds[0]);
        assertArrayEquals(new int[] {3, 2, 1, 0}, g.order);
        assertArrayEquals(new int[] {0, 1, 2, 3}, g.heights());
    }

    @Test
    void theEvaluatorWaitsForLanesAndTransfers() {
        DagSpec dag = TestPlanning.dag(List.of("a", "b", "c", "d"), "a>b", "a>c", "a>d");
        TestPlanning c = new TestPlanning("w1", "w2").exec(100, "a", "b", "c", "d");
        c.hopUs = 7;
        c.startUs = 3;
        PlanGraph g = PlanGraph.of(dag);
        // b and c on w1 (one lane), d on w2; d first among the ready ones
        PlanGraph.Schedule s = g.evaluate(c, new String[] {"w1", "w1", "w1", "w2"}, new int[] {9, 1, 2, 5});
        assertArrayEquals(new long[] {3, 209, 106, 113}, s.start());
        assertArrayEquals(new long[] {103, 309, 206, 213}, s.finish());
        assertEquals(309, s.makespan());
        c.slots.put("w1", 2);
        assertEquals(213, g.evaluate(c, new String[] {"w1", "w1", "w1", "w2"}, new int[] {9, 1, 2, 5}).makespan());
    }
}
