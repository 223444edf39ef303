package dev.vireo.controller.internal;

import dev.vireo.testkit.VirtualTime;

import static dev.vireo.controller.internal.TestWorkers.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.worker.WorkerException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Functions kept by the controller and pushed to every worker, including those that join later: on manual time. */
class RegistrationsTest {
    private final VirtualTime time = new VirtualTime();
    private final TestWorkers workers = new TestWorkers(time);
    private final ControllerOptions options = new ControllerOptions("ctl", Duration.ofMillis(100), 2, true);
    private Registrations registrations;
    /** Wired as the controller wires them: a worker is admitted once it has every registration. */
    private final Membership membership = new Membership(() -> options, time, time, workers,
            new ControllerMetrics(new SimpleMeterRegistry()), m -> registrations.pushMissing(m));

    @BeforeEach
    void start() {
        registrations = new Registrations("ctl", membership);
        membership.heartbeatEvery(options.heartbeat());
    }

    @AfterEach
    void close() {
        membership.close();
    }

    private Set<String> on(String address) {
        return Set.copyOf(workers.at(address).functions.keySet());
    }

    @Test
    void aWorkerThatJoinsLaterReceivesTheRegisteredFunctions() {
        membership.join("w1", "h:1");
        registrations.register(spec("a"));
        registrations.register(spec("b"));
        assertEquals(Set.of("a-1", "b-1"), on("h:1"));
        membership.join("w2", "h:2");
        assertEquals(Set.of("a-1", "b-1"), on("h:2"), "pushed before it takes invocations");
        assertEquals(List.of("a-1", "b-1"), registrations.all().stream().map(f -> f.id()).toList());
    }

    @Test
    void aWorkerThatComesBackWithoutItsRegistrationsGetsThemAgain() {
        membership.join("w1", "h:1");
        registrations.register(spec("a"));
        TestWorkers.Worker w1 = workers.at("h:1");
        w1.answering = false;
        time.runFor(java.time.Duration.ofMillis(200));
        assertEquals(0, membership.healthyCount());
        w1.functions.clear(); // it restarted
        w1.answering = true;
        time.runFor(java.time.Duration.ofMillis(100));
        assertEquals(1, membership.healthyCount());
        assertEquals(Set.of("a-1"), on("h:1"));
    }

    @Test
    void aRegistrationWhileAWorkerIsOutReachesItWhenItComesBack() {
        membership.join("w1", "h:1");
        membership.join("w2", "h:2");
        workers.at("h:2").answering = false;
        time.runFor(java.time.Duration.ofMillis(200));
        registrations.register(spec("a"));
        assertEquals(Set.of(), on("h:2"), "not pushed to a worker out of service");
        workers.at("h:2").answering = true;
        time.runFor(java.time.Duration.ofMillis(100));
        assertEquals(Set.of("a-1"), on("h:2"));
    }

    @Test
    void unregisteringRemovesTheFunctionFromTheWorkersAndUnknownOnesAreNamed() {
        membership.join("w1", "h:1");
        registrations.register(spec("a"));
        assertThrows(WorkerException.class, () -> registrations.register(spec("a")), "already registered");
        registrations.unregister("a-1");
        assertTrue(on("h:1").isEmpty());
        WorkerException e = assertThrows(WorkerException.class, () -> registrations.get("a-1"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, e.kind());
        assertEquals("function a-1 is not registered with controller ctl", e.getMessage());
    }

    @Test
    void aWorkerThatLostOneRegistrationGetsItPushedAgain() {
        membership.join("w1", "h:1");
        registrations.register(spec("a"));
        workers.at("h:1").functions.clear();
        registrations.pushAgain(membership.get("w1"), "a-1");
        assertEquals(Set.of("a-1"), on("h:1"));
        registrations.pushAgain(membership.get("w1"), "a-1"); // it has it: nothing to do
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class,
                () -> registrations.pushAgain(membership.get("w1"), "gone-1")).kind());
    }
}
