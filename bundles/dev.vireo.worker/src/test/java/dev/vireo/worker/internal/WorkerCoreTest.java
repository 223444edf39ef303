package dev.vireo.worker.internal;

import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.VirtualTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionConfig;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.worker.WorkerException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker on the virtual clock: every task it hands to the scheduler runs on the test's thread when the test runs
 * the clock, and waiting (executions, timeouts, keep-alive checks, memory samples) takes no real time. A test that
 * waits for something runs virtual time until it holds ({@link #await}). Races between real threads are in
 * {@link WorkerCoreRaceTest}.
 */
class WorkerCoreTest {
    /** How much virtual time a test waits for something before it fails (no real time passes meanwhile). */
    private static final Duration PATIENCE = Duration.ofMinutes(10);

    private final VirtualTime time = new VirtualTime();
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
                pressureFreePercent, java.util.List.of(Path.of(System.getProperty("java.io.tmpdir"))));
    }

    @AfterEach
    void close() {
        worker.close();
    }

    private static FunctionSpec fn(String name, int memoryMb, long timeoutMs) {
        return fn(name, "img", memoryMb, timeoutMs);
    }

    /** A function whose agents answer the payload "whoami" with {@code image} (its code, as far as tests can tell). */
    private static FunctionSpec fn(String name, String image, int memoryMb, long timeoutMs) {
        return new FunctionSpec(name, "1", image, "", "", "", Compute.CPU, "fake", memoryMb, 0.1,
                Duration.ofMillis(timeoutMs), 1, null);
    }

    /** Runs the virtual clock until the stage completes, and returns its result. */
    private <T> T await(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        time.runUntil(f::isDone, PATIENCE);
        return f.join();
    }

    private Fakes.Backend.Hold nextHeldCreation() {
        time.runUntil(() -> !backend.holds.isEmpty(), PATIENCE);
        return backend.holds.poll();
    }

    private InvocationRecord call(String id, String payload) {
        return await(worker.invoke(null, id, payload));
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
    void longAndUnderscoredNamesRegisterAndRunInContainersWithSafeIds() {
        List<String> names = List.of("a_very_long_function_name_with_underscores_that_takes_63_chars_", "x--y",
                "trail-", "trail_");
        for (String name : names) {
            worker.register(fn(name, 16, 1_000));
            InvocationRecord r = call(name + "-1", "{}");
            assertTrue(r.success(), r.toString());
        }
        assertEquals(names.size(), backend.created.size());
        backend.created.forEach(ContainerIdsTest::assertUsable);
        assertEquals(names.size(), new HashSet<>(backend.created).size());
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
        assertEquals(1_000, t.e2eUs(), "on the virtual clock only the 1 ms execution takes time");
        assertEquals(2, worker.status().stats().get("a-1").invocations());
        assertEquals(1, worker.status().stats().get("a-1").containers(), "its one container, idle in the pool");
    }

    @Test
    void everyInvocationLeavesItsHopsForTheLatencyAnatomy() {
        worker.register(fn("a", 128, 1_000));
        call("a-1", "{}"); // cold
        InvocationRecord warm = call("a-1", "{}");
        dev.vireo.api.worker.InvocationAnatomy a = worker.anatomy(warm.tid()).orElseThrow();
        long[] hops = {a.arrivalNs(), a.dequeuedNs(), a.acquiredNs(), a.startedNs(), a.sentNs(), a.doneNs(),
            a.recordedNs()};
        for (int i = 0; i + 1 < hops.length; i++) {
            assertTrue(hops[i] > 0 && hops[i] <= hops[i + 1], "hop " + i + " in order: " + a);
        }
        assertEquals(1_000_000, a.doneNs() - a.sentNs(), "the 1 ms execution lies between the call and its end");
        assertEquals(0, a.agentInNs(), "this transport stamps nothing: unknown");
        assertTrue(worker.anatomy("no-such-tid").isEmpty());
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
        await(CompletableFuture.allOf(admitted.toArray(new CompletableFuture<?>[0])));
        assertEquals(0, slots.usage().used());
    }

    @Test
    void failuresAreTypedAndOnlyBrokenContainersAreReplaced() throws Exception {
        worker.register(fn("a", 64, 100));
        assertEquals(ErrorKind.USER_ERROR, call("a-1", "\"raise\"").error().orElseThrow().kind());
        assertEquals(0, backend.destroyed.size(), "a user error keeps the container");
        InvocationRecord hung = call("a-1", "\"hang\"");
        assertEquals(ErrorKind.TIMEOUT, hung.error().orElseThrow().kind());
        assertEquals(300_000, hung.timings().e2eUs(), "the worker's own guard: the 100 ms timeout + 200 ms");
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
    void theSlotOfATimedOutCallIsHeldUntilItsContainerIsDestroyed() {
        worker.register(fn("a", 64, 100));
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        backend.destroyGate = stopped;
        InvocationRecord hung = call("a-1", "\"hang\"");
        assertEquals(ErrorKind.TIMEOUT, hung.error().orElseThrow().kind());
        assertEquals(1, backend.destroyed.size());
        assertEquals(1, slots.usage().used(), "the agent may still run it until the backend stopped the container");
        stopped.complete(null);
        assertEquals(0, slots.usage().used(), "then the slot comes back");
    }

    @Test
    void trackersLearnEachInvocationsContainerAndLetGoBeforeItIsReused() {
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        registry.put(ResourceTracker.class, "placing", new Fakes.Capacity("placing", 10, r -> r.slots()) {
            @Override
            public void bind(ResourceGrant grant, ContainerPlacement placement) {
                events.add("bind " + grant.tid() + " " + placement.containerId() + " placed=" + placement.placed());
            }

            @Override
            public void unbind(ResourceGrant grant) {
                events.add("unbind " + grant.tid());
            }

            @Override
            public synchronized void release(ResourceGrant grant) {
                super.release(grant);
                if (grant.amount() > 0) {
                    events.add("release " + grant.tid());
                }
            }
        });
        worker.register(fn("a", 64, 1_000));
        assertTrue(await(worker.invoke("t1", "a-1", "{}")).success());
        assertTrue(await(worker.invoke("t2", "a-1", "{}")).success());
        String c = backend.created.get(0);
        assertEquals(1, backend.created.size(), "the second ran warm in the same container");
        assertEquals(List.of("bind t1 " + c + " placed=false", "unbind t1", "release t1",
                "bind t2 " + c + " placed=false", "unbind t2", "release t2"), events);
    }

    @Test
    void trackersAreToldOfEveryDestroyedContainerAfterItsLastUnbind() {
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        registry.put(ResourceTracker.class, "placing", new Fakes.Capacity("placing", 10, r -> r.slots()) {
            @Override
            public void unbind(ResourceGrant grant) {
                events.add("unbind " + grant.tid());
            }

            @Override
            public void destroyed(ContainerPlacement placement, String tid) {
                events.add("destroyed " + placement.containerId());
            }
        });
        worker.register(fn("a", 64, 100));
        assertTrue(await(worker.invoke("t1", "a-1", "{}")).success());
        String first = backend.created.get(0);
        assertEquals(List.of("unbind t1"), events, "a container back in the pool is not destroyed");
        assertEquals(ErrorKind.TIMEOUT, await(worker.invoke("t2", "a-1", "\"hang\"")).error().orElseThrow().kind());
        assertEquals(List.of("unbind t1", "destroyed " + first), events,
                "a timed-out call's container: never unbound (not pooled again), destroyed, and the trackers told");
    }

    @Test
    void whatTheFunctionPrintedIsInItsRecordWhetherItReturnedOrRaised() {
        worker.register(fn("a", 64, 1_000));
        Output printed = new Output("printed\n", "warned\n", false);
        InvocationRecord ok = call("a-1", "\"print\"");
        assertTrue(ok.success());
        assertEquals(printed, ok.output());
        InvocationRecord raised = call("a-1", "\"print raise\"");
        assertEquals(ErrorKind.USER_ERROR, raised.error().orElseThrow().kind());
        assertEquals(printed, raised.output());
        assertEquals(Output.NONE, call("a-1", "{}").output());
    }

    @Test
    void aReplyThatIsNotUtf8FailsAsContainerFailedAndReplacesTheContainer() {
        worker.register(fn("a", 64, 1_000));
        InvocationRecord r = call("a-1", "\"garbled\"");
        assertEquals(ErrorKind.CONTAINER_FAILED, r.error().orElseThrow().kind());
        assertTrue(r.error().orElseThrow().message().endsWith("agent sent invalid UTF-8 at byte 3 (0xFF)"),
                r.error().orElseThrow().message());
        assertEquals("", r.result(), "no result, rather than one changed");
        assertEquals(1, backend.destroyed.size(), "its stream cannot be trusted: the container goes");
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
        await(CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
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
        time.runFor(Duration.ZERO); // what is runnable now: the reads queued after the records, no time passes
        assertEquals(80, worker.status().memoryCachedUsedMb(), "measured after the invocations: " + worker.status());
        assertEquals(128, worker.status().memoryCachedMb(), "allocated");
        assertEquals(40, worker.status().stats().get("a-1").memoryMb(), 0.01);
        Duration sample = Duration.ofSeconds(1); // memory.sample.ms: each tick checks the host's memory
        host = new HostMemory.Reading(1_000, 100); // 10 % free: above the 5 % threshold
        time.runFor(sample);
        assertEquals(2, worker.status().containersIdle());
        host = new HostMemory.Reading(1_000, 20); // 2 % free: 30 MB short, one idle container goes
        time.runFor(sample);
        assertEquals(1, worker.status().containersIdle());
        assertEquals(1, backend.destroyed.size());
        host = null; // unknown host memory: nothing happens
        time.runFor(sample);
        assertEquals(1, worker.status().containersIdle());
    }

    @Test
    void theTransportChecksARegistrationAndBindsEachContainerWithItsFunction() throws Exception {
        WorkerException refused = assertThrows(WorkerException.class,
                () -> worker.register(fn("r", "refused/by-transport", 64, 1_000)));
        assertEquals(ErrorKind.INVALID_REQUEST, refused.kind());
        assertEquals("image: the fake transport cannot serve it", refused.getMessage());
        assertTrue(worker.functions().isEmpty(), "nothing registered");
        worker.register(fn("a", 64, 1_000));
        assertTrue(call("a-1", "").success());
        assertEquals(List.of("a-1"), List.copyOf(backend.boundFor.values()));
    }

    @Test
    void asyncResultsAndPrewarm() throws Exception {
        worker.register(fn("a", 64, 1_000));
        assertEquals(2, (int) await(worker.prewarm("a-1", 2)));
        assertEquals(ContainerState.PREWARM, call("a-1", "").state().orElseThrow());
        String id = worker.invokeAsync("t-1", "a-1", "");
        assertFalse(worker.result(id).done(), "nothing ran yet: the clock did not move");
        time.runUntil(() -> worker.result(id).done(), PATIENCE);
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
        time.runFor(Duration.ofHours(1)); // the memory tick of the (unchanged) hourly period
        assertEquals(1, worker.status().containersIdle(), "memory.pressure.free.percent = 0 still means off");

        worker.reconfigure(options(50, Duration.ofMillis(20), 5));
        Duration reconfigured = time.elapsed();
        backend.usageBytes = 40L << 20;
        backend.gate = new CompletableFuture<>();
        CompletableFuture<InvocationRecord> busy = worker.invoke(null, "a-1", "\"wait\"").toCompletableFuture();
        // a-1's only container is busy from its creation on: only the periodic sampling reads it
        await(backend.usageRead("a-1"));
        assertEquals(Duration.ofMillis(20), time.elapsed().minus(reconfigured),
                "read at the new memory.sample.ms; the old period was an hour");
        assertEquals(0, worker.status().containersIdle(), "the same tick's new pressure threshold evicts the idle one");
        backend.gate.complete(null);
        assertTrue(await(busy).success());
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
        InvocationRecord gone = await(first);
        assertEquals(ErrorKind.CANCELLED, gone.error().orElseThrow().kind(), gone.toString());
        assertEquals(List.of(old.id()), backend.destroyed, "destroyed at once, never pooled");
        assertEquals(128, memory.usage().used(), "only the new registration's container holds memory");

        fresh.release().complete(null);
        InvocationRecord cold = await(second);
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
    void anUpdateLetsStartedInvocationsFinishOnTheOldCodeAndRunsQueuedAndLaterOnesOnTheNew() {
        worker.register(fn("a", "old", 128, 60_000));
        assertEquals("\"old\"", call("a-1", "\"whoami\"").result()); // one idle container of the old code
        backend.gate = new CompletableFuture<>();
        // two start (the two slots: the warm container and a cold one), the third waits in the queue
        List<CompletableFuture<InvocationRecord>> started = List.of(
                worker.invoke(null, "a-1", "\"wait whoami\"").toCompletableFuture(),
                worker.invoke(null, "a-1", "\"wait whoami\"").toCompletableFuture());
        time.runUntil(() -> worker.status().containersRunning() == 2, PATIENCE);
        CompletableFuture<InvocationRecord> queued = worker.invoke(null, "a-1", "\"whoami\"").toCompletableFuture();
        assertEquals(1, worker.status().queued());

        FunctionSpec next = worker.update(fn("a", "new", 128, 60_000));
        assertEquals("fake", next.backend());
        assertEquals(List.of(next), worker.functions());
        assertEquals(2, backend.created.size(), "nothing started, nothing cancelled by the update itself");
        assertTrue(backend.destroyed.isEmpty(), "its containers are busy: they finish first");

        backend.gate.complete(null);
        for (CompletableFuture<InvocationRecord> f : started) {
            InvocationRecord r = await(f);
            assertEquals("\"old\"", r.result(), "started before the update: the old code, to the end");
        }
        InvocationRecord moved = await(queued);
        assertEquals("\"new\"", moved.result(), "queued at the update: the new code");
        assertEquals(ContainerState.COLD, moved.state().orElseThrow());
        time.runUntil(() -> backend.destroyed.size() == 2, PATIENCE);
        assertEquals(Set.copyOf(backend.created.subList(0, 2)), Set.copyOf(backend.destroyed),
                "the old code's containers, once done");
        InvocationRecord later = call("a-1", "\"whoami\"");
        assertEquals("\"new\"", later.result());
        assertEquals(ContainerState.WARM, later.state().orElseThrow());
        assertEquals(3, backend.created.size());
        assertEquals(128, memory.usage().used(), "only the new code's container holds memory");

        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class,
                () -> worker.update(fn("b", "new", 128, 1_000))).kind(), "an update registers nothing new");
        WorkerException big = assertThrows(WorkerException.class, () -> worker.update(fn("a", "huge", 1024, 1_000)));
        assertEquals("function a-1 needs too much memory", big.getMessage());
        assertEquals("\"new\"", call("a-1", "\"whoami\"").result(), "a refused update changes nothing");
    }

    @Test
    void anInvocationWhoseContainerIsStillStartingAtAnUpdateRunsOnTheNewCodeNotCancelled() {
        worker.register(fn("a", "old", 128, 60_000));
        backend.holdCreates = true;
        CompletableFuture<InvocationRecord> first = worker.invoke(null, "a-1", "\"whoami\"").toCompletableFuture();
        Fakes.Backend.Hold old = nextHeldCreation(); // out of the queue, its container of the old code starting

        worker.update(fn("a", "new", 128, 60_000));
        old.release().complete(null);
        Fakes.Backend.Hold fresh = nextHeldCreation(); // back in the queue, it needs a container of the new code
        assertEquals(List.of(old.id()), backend.destroyed, "the old code's container, never used");
        fresh.release().complete(null);
        InvocationRecord r = await(first);
        assertEquals("\"new\"", r.result(), r.toString());
        assertEquals(1, worker.status().stats().get("a-1").invocations(), "counted once");
        backend.holdCreates = false;
    }

    @Test
    void defaultParametersAreMergedUnderEveryPayload() {
        worker.register(fn("a", "img", 128, 1_000).withConfig(new FunctionConfig(java.util.Map.of("MODE", "test"),
                "{\"greeting\":\"hi\",\"n\":1}", java.util.Map.of("TOKEN", "s3cret"))));
        assertEquals("{\"echo\":{\"greeting\":\"hi\",\"n\":1}}", call("a-1", "").result());
        assertEquals("{\"echo\":{\"greeting\":\"hi\",\"n\":2,\"x\":[1]}}", call("a-1", "{\"n\":2,\"x\":[1]}").result());
        ValidationException notAnObject = assertThrows(ValidationException.class,
                () -> worker.invoke(null, "a-1", "[1,2]"));
        assertEquals("payload", notAnObject.field());
        assertEquals(java.util.Map.of("MODE", "test", "TOKEN", "s3cret"), backend.environments.get(
                backend.created.get(0)), "the container's environment: variables and secrets");
        assertFalse(worker.functions().toString().contains("s3cret"), worker.functions().toString());
    }

    @Test
    void aTracedInvocationBecomesItsSpansUnderTheCallersSpan() {
        List<dev.vireo.api.trace.Span> spans = new java.util.concurrent.CopyOnWriteArrayList<>();
        worker.register(fn("a", 128, 1_000));
        var parent = dev.vireo.api.trace.TraceContext.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                .orElseThrow();
        call("a-1", "{}"); // no exporter yet: nothing is made
        dev.vireo.api.trace.SpanExporter exporter = spans::addAll;
        worker.addSpanExporter(exporter);

        InvocationRecord warm = await(worker.invoke("t-cold", "a-1", "{}", parent));
        assertEquals(ContainerState.WARM, warm.state().orElseThrow(), "the container of the first call");
        assertEquals(List.of("invoke a-1", "queue", "acquire", "execute"), spans.stream().map(s -> s.name()).toList());
        var server = spans.get(0);
        assertEquals(parent.traceId(), server.traceId());
        assertEquals(parent.spanId(), server.parentSpanId(), "under the caller's span");
        assertEquals(dev.vireo.api.trace.Span.Kind.SERVER, server.kind());
        for (var child : spans.subList(1, 4)) {
            assertEquals(server.spanId(), child.parentSpanId(), child.name());
            assertEquals(parent.traceId(), child.traceId());
            assertTrue(child.startNanos() >= server.startNanos() && child.endNanos() <= server.endNanos(), child.toString());
        }
        assertEquals(1_000_000, spans.get(3).endNanos() - spans.get(3).startNanos(), "the 1 ms execution");
        long arrival = warm.arrival().getEpochSecond() * 1_000_000_000L + warm.arrival().getNano();
        assertEquals(arrival, server.startNanos(), "times since the epoch, from the record's arrival");
        assertEquals(java.util.Map.of("vireo.tid", "t-cold", "faas.invoked_name", "a-1", "vireo.worker", "w",
                "vireo.backend", "fake", "faas.coldstart", false, "vireo.state", "warm"), server.attributes());
        assertFalse(server.error());

        spans.clear();
        InvocationRecord raised = await(worker.invoke("t-err", "a-1", "\"raise\"", parent.child()));
        assertFalse(raised.success());
        assertTrue(spans.get(0).error() && !spans.get(0).message().isEmpty(), spans.get(0).toString());
        assertEquals("USER_ERROR", spans.get(0).attributes().get("vireo.error_kind"));

        spans.clear();
        await(worker.invoke(null, "a-1", "{}", new dev.vireo.api.trace.TraceContext(parent.traceId(), parent.spanId(),
                false)));
        await(worker.invoke(null, "a-1", "{}", null));
        assertEquals(List.of(), spans, "not sampled, or not traced: no spans");
        worker.traceAll(true);
        await(worker.invoke(null, "a-1", "{}", null));
        assertEquals(4, spans.size(), "a trace of its own: " + spans);
        assertEquals("", spans.get(0).parentSpanId(), "its root");
        worker.traceAll(false);

        spans.clear();
        backend.failCreate = true;
        worker.register(fn("b", 128, 1_000));
        InvocationRecord failed = await(worker.invoke(null, "b-1", "{}", parent));
        assertEquals(ErrorKind.START_FAILED, failed.error().orElseThrow().kind());
        assertEquals(List.of("invoke b-1", "queue", "cold start"), spans.stream().map(s -> s.name()).toList(),
                "no execute: it never reached a container");
        assertTrue(spans.get(2).error(), "the cold start is where it failed");
        assertEquals(true, spans.get(0).attributes().get("faas.coldstart"));
        backend.failCreate = false;

        worker.removeSpanExporter(exporter);
        spans.clear();
        call("a-1", "{}");
        assertEquals(List.of(), spans);
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

        assertEquals(ErrorKind.CANCELLED, await(invoked).error().orElseThrow().kind());
        assertEquals(0, (int) await(prewarmed), "no prewarmed container of a gone registration");
        var status = worker.status();
        assertEquals(0, status.functions());
        assertEquals(0, status.containersIdle() + status.containersRunning(), status.toString());
        assertEquals(Set.of(first.id(), second.id()), Set.copyOf(backend.destroyed));
        assertEquals(0, memory.usage().used());
        assertEquals(0, slots.usage().used());
    }

    @Test
    void idleContainersExpireAtTheFirstKeepAliveCheckPastTheirTtl() {
        registry.put(KeepAlivePolicy.class, "oldest", Fakes.oldestIdle(Duration.ofSeconds(1)));
        worker.register(fn("a", 64, 1_000));
        assertEquals(ContainerState.COLD, call("a-1", "").state().orElseThrow());
        assertEquals(Duration.ofMillis(1), time.elapsed(), "idle from 1 ms on");
        // keepalive.check.ms = 50 from the worker's start: idle for 1 s first holds at the check at 1.05 s
        time.runFor(Duration.ofMillis(1_049).minus(time.elapsed()));
        assertEquals(1, worker.status().containersIdle(), "still kept at 1.049 s");
        assertEquals(List.of(), backend.destroyed);
        time.runFor(Duration.ofMillis(1));
        assertEquals(0, worker.status().containersIdle(), "expired by the check at 1.05 s");
        assertEquals(backend.created, backend.destroyed);
        assertEquals(0, memory.usage().used());
        assertEquals(ContainerState.COLD, call("a-1", "").state().orElseThrow());
    }
}
