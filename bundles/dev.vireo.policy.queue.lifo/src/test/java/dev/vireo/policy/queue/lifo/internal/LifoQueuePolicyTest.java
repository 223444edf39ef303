package dev.vireo.policy.queue.lifo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueuedInvocation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifoQueuePolicyTest {
    @Test
    void newestFirstAndDrainInArrivalOrder() {
        FunctionSpec f = new FunctionSpec("f", "1", "img", "", "", "", Compute.CPU, "uds", 128, 1,
                Duration.ofSeconds(1), 1, null);
        InvocationQueue queue = new LifoQueuePolicy().newQueue(null);
        for (int i = 1; i <= 3; i++) {
            queue.offer(new QueuedInvocation(new Invocation("t" + i, f.id(), "", i), f, i, i, false));
        }
        assertEquals("t3", queue.poll().invocation().tid());
        assertEquals(List.of("t1", "t2"), queue.drain().stream().map(q -> q.invocation().tid()).toList());
        assertEquals(0, queue.size());
    }
}
