package dev.vireo.worker.internal;

import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.TestTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.worker.WorkerException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkerCoreTest {
    private final TestTime time = new TestTime();
    private final Fakes.Backend backend = new Fakes.Backend(time);
    private final Fakes.Capacity slots = new Fakes.Capacity("concurrency", 2, r -> r.slots());
    private final Fakes.Capacity memory = new Fakes.Capacity("memory", 512, r -> r.memoryMb());
    private final TestRegistry registry = new TestRegistry()
            .put(ContainerBackend.class, "fake", backend).put(AgentTransport.class, "fake", backend)
            .put(ResourceTracker.class, "concurrency", slots).put(ResourceTracker.class, "memory", memory)
            .put(QueuePolicy.class, "fifo", Fakes.FIFO).put(KeepAlivePolicy.class, "oldest", Fakes.OLDEST_IDLE);
    private volatile HostMemory.Reading host = new HostMemory.Reading(1_000, 900);
    private WorkerCore worker = worker(100);

    private WorkerCore worker(int queueCapacity) {
        return worker(options(queueCapacity, Duration.ofSeconds(1), 5));
    }

    private WorkerCore worker(WorkerOptions options) {
        return new WorkerCore(registry, time, time, options, Fakes.meters(), () -> host);
    }

    private static WorkerOptions options(int queueCapacity, Duration memorySample, int pressureFreePercent) {
        return new WorkerOptions("w", queueCapacity, Duration.ofSeconds(60), Duration.ofMillis(50), 1_000, memorySample,
                pressureFreePercent);
    }

    @AfterEach
    void close() {
        worker.close();
        time.close();
    }

    private static FunctionSpec fn(String name, int memoryMb, long timeoutMs) {
        return fn(name, "img", memoryMb, timeoutMs);
    }

    /** A function whose agents answer the payload "whoami" with {@code image} (its code, as far as tests can tell). */
    private static FunctionSpec fn(String name, String image, int memoryMb, long timeoutMs) {
        return new FunctionSpec(name, "1", image, "", "", "", Compute.CPU, "fake", memoryMb, 0.1,
                Duration.ofMillis(timeoutMs), 1, null);
    }

    private Fakes.Backend.Hold nextHeldCreation() throws InterruptedException {
        Fakes.Backend.Hold h = backend.holds.poll(5, TimeUnit.SECONDS);
        assertTrue(h != null, "a container creation was requested");
        return h;
    }

    private InvocationRecord call(String id, String payload) throws Exception {
        return worker.invoke(null, id, payload).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void registrationResolvesTheBackendAndRejectsWhatCannotWork() {
        assertEquals("fake", worker.register(fn("a", 128, 1_000)).backend());
        assertEquals(ErrorKind.ALREADY_EXISTS, assertThrows(WorkerException.class,
                () -> worker.register(fn("a", 128, 1_000))).kind());
        WorkerException big = assertThrows(WorkerException.class, () -> worker.register(fn("big", 1024, 1_000)));
        assertEquals("function big-1 needs too much memory", big.getMessage());
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class, () -> worker.unregister("x-1")).kind());
    }

    @Test
    void coldThenWarmAndTheRecordAddsUp() throws Exception {
        worker.register(fn("a", 128, 1_000));
        InvocationRecord cold = call("a-1", "{\"x\":1}");
        assertEquals(ContainerState.COLD, cold.state().orElseThrow());
        assertEquals("{\"echo\":{\"x\":1}}", cold.result());
        InvocationRecord warm = call("a-1", "");
        assertEquals(ContainerState.WARM, warm.state().orElseThrow());
        assertEquals(1, backend.created.size());
        var t = warm.timings();
        assertTrue(t.e2eUs() >= t.queuedUs() + t.acquireUs(), t.toString());
        assertEquals(t.e2eUs() - 1_000, t.overheadUs());
        assertEquals(2, worker.status().stats().get("a-1").invocations());
    }

    @Test
    void theQueueIsBoundedAndNeverExceedsTheSlots() throws Exception {
        worker.close();
        worker = worker(3);
        backend.execMs = 100;
        worker.register(fn("a", 64, 5_000));
        List<CompletableFuture<InvocationRecord>> admitted = new ArrayList<>();
        WorkerException overloaded = null;
        for (int i = 0; i < 10 && overloaded == null; i++) {
            try {
                admitted.add(worker.invoke(null, "a-1", "").toCompletableFuture());
            } catch (WorkerException e) {
                overloaded = e;
            }
        }
        assertTrue(overloaded != null && overloaded.kind() == ErrorKind.OVERLOADED);
        assertEquals(5, admitted.size(), "2 running + 3 queued");
        assertTrue(worker.status().running() <= 2);
        CompletableFuture.allOf(admitted.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
        assertEquals(0, slots.usage().used());
    }

    @Test
    void failuresAreTypedAndOnlyBrokenContainersAreReplaced() throws Exception {
        worker.register(fn("a", 64, 100));
        assertEquals(ErrorKind.USER_ERROR, call("a-1", "\"raise\"").error().orElseThrow().kind());
        assertEquals(0, backend.destroyed.size(), "a user error keeps the container");
        InvocationRecord hung = call("a-1", "\"hang\"");
        assertEquals(ErrorKind.TIMEOUT, hung.error().orElseThrow().kind());
        assertEquals(1, backend.destroyed.size(), "a timed-out container is destroyed");
        assertTrue(call("a-1", "").success());
        backend.failCreate = true;
        worker.register(fn("b", 64, 100));
        InvocationRecord failed = call("b-1", "");
        assertEquals(ErrorKind.START_FAILED, failed.error().orElseThrow().kind());
        assertTrue(failed.error().orElseThrow().message().contains("image missing"));
        assertEquals(0, memory.usage().used() - 64, "only a-1's container holds memory");
    }

    @Test
    void memoryPressureEvictsIdleContainers() throws Exception {
        for (String n : List.of("a", "b", "c")) {
            worker.register(fn(n, 256, 1_000));
        }
        call("a-1", "");
        call("b-1", "");
        assertEquals(ContainerState.COLD, call("c-1", "").state().orElseThrow());
        assertEquals(1, backend.destroyed.size());
        assertEquals(512, memory.usage().used());
    }

    @Test
    void aQueueSwapMovesEveryWaitingInvocationExactlyOnce() throws Exception {
        worker.close();
        worker = worker(1_000);
        backend.execMs = 5;
        worker.register(fn("a", 64, 5_000));
        List<CompletableFuture<InvocationRecord>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(worker.invoke(null, "a-1", "{\"i\":" + i + "}").toCompletableFuture());
            if (i % 50 == 25) {
                assertTrue(worker.status().queued() > 0);
                registry.swap(QueuePolicy.class, "fifo-" + i, Fakes.FIFO);
            }
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        var results = new HashSet<String>();
        all.forEach(f -> results.add(f.join().result()));
        assertEquals(200, results.size());
        assertEquals(200, worker.status().stats().get("a-1").invocations());
    }

    @Test
    void memoryIsMeasuredAfterInvocationsAndIdleContainersGoUnderHostPressure() throws Exception {
        backend.usageBytes = 40L << 20;
        worker.register(fn("a", 64, 1_000));
        worker.register(fn("b", 64, 1_000));
        assertTrue(call("a-1", "").success());
        assertTrue(call("b-1", "").success());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (worker.status().memoryCachedUsedMb() != 80) {
            assertTrue(System.nanoTime() < deadline, "measured after the invocations: " + worker.status());
            Thread.sleep(5);
        }
        assertEquals(128, worker.status().memoryCachedMb(), "allocated");
        assertEquals(40, worker.status().stats().get("a-1").memoryMb(), 0.01);
        host = new HostMemory.Reading(1_000, 100); // 10 % free: above the 5 % threshold
        worker.evictUnderPressure();
        assertEquals(2, worker.status().containersIdle());
        host = new HostMemory.Reading(1_000, 20); // 2 % free: 30 MB short, one idle container goes
        worker.evictUnderPressure();
        assertEquals(1, worker.status().containersIdle());
        host = null; // unknown host memory: nothing happens
        worker.evictUnderPressure();
        assertEquals(1, worker.status().containersIdle());
    }

    @Test
    void asyncResultsAndPrewarm() throws Exception {
        worker.register(fn("a", 64, 1_000));
        assertEquals(2, (int) worker.prewarm("a-1", 2).toCompletableFuture().get(5, TimeUnit.SECONDS));
        assertEquals(ContainerState.PREWARM, call("a-1", "").state().orElseThrow());
        String id = worker.invokeAsync("t-1", "a-1", "");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!worker.result(id).done()) {
            assertTrue(System.nanoTime() < deadline);
        }
        assertTrue(worker.result(id).record().orElseThrow().success());
        assertEquals(ErrorKind.INVALID_REQUEST, assertThrows(WorkerException.class,
                () -> worker.invokeAsync("t-1", "a-1", "")).kind());
    }

    @Test
    void closingCancelsWaitingInvocations() throws Exception {
        backend.execMs = 500;
        worker.register(fn("a", 64, 5_000));
        List<CompletableFuture<InvocationRecord>> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(worker.invoke(null, "a-1", "").toCompletableFuture());
        }
        worker.close();
        long cancelled = all.stream().map(f -> f.getNow(null)).filter(r -> r != null
                && r.error().map(e -> e.kind() == ErrorKind.CANCELLED).orElse(false)).count();
        assertEquals(3, cancelled, "the 3 queued invocations are cancelled at once");
        assertEquals(ErrorKind.CANCELLED, assertThrows(WorkerException.class, () -> worker.invoke(null, "a-1", "")).kind());
    }

    @Test
    void reconfigureTakesEveryOptionAndTheMemorySettingsApplyAtOnce() throws Exception {
        worker.close();
        worker = worker(options(100, Duration.ofHours(1), 0)); // busy containers never sampled, no pressure eviction
        worker.register(fn("a", 64, 10_000));
        worker.register(fn("b", 64, 10_000));
        assertTrue(call("b-1", "").success());
        host = new HostMemory.Reading(1_000, 20); // 2 % free

        worker.reconfigure(options(50, Duration.ofHours(1), 0)); // only the queue capacity changes
        assertEquals(50, worker.status().queueCapacity());
        worker.evictUnderPressure();
        assertEquals(1, worker.status().containersIdle(), "memory.pressure.free.percent = 0 still means off");

        worker.reconfigure(options(50, Duration.ofMillis(20), 5));
        backend.usageBytes = 40L << 20;
        backend.gate = new CompletableFuture<>();
        CompletableFuture<InvocationRecord> busy = worker.invoke(null, "a-1", "\"wait\"").toCompletableFuture();
        // a-1's only container is busy from its creation on: only the periodic sampling reads it
        backend.usageRead("a-1").get(5, TimeUnit.SECONDS); // at the new memory.sample.ms; the old period was an hour
        worker.evictUnderPressure();
        assertEquals(0, worker.status().containersIdle(), "the new pressure threshold evicts the idle container");
        backend.gate.complete(null);
        assertTrue(busy.get(10, TimeUnit.SECONDS).success());
        assertEquals("w", worker.name());
    }

    @Test
    void aContainerStillStartingWhenItsFunctionIsReRegisteredIsDestroyedNeverPooledOrUsed() throws Exception {
        worker.register(fn("a", "old", 128, 1_000));
        backend.holdCreates = true;
        CompletableFuture<InvocationRecord> first = worker.invoke(null, "a-1", "\"whoami\"").toCompletableFuture();
        Fakes.Backend.Hold old = nextHeldCreation(); // the old registration's container is starting

        worker.unregister("a-1");
        worker.register(fn("a", "new", 128, 1_000));
        CompletableFuture<InvocationRecord> second = worker.invoke(null, "a-1", "\"whoami\"").toCompletableFuture();
        Fakes.Backend.Hold fresh = nextHeldCreation(); // the new registration needs a container of its own

        old.release().complete(null); // ready after its registration went away
        InvocationRecord gone = first.get(5, TimeUnit.SECONDS);
        assertEquals(ErrorKind.CANCELLED, gone.error().orElseThrow().kind(), gone.toString());
        assertEquals(List.of(old.id()), backend.destroyed, "destroyed at once, never pooled");
        assertEquals(128, memory.usage().used(), "only the new registration's container holds memory");

        fresh.release().complete(null);
        InvocationRecord cold = second.get(5, TimeUnit.SECONDS);
        assertEquals("\"new\"", cold.result());
        assertEquals(ContainerState.COLD, cold.state().orElseThrow());
        backend.holdCreates = false;
        InvocationRecord warm = call("a-1", "\"whoami\"");
        assertEquals("\"new\"", warm.result());
        assertEquals(ContainerState.WARM, warm.state().orElseThrow());

        var status = worker.status();
        assertEquals(1, status.functions());
        assertEquals(1, status.containersIdle(), status.toString());
        assertEquals(0, status.containersRunning());
        assertEquals(2, status.stats().get("a-1").invocations(), "the new registration's two invocations");
        assertEquals(List.of(old.id(), fresh.id()), backend.created);
        assertEquals(List.of(old.id()), backend.destroyed);
    }

    @Test
    void unregisteringWhileAContainerStartsLeavesNothingBehind() throws Exception {
        worker.register(fn("a", 128, 1_000));
        backend.holdCreates = true;
        CompletableFuture<InvocationRecord> invoked = worker.invoke(null, "a-1", "").toCompletableFuture();
        CompletableFuture<Integer> prewarmed = worker.prewarm("a-1", 1).toCompletableFuture();
        Fakes.Backend.Hold first = nextHeldCreation();
        Fakes.Backend.Hold second = nextHeldCreation();
        worker.unregister("a-1");
        first.release().complete(null);
        second.release().complete(null);

        assertEquals(ErrorKind.CANCELLED, invoked.get(5, TimeUnit.SECONDS).error().orElseThrow().kind());
        assertEquals(0, (int) prewarmed.get(5, TimeUnit.SECONDS), "no prewarmed container of a gone registration");
        var status = worker.status();
        assertEquals(0, status.functions());
        assertEquals(0, status.containersIdle() + status.containersRunning(), status.toString());
        assertEquals(Set.of(first.id(), second.id()), Set.copyOf(backend.destroyed));
        assertEquals(0, memory.usage().used());
        assertEquals(0, slots.usage().used());
    }

    @Test
    void invocationsRacingUnregisterAndReRegisterOnlyGetTheirOwnRegistrationsCode() throws Exception {
        worker.close();
        worker = worker(10_000);
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
        assertEquals("\"v" + versions + "\"", call("a-1", "\"whoami\"").result());

        worker.unregister("a-1");
        var status = worker.status();
        assertEquals(0, status.containersIdle() + status.containersRunning(), status.toString());
        assertEquals(backend.created.size(), backend.destroyed.size(), "every container of every registration is gone");
        assertEquals(0, memory.usage().used());
        assertEquals(0, slots.usage().used());
    }
}
