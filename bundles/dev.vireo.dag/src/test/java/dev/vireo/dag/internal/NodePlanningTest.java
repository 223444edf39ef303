package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.spi.dag.Sla;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Warmth as a plan sees it: where this node saw a function run lately, and where a worker's status counts containers
 * of it now (a peer's containers that served the peer's own runs, which this node never saw).
 */
class NodePlanningTest {
    private static final FunctionStats TWO = FunctionStats.EMPTY.withContainers(2);

    @Test
    void aFunctionIsWarmWhereTheWorkersStatusCountsItsContainersAndEachPeerIsAskedOncePerPlan() {
        AtomicInteger asks = new AtomicInteger();
        NodePlanning p = new NodePlanning(Map.of("here-f", TWO), List.of("w1", "w2", "w3"), Sla.DEFAULT,
                new History(), 0, w -> 2, w -> {
                    asks.incrementAndGet();
                    return w.equals("w2") ? Map.of("leaf", TWO, "idle", FunctionStats.EMPTY) : Map.of();
                });
        assertTrue(p.warm("w1", "here-f"), "this node's own status came with the context");
        assertFalse(p.warm("w1", "leaf"));
        assertEquals(0, asks.get(), "this node is not asked");
        assertTrue(p.warm("w2", "leaf"), "the peer's pool holds containers of it");
        assertFalse(p.warm("w2", "idle"), "known there, no container now");
        assertFalse(p.warm("w3", "leaf"), "a peer that answers nothing: cold");
        p.warm("w2", "other");
        assertEquals(2, asks.get(), "w2 and w3 once each");
    }

    @Test
    void withoutStatusesOnlyWhatThisNodeSawRunCounts() {
        NodePlanning p = new NodePlanning(Map.of(), List.of("w1", "w2"), Sla.DEFAULT, new History(), 0, w -> 2);
        assertFalse(p.warm("w2", "leaf"));
    }
}
