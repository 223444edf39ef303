package dev.vireo.controller.internal;

import dev.vireo.testkit.VirtualTime;

import static dev.vireo.controller.internal.TestWorkers.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.WorkerException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Choosing a worker per invocation and the retry when it fails, through the controller: on manual time. */
class RouterTest {
    private final VirtualTime time = new VirtualTime();
    private final TestWorkers workers = new TestWorkers(time);
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Logger logger = Logger.getLogger(ControllerCore.class.getName());
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            log.add(r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private ControllerCore controller;

    /** Heartbeat every 100 ms, out after 3 missed; round-robin over w1, w2 (h:1, h:2), function a-1 on both. */
    private ControllerCore controller(boolean retry) {
        logger.addHandler(handler);
        controller = new ControllerCore(new ControllerOptions("ctl", Duration.ofMillis(100), 3, retry),
                TestWorkers.roundRobin(), time, time, workers, new SimpleMeterRegistry());
        controller.join("w1", "h:1");
        controller.join("w2", "h:2");
        controller.register(spec("a"));
        return controller;
    }

    @AfterEach
    void close() {
        logger.removeHandler(handler);
        if (controller != null) {
            controller.close();
        }
    }

    /** Lets the manual clock run until the invocation is done (it never waits on another thread). */
    private InvocationRecord finish(CompletionStage<InvocationRecord> call) {
        CompletableFuture<InvocationRecord> f = call.toCompletableFuture();
        for (int i = 0; i < 1_000 && !f.isDone(); i++) {
            time.runFor(java.time.Duration.ofMillis(1));
        }
        assertTrue(f.isDone(), "done within a simulated second");
        return f.join();
    }

    @Test
    void anInvocationWhoseWorkerFailsIsRetriedOnceOnAnotherWithItsTid() {
        ControllerCore c = controller(true);
        workers.at("h:1").answering = false; // down, and no heartbeat has noticed yet
        InvocationRecord r = finish(c.invoke("t-1", "a-1", "{}"));
        assertTrue(r.success());
        assertEquals("t-1", r.tid());
        assertEquals("w2", r.worker());
        assertEquals(2, r.routing().orElseThrow().attempts());
        assertEquals(List.of("t-1"), workers.at("h:1").tids, "first attempt");
        assertEquals(List.of("t-1"), workers.at("h:2").tids, "the retry, with the same tid");
        assertEquals("connection refused", c.members().get(0).reason(), "w1 taken out with the reason");
        assertTrue(log.contains("[t-1] a-1 retried: connection refused"), log.toString());
    }

    @Test
    void aRetryIsTriedOnceOnly() {
        ControllerCore c = controller(true);
        workers.at("h:1").answering = false;
        workers.at("h:2").answering = false;
        CompletableFuture<InvocationRecord> call = c.invoke("t-2", "a-1", "{}").toCompletableFuture();
        time.runFor(java.time.Duration.ofMillis(1));
        WorkerException e = (WorkerException) assertThrows(CompletionException.class, call::join).getCause();
        assertEquals(ErrorKind.UNREACHABLE, e.kind());
        assertEquals("connection refused (after a retry)", e.getMessage());
        assertEquals(List.of("t-2"), workers.at("h:1").tids);
        assertEquals(List.of("t-2"), workers.at("h:2").tids);
    }

    @Test
    void withoutRetryTheFailureIsTheAnswer() {
        ControllerCore c = controller(false);
        workers.at("h:1").answering = false;
        CompletableFuture<InvocationRecord> call = c.invoke("t-3", "a-1", "{}").toCompletableFuture();
        time.runFor(java.time.Duration.ofMillis(1));
        WorkerException e = (WorkerException) assertThrows(CompletionException.class, call::join).getCause();
        assertEquals("connection refused (not retried: retry = false)", e.getMessage());
        assertEquals(List.of(), workers.at("h:2").tids);
    }

    @Test
    void anInvocationInFlightOnAWorkerThatMissesItsHeartbeatsIsRetriedElsewhere() {
        ControllerCore c = controller(true);
        workers.at("h:1").execMs = 60_000;
        CompletableFuture<InvocationRecord> call = c.invoke("t-4", "a-1", "{}").toCompletableFuture();
        workers.at("h:1").answering = false; // it hangs, then stops answering heartbeats
        time.runFor(java.time.Duration.ofMillis(299));
        assertFalse(call.isDone(), "two missed heartbeats: still waiting");
        time.runFor(java.time.Duration.ofMillis(1));
        assertFalse(c.members().get(0).healthy());
        InvocationRecord r = finish(call);
        assertEquals("w2", r.worker());
        assertEquals(2, r.routing().orElseThrow().attempts());
        assertEquals(List.of("t-4"), workers.at("h:2").tids);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("[t-4] a-1 retried: worker w1 was taken out while serving"
                + " the invocation: missed 3 heartbeats")), log.toString());
    }

    @Test
    void aWorkerThatLostTheRegistrationGetsItAgainAndServes() {
        ControllerCore c = controller(true);
        c.leave("w2");
        workers.at("h:1").functions.clear(); // restarted between heartbeats
        InvocationRecord r = finish(c.invoke("t-5", "a-1", "{}"));
        assertEquals("w1", r.worker());
        assertEquals(2, r.routing().orElseThrow().attempts());
        assertEquals(List.of("t-5", "t-5"), workers.at("h:1").tids);
        assertTrue(workers.at("h:1").functions.containsKey("a-1"));
    }

    @Test
    void anInvocationWithoutATidGetsOneNamedAfterTheController() {
        ControllerCore c = controller(true);
        InvocationRecord r = finish(c.invoke(null, "a-1", "{}"));
        assertEquals("ctl-1", r.tid());
        assertEquals(List.of("ctl-1"), workers.at("h:1").tids);
        assertEquals("ctl", r.routing().orElseThrow().controller());
        assertEquals(1, r.routing().orElseThrow().attempts());
    }

    @Test
    void noWorkerInServiceIsARefusalThatSaysWhy() {
        ControllerCore c = controller(true);
        c.leave("w2");
        workers.at("h:1").answering = false;
        time.runFor(java.time.Duration.ofMillis(300));
        WorkerException e = assertThrows(WorkerException.class, () -> c.invoke("t-6", "a-1", "{}"));
        assertEquals(ErrorKind.UNREACHABLE, e.kind());
        assertEquals("no healthy worker for a-1 (1 known; w1: missed 3 heartbeats: worker at h:1 did not answer)",
                e.getMessage());
    }
}
