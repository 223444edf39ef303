package dev.vireo.policy.balance.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.spi.balance.Balancer;
import dev.vireo.api.spi.balance.WorkerView;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinPolicyTest {
    @Test
    void cyclesOverHealthyWorkersOnly() {
        Balancer b = new RoundRobinPolicy().newBalancer(null);
        List<WorkerView> workers = List.of(new WorkerView("w1", "", 0, 0, 4, 0, true),
                new WorkerView("w2", "", 0, 0, 4, 0, false), new WorkerView("w3", "", 0, 0, 4, 0, true));
        List<String> picks = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            picks.add(b.pick("t" + i, "f-1", workers).orElseThrow().id());
        }
        assertEquals(List.of("w1", "w3", "w1", "w3"), picks);
        assertTrue(b.pick("t", "f-1", List.of(new WorkerView("w2", "", 0, 0, 1, 0, false))).isEmpty());
    }
}
