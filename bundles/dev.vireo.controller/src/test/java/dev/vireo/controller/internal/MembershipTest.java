package dev.vireo.controller.internal;

import dev.vireo.testkit.VirtualTime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.WorkerException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Workers joining, their heartbeats, taking one out with the reason, and bringing it back: on manual time. */
class MembershipTest {
    private final VirtualTime time = new VirtualTime();
    private final TestWorkers workers = new TestWorkers(time);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Heartbeat every 100 ms; out after 3 missed. */
    private volatile ControllerOptions options = new ControllerOptions("ctl", Duration.ofMillis(100), 3, true);
    /** The workers admitted, in order: what the registrations would be pushed to. */
    private final List<String> admitted = new CopyOnWriteArrayList<>();
    private final Membership membership = new Membership(() -> options, time, time, workers,
            new ControllerMetrics(meters), m -> {
                admitted.add(m.name);
                return 0;
            });

    @BeforeEach
    void start() {
        membership.heartbeatEvery(options.heartbeat());
    }

    @AfterEach
    void close() {
        membership.close();
    }

    private WorkerMember only() {
        List<WorkerMember> all = membership.members();
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    @Test
    void aWorkerThatJoinsIsAdmittedThenInService() {
        WorkerMember m = membership.join("w1", "h:1");
        assertTrue(m.healthy());
        assertEquals("", m.reason());
        assertEquals("h:1", m.address());
        assertEquals(List.of("w1"), admitted);
        assertEquals(List.of("w1"), membership.healthy().stream().map(x -> x.name).toList());
        // joining again (workers repeat it every interval) changes nothing
        membership.join("w1", "h:1");
        assertEquals(List.of("w1"), admitted);
        assertEquals(1, membership.knownCount());
        assertEquals(1, membership.healthyCount());
    }

    @Test
    void aWorkerThatMissesItsHeartbeatsIsTakenOutWithTheReasonThenComesBack() {
        membership.join("w1", "h:1");
        TestWorkers.Worker w1 = workers.at("h:1");
        w1.answering = false;
        time.runFor(java.time.Duration.ofMillis(200));
        assertTrue(only().healthy(), "two missed heartbeats of three: still in service");
        time.runFor(java.time.Duration.ofMillis(100));
        WorkerMember out = only();
        assertFalse(out.healthy());
        assertEquals("missed 3 heartbeats: worker at h:1 did not answer", out.reason());
        assertEquals(3, out.failures());
        assertEquals(1.0, meters.get("vireo.controller.workers.taken.out").tag("worker", "w1").counter().count());
        assertEquals(0, membership.healthyCount());
        assertEquals("; w1: missed 3 heartbeats: worker at h:1 did not answer", membership.describeOut());

        w1.answering = true;
        time.runFor(java.time.Duration.ofMillis(100));
        WorkerMember back = only();
        assertTrue(back.healthy(), "back at the first heartbeat it answers");
        assertEquals("", back.reason());
        assertEquals(0, back.failures());
        assertEquals(List.of("w1", "w1"), admitted, "admitted again before it serves");
    }

    @Test
    void aWorkerTakenOutFailsOverItsInvocationsInFlight() {
        membership.join("w1", "h:1");
        Member m = membership.get("w1");
        CompletableFuture<InvocationRecord> reply = new CompletableFuture<>();
        m.attempts.add(new Member.Attempt(reply));
        membership.takeOut(m, "it said so");
        WorkerException e = (WorkerException) assertThrows(CompletionException.class, reply::join).getCause();
        assertEquals(ErrorKind.UNREACHABLE, e.kind());
        assertEquals("worker w1 was taken out while serving the invocation: it said so", e.getMessage());
        assertEquals("it said so", only().reason());
    }

    @Test
    void aWorkerThatCannotBeReachedWhenItJoinsIsKnownButOutUntilItAnswers() {
        workers.at("h:1").answering = false;
        WorkerException e = assertThrows(WorkerException.class, () -> membership.join("w1", "h:1"));
        assertEquals(ErrorKind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().startsWith("worker w1 joined but the controller cannot reach its gRPC API at h:1"),
                e.getMessage());
        assertFalse(only().healthy());
        assertEquals("cannot reach it at h:1: worker at h:1 did not answer", only().reason());
        assertEquals(List.of(), admitted);

        workers.at("h:1").answering = true;
        time.runFor(java.time.Duration.ofMillis(100));
        assertTrue(only().healthy(), "the heartbeat brings it in");
        assertEquals(List.of("w1"), admitted);
    }

    @Test
    void aWorkerThatRejoinsFromAnotherAddressReplacesItsOldSelf() {
        membership.join("w1", "h:1");
        membership.join("w1", "h:9");
        assertEquals("h:9", only().address());
        assertTrue(only().healthy());
        assertTrue(workers.at("h:1").closed, "the old connection is closed");
        assertFalse(workers.at("h:9").closed);
    }

    @Test
    void aWorkerLeavesByName() {
        membership.join("w1", "h:1");
        membership.join("w2", "h:2");
        membership.leave("w1");
        assertEquals(List.of("w2"), membership.members().stream().map(WorkerMember::name).toList());
        assertTrue(workers.at("h:1").closed);
        WorkerException e = assertThrows(WorkerException.class, () -> membership.leave("ghost"));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("no worker named 'ghost'; workers: w2", e.getMessage());
        assertThrows(ValidationException.class, () -> membership.join("bad name!", "h:3"));
    }

    @Test
    void theHeartbeatPeriodCanChange() {
        membership.join("w1", "h:1");
        TestWorkers.Worker w1 = workers.at("h:1");
        int joined = w1.statusCalls.get();
        time.runFor(java.time.Duration.ofMillis(1_000));
        assertEquals(10, w1.statusCalls.get() - joined);
        membership.heartbeatEvery(Duration.ofMillis(50));
        time.runFor(java.time.Duration.ofMillis(1_000));
        assertEquals(10 + 20, w1.statusCalls.get() - joined, "one heartbeat every 50 ms now, and only that one");
    }

    @Test
    void configuredWorkersJoinAsTasksOnTheScheduler() {
        workers.at("h:2").answering = false;
        membership.seed(List.of(new ControllerOptions.Seed("w1", "h:1"), new ControllerOptions.Seed("w2", "h:2")));
        assertEquals(List.of(), membership.members(), "not joined on the caller's thread");
        time.runFor(java.time.Duration.ZERO);
        assertEquals(List.of("w1", "w2"), membership.members().stream().map(WorkerMember::name).toList());
        assertEquals(List.of(true, false), membership.members().stream().map(WorkerMember::healthy).toList(),
                "one that is not up yet does not hold up the others");
        workers.at("h:2").answering = true;
        time.runFor(java.time.Duration.ofMillis(100));
        assertEquals(2, membership.healthyCount(), "the heartbeat brings it in");
    }

    @Test
    void configuredWorkersFollowAChangeOfTheList() {
        var w1 = new ControllerOptions.Seed("w1", "h:1");
        var w2 = new ControllerOptions.Seed("w2", "h:2");
        var w3 = new ControllerOptions.Seed("w3", "h:3");
        membership.seed(List.of(w1, w2));
        time.runFor(java.time.Duration.ZERO);
        membership.join("w2", "h:22"); // w2 has since re-joined by itself from elsewhere: it stays
        membership.reseed(List.of(w1, w2), List.of(w3));
        time.runFor(java.time.Duration.ZERO);
        assertEquals(List.of("w2", "w3"), membership.members().stream().map(WorkerMember::name).toList());
        assertTrue(workers.at("h:1").closed, "w1, no longer configured, left");
        assertTrue(membership.members().stream().allMatch(WorkerMember::healthy));
    }
}
