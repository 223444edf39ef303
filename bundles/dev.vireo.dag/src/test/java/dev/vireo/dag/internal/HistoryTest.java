package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vireo.api.spi.dag.Sla;
import org.junit.jupiter.api.Test;

/** What a node's history makes of what it saw: statistics in an SLA, and the measured cost of a hop to a peer. */
class HistoryTest {
    @Test
    void aHopsCostIsFittedFromWhatHopsTook() {
        History h = new History();
        for (int i = 0; i < 7; i++) {
            h.hop(1_000L * i, 300 + 10L * i);
        }
        assertNull(h.hopCost(), "fewer than 8 hops: nothing measured yet");
        h.hop(7_000, 370);
        // 300 us, then 0.01 us per byte: exactly on a line
        double[] cost = h.hopCost();
        assertEquals(300, cost[0], 1e-6);
        assertEquals(0.01, cost[1], 1e-9);
    }

    @Test
    void hopsOfOneSizeCostTheirMedian() {
        History h = new History();
        long[] us = {500, 200, 900, 300, 400, 800, 100, 600, 700};
        for (long u : us) {
            h.hop(64, u);
        }
        assertArrayEquals(new double[] {500, 0}, h.hopCost());
    }

    @Test
    void percentilesAreNearestRankAndTheMeanIsTheMean() {
        long[] ring = new long[History.SAMPLES];
        for (int i = 0; i < 10; i++) {
            ring[i] = (i + 1) * 10; // 10 .. 100
        }
        assertEquals(55, History.statistic(ring, 10, Sla.MEAN));
        assertEquals(50, History.statistic(ring, 10, Sla.P50));
        assertEquals(90, History.statistic(ring, 10, Sla.P90));
        assertEquals(100, History.statistic(ring, 10, Sla.P99));
        assertEquals(0, History.statistic(ring, 0, Sla.P50));
    }
}
