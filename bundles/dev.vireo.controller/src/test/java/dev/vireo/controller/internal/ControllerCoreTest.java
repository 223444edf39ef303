package dev.vireo.controller.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Timings;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.VirtualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ControllerCoreTest {
    private final VirtualTime time = new VirtualTime();
    private final Map<String, FakeWorker> byAddress = new ConcurrentHashMap<>();
    private final TestRegistry registry = new TestRegistry().put(LoadBalancingPolicy.class, "rr", context -> {
        AtomicLong turn = new AtomicLong();
        return (tid, fn, workers) -> workers.isEmpty() ? Optional.empty()
                : Optional.of(workers.get((int) (turn.getAndIncrement() % workers.size())));
    });
    private ControllerCore controller;

    private ControllerCore controller(boolean retry) {
        controller = new ControllerCore(new ControllerOptions("ctl", Duration.ofMillis(20), 2, retry), registry,
                time, time, address -> byAddress.computeIfAbsent(address, a -> new FakeWorker(a)),
                new SimpleMeterRegistry());
        return controller;
    }

    @AfterEach
    void close() {
        if (controller != null) {
            controller.close();
        }
    }

    private static FunctionSpec spec(String name) {
        return new FunctionSpec(name, "1", "sim/" + name, "", "", "sim", dev.vireo.api.model.Compute.CPU, "sim", 128,
                0.1, Duration.ofSeconds(60), 1, null);
    }

    /** The invocation's record, once virtual time has run far enough (at most 10 virtual seconds). */
    private InvocationRecord join(CompletionStage<InvocationRecord> stage) {
        time.runUntil(stage.toCompletableFuture()::isDone, Duration.ofSeconds(10));
        return stage.toCompletableFuture().join();
    }

    /** Runs virtual time until the condition holds; fails if it does not within 10 virtual seconds. */
    private void await(String what, BooleanSupplier condition) {
        try {
            time.runUntil(condition, Duration.ofSeconds(10));
        } catch (IllegalStateException e) {
            throw new AssertionError("timed out waiting for " + what + ": " + e.getMessage(), e);
        }
    }

    @Test
    void registrationsReachEveryWorkerIncludingLateJoiners() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.register(spec("a"));
        c.join("w2", "h:2");
        assertEquals(List.of("a-1"), List.copyOf(byAddress.get("h:1").functions.keySet()));
        assertEquals(List.of("a-1"), List.copyOf(byAddress.get("h:2").functions.keySet()));
        assertThrows(WorkerException.class, () -> c.register(spec("a")), "ALREADY_EXISTS");
        c.unregister("a-1");
        assertTrue(byAddress.get("h:1").functions.isEmpty() && byAddress.get("h:2").functions.isEmpty());
    }

    @Test
    void anUpdateReachesEveryWorkerAndWorkersThatJoinLaterGetTheNewVersionWithItsSecrets() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.join("w2", "h:2");
        c.register(spec("a"));
        byAddress.get("h:2").functions.clear(); // it lost the registration (restarted): the update registers it
        FunctionSpec next = spec("a").withConfig(new dev.vireo.api.model.FunctionConfig(Map.of("MODE", "prod"), "",
                Map.of("TOKEN", "s3cret")));
        assertEquals(next, c.update(next));
        assertEquals(next, byAddress.get("h:1").functions.get("a-1"));
        assertEquals(next, byAddress.get("h:2").functions.get("a-1"));
        c.join("w3", "h:3");
        assertEquals(next, byAddress.get("h:3").functions.get("a-1"), "the controller keeps the secrets to push");
        assertEquals(List.of(next), c.functions());
        FakeWorker behind = byAddress.computeIfAbsent("h:4", FakeWorker::new);
        behind.functions.put("a-1", spec("a")); // restored an older version from its store while out of service
        c.join("w4", "h:4");
        assertEquals(next, behind.functions.get("a-1"), "brought level with the controller's as it joins");
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class, () -> c.update(spec("b")))
                .kind());
    }

    @Test
    void activationsAreTheWorkersLogsMergedNewestFirstAndOneIsFoundWhereverItIs() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.join("w2", "h:2");
        c.register(spec("a"));
        for (int i = 1; i <= 4; i++) { // round robin: w1, w2, w1, w2, one virtual second apart
            join(c.invoke("t" + i, "a-1", "{}"));
            time.runFor(Duration.ofSeconds(1));
        }
        assertEquals(List.of("t4", "t3", "t2", "t1"), c.activations(dev.vireo.api.worker.ActivationQuery.newest())
                .stream().map(InvocationRecord::tid).toList());
        assertEquals(List.of("t4", "t3"), c.activations(dev.vireo.api.worker.ActivationQuery.of("", null, null, null,
                "2")).stream().map(InvocationRecord::tid).toList());
        assertEquals("w2", c.activation("t2").worker());
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class, () -> c.activation("t9")).kind());
        byAddress.get("h:2").refuse = true;
        WorkerException w2 = assertThrows(WorkerException.class,
                () -> c.activations(dev.vireo.api.worker.ActivationQuery.newest()));
        assertTrue(w2.getMessage().startsWith("worker w2"), "a log with a hole is not answered: " + w2.getMessage());
        assertEquals("w1", c.activation("t1").worker(), "found on the worker that answers");
        assertEquals(ErrorKind.UNREACHABLE, assertThrows(WorkerException.class, () -> c.activation("t2")).kind(),
                "not found where asked, and the worker that may hold it did not answer");
    }

    @Test
    void theEstimateIsTheBestWorkersAndAWorkerThatCannotAnswerIsLeftOut() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.join("w2", "h:2");
        c.register(spec("a"));
        byAddress.get("h:1").execMs = 50;
        byAddress.get("h:2").execMs = 20;
        dev.vireo.api.worker.Estimate e = c.estimate("a-1");
        assertEquals("w2", e.worker(), "the shortest, under the controller's name for the worker: " + e);
        assertEquals(20_000, e.e2eUs());
        byAddress.get("h:2").refuse = true;
        assertEquals("w1", c.estimate("a-1").worker(), "w2 does not answer: w1's is the answer");
        byAddress.get("h:1").refuse = true;
        WorkerException none = assertThrows(WorkerException.class, () -> c.estimate("a-1"));
        assertTrue(none.getMessage().startsWith("worker w1: "), none.getMessage());
        byAddress.get("h:1").refuse = false;
        WorkerException unknown = assertThrows(WorkerException.class, () -> c.estimate("x-1"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, unknown.kind(), unknown.getMessage());
    }

    @Test
    void aBalancerAsksTheWorkersForTheirEstimates() {
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        registry.swap(LoadBalancingPolicy.class, "estimates", context -> (tid, fn, workers) -> workers.stream()
                .filter(w -> context.estimate(w.id(), fn).isPresent())
                .peek(w -> asked.add(w.id() + "=" + context.estimate(w.id(), fn).orElseThrow().e2eUs()))
                .min(java.util.Comparator.comparingLong(w -> context.estimate(w.id(), fn).orElseThrow().e2eUs())));
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.join("w2", "h:2");
        c.register(spec("a"));
        byAddress.get("h:1").execMs = 5;
        byAddress.get("h:2").execMs = 9;
        assertEquals("w1", join(c.invoke("t1", "a-1", "{}")).worker(), "the worker whose estimate ends soonest");
        assertTrue(asked.containsAll(List.of("w1=5000", "w2=9000")), "each worker was asked: " + asked);
    }

    @Test
    void invocationsAreSpreadAndCarryTheControllersTimings() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.join("w2", "h:2");
        c.register(spec("a"));
        List<String> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            InvocationRecord r = join(c.invoke("t" + i, "a-1", "{}"));
            assertTrue(r.success());
            assertEquals("t" + i, r.tid());
            assertEquals(1, r.routing().orElseThrow().attempts());
            assertEquals("ctl", r.routing().orElseThrow().controller());
            assertTrue(r.routing().orElseThrow().e2eUs() >= r.routing().orElseThrow().forwardUs());
            workers.add(r.worker());
        }
        assertEquals(List.of("w1", "w2", "w1", "w2"), workers);
        assertEquals(4, c.members().stream().mapToLong(WorkerMember::sent).sum());
    }

    @Test
    void aTracedInvocationGetsTheControllersSpanAndTheWorkerGetsItAsItsParent() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.register(spec("a"));
        var caller = dev.vireo.api.trace.TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .orElseThrow();
        join(c.invoke("t0", "a-1", "{}", caller));
        assertEquals(List.of(caller.header()), byAddress.get("h:1").traces, "no exporter: handed on unchanged");

        List<dev.vireo.api.trace.Span> spans = new java.util.concurrent.CopyOnWriteArrayList<>();
        c.addSpanExporter(spans::addAll);
        InvocationRecord r = join(c.invoke("t1", "a-1", "{}", caller));
        assertEquals(1, spans.size());
        var route = spans.get(0);
        assertEquals("route a-1", route.name());
        assertEquals(caller.traceId(), route.traceId());
        assertEquals(caller.spanId(), route.parentSpanId());
        assertEquals("00-" + caller.traceId() + "-" + route.spanId() + "-01", byAddress.get("h:1").traces.get(1),
                "the worker's parent is the controller's span");
        assertEquals(Map.of("vireo.tid", "t1", "faas.invoked_name", "a-1", "vireo.controller", "ctl", "vireo.worker",
                r.worker(), "vireo.attempts", 1L), route.attributes());
        assertEquals(r.routing().orElseThrow().e2eUs(), (route.endNanos() - route.startNanos()) / 1_000);

        join(c.invoke("t2", "a-1", "{}", new dev.vireo.api.trace.TraceContext(caller.traceId(), caller.spanId(),
                false)));
        join(c.invoke("t3", "a-1", "{}"));
        assertEquals(1, spans.size(), "not sampled, or no context: no span here");
        assertThrows(WorkerException.class, () -> c.invoke("t4", "nope-1", "{}", caller));
        assertEquals(2, spans.size(), "a refusal at once has its span too");
        assertTrue(spans.get(1).error() && spans.get(1).message().contains("nope-1"), spans.get(1).toString());
        assertEquals(List.of("00-" + caller.traceId() + "-" + caller.spanId() + "-00", "none"),
                byAddress.get("h:1").traces.subList(2, 4));
    }

    @Test
    void whatTheFunctionPrintedComesBackThroughTheControllerWithItsRouting() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.register(spec("a"));
        InvocationRecord r = join(c.invoke("t1", "a-1", "\"print\""));
        assertEquals(new Output("printed\n", "", false), r.output());
        assertEquals("ctl", r.routing().orElseThrow().controller());
        assertEquals(Output.NONE, join(c.invoke("t2", "a-1", "{}")).output());
    }

    @Test
    void aWorkerDyingMidRunIsTakenOutAndItsInvocationsRetriedElsewhere() throws Exception {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        c.join("w2", "h:2");
        c.register(spec("a"));
        FakeWorker w1 = byAddress.get("h:1");
        w1.execMs = 60_000; // its invocations hang...
        List<CompletionStage<InvocationRecord>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(c.invoke(null, "a-1", "{}"));
        }
        await("three invocations in flight on w1", () -> w1.inFlight.get() == 3);
        w1.down = true; // ...and then it stops answering heartbeats
        for (CompletionStage<InvocationRecord> call : calls) {
            InvocationRecord r = join(call);
            assertTrue(r.success());
            assertEquals("w2", r.worker(), "every invocation ends on the surviving worker");
        }
        long retried = calls.stream().map(s -> join(s).routing().orElseThrow().attempts()).filter(a -> a == 2).count();
        assertEquals(3, retried);
        WorkerMember out = c.members().get(0);
        assertFalse(out.healthy());
        assertTrue(out.reason().contains("missed"), out.reason());
        // it comes back (after a restart that lost its registrations): they are pushed again before it serves
        w1.functions.clear();
        w1.execMs = 1;
        w1.down = false;
        await("w1 back", () -> c.members().get(0).healthy());
        assertTrue(w1.functions.containsKey("a-1"));
    }

    @Test
    void withoutRetryAnUnreachableWorkerFailsTheInvocationClearly() throws Exception {
        ControllerCore c = controller(false);
        c.join("w1", "h:1");
        c.register(spec("a"));
        byAddress.get("h:1").refuse = true;
        CompletionException e = assertThrows(CompletionException.class, () -> join(c.invoke(null, "a-1", "{}")));
        WorkerException w = (WorkerException) e.getCause();
        assertEquals(ErrorKind.UNREACHABLE, w.kind());
        assertTrue(w.getMessage().contains("not retried"), w.getMessage());
        // now no worker is healthy: a rejection at once, naming the worker and why it is out
        WorkerException none = assertThrows(WorkerException.class, () -> c.invoke(null, "a-1", "{}"));
        assertTrue(none.getMessage().contains("no healthy worker") && none.getMessage().contains("w1"), none.getMessage());
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        ControllerCore c = controller(true);
        assertEquals(ErrorKind.UNKNOWN_FUNCTION,
                assertThrows(WorkerException.class, () -> c.invoke(null, "nope-1", "{}")).kind());
        assertThrows(ValidationException.class, () -> c.join("bad name!", "h:1"));
        assertEquals(ErrorKind.INVALID_REQUEST, assertThrows(WorkerException.class, () -> c.leave("ghost")).kind());
        c.register(spec("a"));
        assertEquals(ErrorKind.UNREACHABLE, assertThrows(WorkerException.class, () -> c.invoke(null, "a-1", "")).kind());
    }

    @Test
    void aWorkerThatRefusesARegistrationRefusesItForEveryone() {
        ControllerCore c = controller(true);
        c.join("w1", "h:1");
        byAddress.get("h:1").rejectRegistrations = true;
        WorkerException e = assertThrows(WorkerException.class, () -> c.register(spec("a")));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(c.functions().isEmpty(), "nothing kept");
    }

    /** A worker in this JVM whose answers the test controls. */
    final class FakeWorker implements RemoteWorker {
        final String address;
        final Map<String, FunctionSpec> functions = new ConcurrentHashMap<>();
        /** The trace context each invocation came with, as its header ("none"). */
        final List<String> traces = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        volatile long execMs = 1;
        volatile boolean down;
        volatile boolean refuse;
        volatile boolean rejectRegistrations;

        FakeWorker(String address) {
            this.address = address;
        }

        private String workerName() {
            return "w" + address.substring(address.indexOf(':') + 1);
        }

        private void check() {
            if (down || refuse) {
                throw new WorkerException(ErrorKind.UNREACHABLE, "worker at " + address + " did not answer");
            }
        }

        @Override
        public String name() {
            return workerName();
        }

        @Override
        public FunctionSpec register(FunctionSpec spec) {
            check();
            if (rejectRegistrations) {
                throw new WorkerException(ErrorKind.INVALID_REQUEST, "unknown backend");
            }
            if (functions.putIfAbsent(spec.id(), spec) != null) {
                throw new WorkerException(ErrorKind.ALREADY_EXISTS, spec.id());
            }
            return spec;
        }

        @Override
        public FunctionSpec update(FunctionSpec spec) {
            check();
            if (rejectRegistrations) {
                throw new WorkerException(ErrorKind.INVALID_REQUEST, "unknown backend");
            }
            if (functions.replace(spec.id(), spec) == null) {
                throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, spec.id());
            }
            return spec;
        }

        @Override
        public void unregister(String functionId) {
            check();
            functions.remove(functionId);
        }

        @Override
        public List<FunctionSpec> functions() {
            check();
            return List.copyOf(functions.values());
        }

        /** Each call in flight ahead of it, then its own execution. */
        @Override
        public dev.vireo.api.worker.Estimate estimate(String functionId) {
            check();
            if (!functions.containsKey(functionId)) {
                throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
            }
            int ahead = inFlight.get();
            return new dev.vireo.api.worker.Estimate(functionId, workerName(),
                    dev.vireo.api.model.ContainerState.WARM, ahead * execMs * 1_000, 0, execMs * 1_000,
                    (ahead + 1) * execMs * 1_000, ahead, ahead);
        }

        @Override
        public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
                dev.vireo.api.trace.TraceContext trace) {
            traces.add(trace == null ? "none" : trace.header());
            return invoke(tid, functionId, payload);
        }

        @Override
        public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
            if (refuse) {
                return CompletableFuture.failedFuture(new WorkerException(ErrorKind.UNREACHABLE, "connection refused"));
            }
            if (!functions.containsKey(functionId)) {
                return CompletableFuture.failedFuture(new WorkerException(ErrorKind.UNKNOWN_FUNCTION, functionId));
            }
            inFlight.incrementAndGet();
            CompletableFuture<InvocationRecord> f = new CompletableFuture<>();
            time.schedule(() -> {
                inFlight.decrementAndGet();
                InvocationRecord r = new InvocationRecord(tid, functionId, workerName(), "sim", Optional.empty(),
                        time.now(), new Timings(0, 0, 0, 0, 1, 2), "{}", Optional.empty(), Optional.empty(),
                        payload.contains("print") ? new Output("printed\n", "", false) : Output.NONE);
                log.add(r);
                f.complete(r);
            }, Duration.ofMillis(execMs));
            return f;
        }

        /** Its log: what it was sent, oldest first. */
        final List<InvocationRecord> log = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public List<InvocationRecord> activations(dev.vireo.api.worker.ActivationQuery q) {
            check();
            List<InvocationRecord> out = new java.util.ArrayList<>();
            for (int i = log.size() - 1; i >= 0 && out.size() < q.limit(); i--) {
                if (q.matches(log.get(i).functionId(), log.get(i).arrival(), log.get(i).error().isPresent())) {
                    out.add(log.get(i));
                }
            }
            return out;
        }

        @Override
        public InvocationRecord activation(String tid) {
            check();
            return log.stream().filter(r -> r.tid().equals(tid)).findFirst().orElseThrow(() ->
                    new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "activation " + tid + " is not in the log"));
        }

        @Override
        public String invokeAsync(String tid, String functionId, String payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AsyncResult result(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Integer> prewarm(String functionId, int count) {
            return CompletableFuture.completedFuture(count);
        }

        @Override
        public WorkerStatus status() {
            check();
            return new WorkerStatus(workerName(), 0, 100, inFlight.get(), functions.size(), 0, 0, 0, 0, 0, 0, 0, Map.of(),
                    Map.of(), List.of(new ResourceUsage("concurrency", "invocations", 4, inFlight.get(), Map.of())),
                    Map.of("a-1", FunctionStats.EMPTY));
        }

        @Override
        public CompletionStage<WorkerStatus> statusAsync() {
            try {
                return CompletableFuture.completedFuture(status());
            } catch (WorkerException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void close() {
        }
    }
}
