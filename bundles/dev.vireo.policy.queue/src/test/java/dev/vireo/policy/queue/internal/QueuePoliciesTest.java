package dev.vireo.policy.queue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuedInvocation;
import dev.vireo.api.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueuePoliciesTest {
    private long seq;

    private final Map<String, FunctionStats> stats = Map.of(
            "slow-1", new FunctionStats(10, 0, 0, 900_000, 0, 0, 0, 0),
            "fast-1", new FunctionStats(10, 0, 0, 1_000, 0, 0, 0, 0));

    private final QueueContext context = new QueueContext() {
        @Override
        public Clock clock() {
            return new Clock() {
                @Override
                public long nanoTime() {
                    return 0;
                }

                @Override
                public Instant now() {
                    return Instant.EPOCH;
                }
            };
        }

        @Override
        public FunctionStats stats(String functionId) {
            return stats.getOrDefault(functionId, FunctionStats.EMPTY);
        }
    };

    private QueuedInvocation q(String name, long declaredWarmMs) {
        return q(name, declaredWarmMs, false);
    }

    private QueuedInvocation q(String name, long declaredWarmMs, boolean warm) {
        FunctionSpec f = new FunctionSpec(name, "1", "img", "", "", "", Compute.CPU, "uds", 128, 1,
                Duration.ofSeconds(1), 1, new ExpectedTimings(0, declaredWarmMs));
        long s = ++seq;
        return new QueuedInvocation(new Invocation("t" + s, f.id(), "{}", s * 1_000_000), f, s, s, warm);
    }

    private static List<String> order(InvocationQueue queue) {
        List<String> out = new java.util.ArrayList<>();
        for (QueuedInvocation x; (x = queue.poll()) != null;) {
            out.add(x.invocation().tid());
        }
        return out;
    }

    @Test
    void fcfsKeepsAdmissionOrder() {
        InvocationQueue queue = new FcfsQueuePolicy().newQueue(context);
        queue.offer(q("slow", 0));
        queue.offer(q("fast", 0));
        queue.offer(q("slow", 0));
        assertEquals("t1", queue.peek().invocation().tid());
        assertEquals(List.of("t1", "t2", "t3"), order(queue));
        assertNull(queue.poll());
    }

    @Test
    void sjfRunsShortestHistoryFirstThenDeclaredTimesThenArrival() {
        InvocationQueue queue = new SjfQueuePolicy().newQueue(context);
        queue.offer(q("slow", 0));   // t1: 900 ms history
        queue.offer(q("fast", 0));   // t2: 1 ms history
        queue.offer(q("new", 5));    // t3: unknown history, declares 5 ms
        queue.offer(q("fast", 0));   // t4: 1 ms, after t2
        assertEquals(List.of("t2", "t4", "t3", "t1"), order(queue));
    }

    @Test
    void edfOrdersByArrivalPlusExpectedTimeTimesSlack() {
        InvocationQueue queue = new EdfQueuePolicy(new EdfQueuePolicy.Config() {
            @Override
            public double slack() {
                return 2.0;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return EdfQueuePolicy.Config.class;
            }
        }).newQueue(context);
        queue.offer(q("slow", 0));   // t1 at 1 ms: deadline 1 ms + 1800 ms
        queue.offer(q("x", 10));     // t2 at 2 ms: deadline 2 + 20 = 22 ms
        queue.offer(q("fast", 0));   // t3 at 3 ms: deadline 3 + 2 = 5 ms
        queue.offer(q("y", 1));      // t4 at 4 ms: deadline 4 + 2 = 6 ms
        assertEquals(List.of("t3", "t4", "t2", "t1"), order(queue));
    }

    @Test
    void coldPriorityRunsInvocationsWithoutAWarmContainerFirst() {
        InvocationQueue queue = new ColdPriorityQueuePolicy().newQueue(context);
        queue.offer(q("a", 0, true));
        queue.offer(q("b", 0, false));
        queue.offer(q("c", 0, true));
        queue.offer(q("d", 0, false));
        assertEquals(List.of("t2", "t4", "t1", "t3"), order(queue));
    }

    @Test
    void mqfqSharesServiceFairlyAcrossFunctionsWhateverTheBurst() {
        InvocationQueue queue = new MqfqQueuePolicy().newQueue(context);
        for (int i = 0; i < 6; i++) {
            queue.offer(q("burst", 10)); // t1..t6: one function floods the queue
        }
        queue.offer(q("other", 10));     // t7
        queue.offer(q("other", 10));     // t8
        List<String> first4 = order(queue).subList(0, 4);
        assertEquals(List.of("t1", "t7", "t2", "t8"), first4);
        queue.offer(q("burst", 10));
        queue.offer(q("other", 10));
        assertEquals(2, queue.size());
        assertEquals(List.of("t9", "t10"), queue.drain().stream().map(x -> x.invocation().tid()).toList());
        assertNull(queue.peek());
    }

    @Test
    void drainReturnsEverythingInArrivalOrderAndEmptiesTheQueue() {
        InvocationQueue queue = new SjfQueuePolicy().newQueue(context);
        queue.offer(q("slow", 0));
        queue.offer(q("fast", 0));
        queue.offer(q("slow", 0));
        assertEquals(List.of("t1", "t2", "t3"), queue.drain().stream().map(x -> x.invocation().tid()).toList());
        assertEquals(0, queue.size());
    }
}
