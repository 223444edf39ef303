package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.TestTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker on real threads, racing the test's thread on purpose: creations and executions finish on the scheduler's
 * threads while the test unregisters and registers again. Nothing here sleeps or polls: it waits on the invocations'
 * futures. Everything that only waits for time to pass is in {@link WorkerCoreTest}, on the virtual clock.
 */
class WorkerCoreRaceTest {
    private final TestTime time = new TestTime();
    private final Fakes.Backend backend = new Fakes.Backend(time);
    private final Fakes.Capacity slots = new Fakes.Capacity("concurrency", 2, r -> r.slots());
    private final Fakes.Capacity memory = new Fakes.Capacity("memory", 512, r -> r.memoryMb());
    private final TestRegistry registry = new TestRegistry()
            .put(ContainerBackend.class, "fake", backend).put(AgentTransport.class, "fake", backend)
            .put(ResourceTracker.class, "concurrency", slots).put(ResourceTracker.class, "memory", memory)
            .put(QueuePolicy.class, "fifo", Fakes.FIFO).put(KeepAlivePolicy.class, "oldest", Fakes.OLDEST_IDLE);
    private final WorkerCore worker = new WorkerCore(registry, time, time, new WorkerOptions("w", 10_000,
            Duration.ofSeconds(60), Duration.ofMillis(50), 1_000, Duration.ofSeconds(1), 5, java.util.List.of()), Fakes.meters(),
            () -> new HostMemory.Reading(1_000, 900));

    @AfterEach
    void close() {
        worker.close();
        time.close();
    }

    /** A function whose agents answer the payload "whoami" with {@code image} (its code, as far as tests can tell). */
    private static FunctionSpec fn(String name, String image, int memoryMb, long timeoutMs) {
        return new FunctionSpec(name, "1", image, "", "", "", Compute.CPU, "fake", memoryMb, 0.1,
                Duration.ofMillis(timeoutMs), 1, null);
    }

    @Test
    void invocationsRacingUnregisterAndReRegisterOnlyGetTheirOwnRegistrationsCode() throws Exception {
        backend.createMs = 2; // containers are often still starting when their registration goes
        record Sent(int version, CompletableFuture<InvocationRecord> record) {
        }
        List<Sent> sent = new ArrayList<>();
        int versions = 40;
        for (int v = 1; v <= versions; v++) {
            worker.register(fn("a", "v" + v, 64, 5_000));
            for (int i = 0; i < 8; i++) {
                sent.add(new Sent(v, worker.invoke(null, "a-1", "\"whoami\"").toCompletableFuture()));
            }
            if (v % 4 == 0) { // now and then the invocations of a registration finish before it goes
                sent.get(sent.size() - 1).record().get(10, TimeUnit.SECONDS);
            }
            if (v < versions) {
                worker.unregister("a-1");
            }
        }
        int succeeded = 0;
        for (Sent s : sent) {
            InvocationRecord r = s.record().get(10, TimeUnit.SECONDS);
            if (r.success()) {
                assertEquals("\"v" + s.version() + "\"", r.result(), "served by its own registration's container");
                succeeded++;
            } else {
                assertEquals(ErrorKind.CANCELLED, r.error().orElseThrow().kind(), r.toString());
            }
        }
        assertTrue(succeeded >= 8, "at least the last registration's invocations ran: " + succeeded);
        InvocationRecord last = worker.invoke(null, "a-1", "\"whoami\"").toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertEquals("\"v" + versions + "\"", last.result());

        worker.unregister("a-1");
        var status = worker.status();
        assertEquals(0, status.containersIdle() + status.containersRunning(), status.toString());
        assertEquals(backend.created.size(), backend.destroyed.size(), "every container of every registration is gone");
        assertEquals(0, memory.usage().used());
        assertEquals(0, slots.usage().used());
    }
}
