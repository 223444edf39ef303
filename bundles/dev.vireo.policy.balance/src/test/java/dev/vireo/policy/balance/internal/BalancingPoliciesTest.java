package dev.vireo.policy.balance.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.spi.balance.Balancer;
import dev.vireo.api.spi.balance.WorkerView;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BalancingPoliciesTest {
    private static WorkerView w(String id, int running, boolean healthy) {
        return new WorkerView(id, "", running, 0, 4, 0, healthy);
    }

    private static ChBlPolicy chbl(double bound) {
        return new ChBlPolicy(new ChBlPolicy.Config() {
            @Override
            public double bound() {
                return bound;
            }

            @Override
            public int replicas() {
                return 100;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return ChBlPolicy.Config.class;
            }
        });
    }

    @Test
    void leastLoadedTakesTheLowestLoadAndSharesTies() {
        Balancer b = new LeastLoadedPolicy().newBalancer(null);
        List<WorkerView> workers = List.of(w("a", 3, true), w("b", 1, true), w("c", 0, false), w("d", 1, true));
        Set<String> picks = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            picks.add(b.pick("t", "f-1", workers).orElseThrow().id());
        }
        assertEquals(Set.of("b", "d"), picks, "the two least loaded healthy workers, in turn");
        assertTrue(b.pick("t", "f-1", List.of(w("c", 0, false))).isEmpty());
    }

    @Test
    void leastEstimateTakesTheWorkerWhoseEstimateEndsSoonestElseTheLeastLoaded() {
        java.util.Map<String, Long> e2e = new java.util.HashMap<>(java.util.Map.of("a", 900L, "b", 300L, "c", 10L));
        dev.vireo.api.spi.balance.BalancerContext context = new dev.vireo.api.spi.balance.BalancerContext() {
            @Override
            public dev.vireo.api.time.Clock clock() {
                throw new UnsupportedOperationException();
            }

            @Override
            public dev.vireo.api.model.FunctionStats stats(String functionId) {
                return dev.vireo.api.model.FunctionStats.EMPTY;
            }

            @Override
            public java.util.Optional<dev.vireo.api.worker.Estimate> estimate(String workerId, String functionId) {
                Long us = e2e.get(workerId);
                return us == null ? java.util.Optional.empty() : java.util.Optional.of(new dev.vireo.api.worker
                        .Estimate(functionId, workerId, dev.vireo.api.model.ContainerState.WARM, 0, 0, us, us, 0, 0));
            }
        };
        Balancer b = new LeastEstimatePolicy().newBalancer(context);
        List<WorkerView> workers = List.of(w("a", 0, true), w("b", 3, true), w("c", 0, false), w("d", 0, true));
        assertEquals("b", b.pick("t", "f-1", workers).orElseThrow().id(),
                "b's estimate ends soonest of the healthy ones, however loaded it looks; d gives none; c is out");
        e2e.clear();
        assertEquals("a", b.pick("t", "f-1", workers).orElseThrow().id(), "no estimates: the least loaded");
        assertTrue(b.pick("t", "f-1", List.of(w("c", 0, false))).isEmpty());
    }

    @Test
    void chBlSticksToAWorkerPerFunctionAndSpreadsFunctions() {
        Balancer b = chbl(1.25).newBalancer(null);
        List<WorkerView> idle = List.of(w("a", 0, true), w("b", 0, true), w("c", 0, true), w("d", 0, true));
        Set<String> homes = new HashSet<>();
        for (int f = 0; f < 40; f++) {
            String home = b.pick("t", "fn-" + f, idle).orElseThrow().id();
            for (int i = 0; i < 5; i++) {
                assertEquals(home, b.pick("t", "fn-" + f, idle).orElseThrow().id(), "sticky");
            }
            homes.add(home);
        }
        assertEquals(4, homes.size(), "40 functions use every worker");
        assertEquals(chbl(1.25).newBalancer(null).pick("t", "fn-7", idle), b.pick("t", "fn-7", idle),
                "the same ring in another controller");
    }

    @Test
    void chBlSpillsPastAnOverloadedOrDeadHomeAndComesBack() {
        Balancer b = chbl(1.25).newBalancer(null);
        List<WorkerView> idle = List.of(w("a", 0, true), w("b", 0, true), w("c", 0, true));
        String home = b.pick("t", "f-1", idle).orElseThrow().id();
        List<WorkerView> busy = new ArrayList<>();
        for (WorkerView x : idle) {
            busy.add(x.id().equals(home) ? w(home, 8, true) : x);
        }
        String spill = b.pick("t", "f-1", busy).orElseThrow().id();
        assertNotEquals(home, spill, "the home is over 1.25 x the average load");
        List<WorkerView> dead = new ArrayList<>();
        for (WorkerView x : idle) {
            dead.add(x.id().equals(home) ? w(home, 0, false) : x);
        }
        assertNotEquals(home, b.pick("t", "f-1", dead).orElseThrow().id(), "not to a worker that stopped answering");
        assertEquals(home, b.pick("t", "f-1", idle).orElseThrow().id(), "back home once it is healthy and idle");
    }

    @Test
    void chBlRefusesABoundBelowOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> chbl(0.5));
        assertTrue(e.getMessage().contains("bound must be >= 1"), e.getMessage());
    }
}
