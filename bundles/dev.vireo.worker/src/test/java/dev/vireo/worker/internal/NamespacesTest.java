package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.worker.ActivationQuery;
import dev.vireo.api.worker.NamespaceTokens;
import dev.vireo.api.worker.ScopedWorker;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.VirtualTime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Namespaces on a real worker core (virtual clock): a namespace's caller ({@link ScopedWorker}) sees and touches its
 * own functions, records and statistics only, registers into its namespace, and is refused what only the node may
 * do; who a caller is follows from its token; a namespace's quota makes the worker give up that namespace's idle
 * containers, never another's.
 */
class NamespacesTest {
    private static final Duration PATIENCE = Duration.ofMinutes(10);
    private static final String NODE_TOKEN = "node-token-0123456789";
    private static final String TEAM_A_TOKEN = "team-a-token-0123456789";

    private final VirtualTime time = new VirtualTime();
    private final Fakes.Backend backend = new Fakes.Backend(time);
    /** team-a's memory quota: 256 MB of its containers; evicting others' frees none of it. */
    private final Fakes.Capacity quota = new Fakes.Capacity("namespaces", 256,
            r -> FunctionSpec.namespaceOf(r.functionId()).equals("team-a") ? r.memoryMb() : 0) {
        @Override
        public boolean perNamespace() {
            return true;
        }
    };
    /** team-a's concurrency quota: one invocation running at once. */
    private final Fakes.Capacity running = new Fakes.Capacity("namespace-slots", 1,
            r -> FunctionSpec.namespaceOf(r.functionId()).equals("team-a") ? r.slots() : 0) {
        @Override
        public boolean perNamespace() {
            return true;
        }
    };
    /** A tracker that counts namespaces: its figures per namespace are the caller's own only in a scoped status. */
    private final ResourceTracker counting = new Fakes.Capacity("ns-figures", 1, r -> 0) {
        @Override
        public dev.vireo.api.spi.resource.ResourceUsage usage() {
            return new dev.vireo.api.spi.resource.ResourceUsage("ns-figures", "namespaces", 2, 0,
                    java.util.Map.of("team-a.running", 1.0, "team-b.running", 2.0));
        }
    };
    private final TestRegistry registry = new TestRegistry()
            .put(ContainerBackend.class, "fake", backend).put(AgentTransport.class, "fake", backend)
            .put(ResourceTracker.class, "concurrency", new Fakes.Capacity("concurrency", 8, r -> r.slots()))
            .put(ResourceTracker.class, "memory", new Fakes.Capacity("memory", 1024, r -> r.memoryMb()))
            .put(ResourceTracker.class, "namespaces", quota).put(ResourceTracker.class, "namespace-slots", running)
            .put(ResourceTracker.class, "ns-figures", counting)
            .put(QueuePolicy.class, "fifo", Fakes.FIFO).put(KeepAlivePolicy.class, "oldest", Fakes.OLDEST_IDLE);
    private final WorkerCore node = new WorkerCore(registry, time, time, new WorkerOptions("w", 100,
            Duration.ofSeconds(600), Duration.ofMillis(50), 1_000, Duration.ofSeconds(1), 5,
            List.of(Path.of(System.getProperty("java.io.tmpdir")))), Fakes.meters(),
            () -> new HostMemory.Reading(100_000, 90_000));
    private final WorkerService teamA = new ScopedWorker(node, "team-a");
    private final WorkerService teamB = new ScopedWorker(node, "team-b");

    @AfterEach
    void close() {
        node.close();
    }

    private static FunctionSpec fn(String name, int memoryMb) {
        return new FunctionSpec(name, "1", "img", "", "", "", Compute.CPU, "fake", memoryMb, 0.1,
                Duration.ofSeconds(10), 1, null);
    }

    private <T> T await(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        time.runUntil(f::isDone, PATIENCE);
        return f.join();
    }

    private InvocationRecord call(WorkerService w, String id) {
        InvocationRecord r = await(w.invoke(null, id, "{}"));
        assertTrue(r.success(), r.toString());
        return r;
    }

    /** When a record's invocation left the queue: its arrival and its wait there. */
    private static java.time.Instant started(InvocationRecord r) {
        return r.arrival().plusNanos(r.timings().queuedUs() * 1_000);
    }

    private static ErrorKind kind(Runnable r) {
        return assertThrows(WorkerException.class, r::run).kind();
    }

    @Test
    void aNamespacesCallerSeesAndTouchesItsOwnFunctionsOnly() {
        assertEquals("team-a:f-1", teamA.register(fn("f", 64)).id(), "registered into the caller's namespace");
        assertEquals("team-b:f-1", teamB.register(fn("f", 64)).id(), "the same name in another namespace");
        assertEquals("f-1", node.register(fn("f", 64)).id());
        assertEquals(List.of("team-a:f-1"), teamA.functions().stream().map(FunctionSpec::id).toList());
        assertEquals(3, node.functions().size());
        ValidationException other = assertThrows(ValidationException.class,
                () -> teamA.register(fn("g", 64).withNamespace("team-b")));
        assertEquals("namespace", other.field());

        InvocationRecord mine = call(teamA, "team-a:f-1");
        InvocationRecord theirs = call(teamB, "team-b:f-1");
        call(node, "f-1");
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, kind(() -> teamA.invoke(null, "team-b:f-1", "{}")),
                "another namespace's function is unknown, as if it did not exist");
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, kind(() -> teamA.invoke(null, "f-1", "{}")));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, kind(() -> teamA.unregister("team-b:f-1")));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, kind(() -> teamA.prewarm("team-b:f-1", 1)));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, kind(() -> teamA.activation(theirs.tid())));
        assertEquals(mine.tid(), teamA.activation(mine.tid()).tid());
        assertEquals(List.of(mine.tid()), teamA.activations(ActivationQuery.newest()).stream()
                .map(InvocationRecord::tid).toList());
        assertEquals(3, node.activations(ActivationQuery.newest()).size());
        assertEquals(List.of("team-a:f-1"), List.copyOf(teamA.status().stats().keySet()));
        assertEquals(1, teamA.status().functions());
        assertEquals(java.util.Map.of("team-a.running", 1.0), teamA.status().resources().stream()
                .filter(u -> u.resource().equals("ns-figures")).findFirst().orElseThrow().detail());
        assertEquals(2, node.status().resources().stream().filter(u -> u.resource().equals("ns-figures")).findFirst()
                .orElseThrow().detail().size());
        assertTrue(teamA.anatomy(theirs.tid()).isEmpty());
        assertEquals(ErrorKind.FORBIDDEN, kind(teamA::settings));
        assertEquals(ErrorKind.FORBIDDEN, kind(() -> teamA.use("queue", "fifo")));

        FunctionSpec code = new FunctionSpec("c", "1", "", "/srv/team-a/c", "main.handle", "containerd", Compute.CPU,
                "fake", 64, 0.1, Duration.ofSeconds(10), 1, null);
        assertEquals("code", assertThrows(ValidationException.class, () -> teamA.register(new FunctionSpec("c", "1",
                "", "/srv/team-b/c", "main.handle", "containerd", Compute.CPU, "fake", 64, 0.1, Duration.ofSeconds(10),
                1, null))).field(), "another namespace's code folder");
        assertEquals("code", assertThrows(ValidationException.class, () -> teamA.register(new FunctionSpec("c", "1",
                "", "/team-a/c", "main.handle", "containerd", Compute.CPU, "fake", 64, 0.1, Duration.ofSeconds(10),
                1, null))).field(), "a folder named as the namespace at the root is no code root's");
        assertEquals("backend", assertThrows(ValidationException.class,
                () -> teamA.register(code.withBackend("process"))).field(), "code as the worker's own user");
        assertEquals("backend", assertThrows(ValidationException.class,
                () -> teamA.register(code.withBackend(""))).field(), "the backend is named: never process by default");

        teamA.unregister("team-a:f-1");
        assertEquals(List.of("team-b:f-1"), teamB.functions().stream().map(FunctionSpec::id).toList());
        assertEquals(2, node.functions().size());
    }

    @Test
    void whoCallsFollowsFromTheTokenAndTheNamespaceAskedFor() {
        NamespaceTokens tokens = NamespaceTokens.parse("namespace.tokens", "team-a:" + TEAM_A_TOKEN
                + ", team-b:team-b-token-0123456789  team-a:team-a-second-0123456789");
        assertEquals(java.util.Set.of("team-a", "team-b"), tokens.namespaces());
        assertSame(node, ScopedWorker.of(node, "Bearer " + NODE_TOKEN, null, NODE_TOKEN, tokens).orElseThrow());
        assertEquals("team-a", ((ScopedWorker) ScopedWorker.of(node, "Bearer " + NODE_TOKEN, "team-a", NODE_TOKEN,
                tokens).orElseThrow()).namespace(), "the node's token acting as a namespace (a controller forwarding)");
        assertEquals("team-a", ((ScopedWorker) ScopedWorker.of(node, "Bearer " + TEAM_A_TOKEN, null, NODE_TOKEN,
                tokens).orElseThrow()).namespace());
        assertEquals("team-a", ((ScopedWorker) ScopedWorker.of(node, "Bearer team-a-second-0123456789", "team-a",
                NODE_TOKEN, tokens).orElseThrow()).namespace(), "a second token of the namespace");
        assertEquals(ErrorKind.FORBIDDEN, kind(() -> ScopedWorker.of(node, "Bearer " + TEAM_A_TOKEN, "team-b",
                NODE_TOKEN, tokens)));
        assertTrue(ScopedWorker.of(node, "Bearer wrong-token-0123456789", null, NODE_TOKEN, tokens).isEmpty());
        assertTrue(ScopedWorker.of(node, null, "team-a", NODE_TOKEN, tokens).isEmpty());
        assertSame(node, ScopedWorker.of(node, null, null, "", NamespaceTokens.NONE).orElseThrow(), "an open node");
        assertEquals(ErrorKind.INVALID_REQUEST, kind(() -> ScopedWorker.of(node, null, "Team A", "",
                NamespaceTokens.NONE)));
        assertEquals("namespace.tokens", assertThrows(ValidationException.class,
                () -> tokens.refuseNodeTokens("namespace.tokens", "", TEAM_A_TOKEN)).field(),
                "a namespace's token that is the node's own would act in every namespace");
        tokens.refuseNodeTokens("namespace.tokens", NODE_TOKEN, "");

        for (String bad : List.of("team-a", "team-a:short", "Team:token-0123456789abc", "a:" + TEAM_A_TOKEN + " b:"
                + TEAM_A_TOKEN)) {
            ValidationException e = assertThrows(ValidationException.class, () -> NamespaceTokens.parse(
                    "namespace.tokens", bad), bad);
            assertEquals("namespace.tokens", e.field());
            assertFalse(e.getMessage().contains(TEAM_A_TOKEN), "a token is never shown: " + e.getMessage());
        }
    }

    @Test
    void aNamespaceAtItsQuotaGivesUpItsOwnIdleContainersNeverAnothers() {
        teamA.register(fn("a", 128));
        teamA.register(fn("b", 128));
        teamA.register(fn("c", 128));
        teamB.register(fn("x", 128));
        call(teamB, "team-b:x-1");
        call(teamA, "team-a:a-1");
        await(time.delay(Duration.ofSeconds(1)));
        call(teamA, "team-a:b-1");
        assertEquals(256.0, quota.used, 0.001, "team-a's quota is full of idle containers");
        assertEquals(List.of(), backend.destroyed);
        call(teamA, "team-a:c-1");
        assertEquals(1, backend.destroyed.size(), "one of team-a's idle containers made room");
        assertTrue(backend.destroyed.get(0).contains("-a-"), "the least recently used, a's: " + backend.destroyed);
        assertEquals(256.0, quota.used, 0.001);
        assertEquals(3, node.status().containersIdle(), "team-b's idle container stays, and b's and c's");
    }

    @Test
    void aNamespaceAtItsConcurrencyQuotaWaitsWithoutHoldingUpTheOthers() {
        teamA.register(fn("slow", 64));
        teamB.register(fn("quick", 64));
        backend.gate = new CompletableFuture<>();
        CompletableFuture<InvocationRecord> first = teamA.invoke(null, "team-a:slow-1", "\"wait\"").toCompletableFuture();
        time.runUntil(() -> running.used == 1, PATIENCE);
        CompletableFuture<InvocationRecord> second = teamA.invoke(null, "team-a:slow-1", "\"wait\"")
                .toCompletableFuture();
        InvocationRecord other = await(teamB.invoke(null, "team-b:quick-1", "{}"));
        assertTrue(other.success(), "team-b ran past team-a's queued invocation: " + other);
        assertFalse(first.isDone() || second.isDone(), "team-a's wait for their gate");
        assertEquals(1, node.status().queued(), "team-a's second waits in the queue, in its place");
        backend.gate.complete(null);
        assertTrue(await(first).success());
        assertTrue(await(second).success(), "then it runs");
    }

    @Test
    void withinANamespaceAtItsQuotaLaterSmallInvocationsDoNotOvertakeAnEarlierLargeOne() {
        teamA.register(fn("small", 64));
        teamA.register(fn("big", 256));
        backend.gate = new CompletableFuture<>();
        CompletableFuture<InvocationRecord> holder = teamA.invoke(null, "team-a:small-1", "\"wait\"")
                .toCompletableFuture();
        time.runUntil(() -> quota.used == 64, PATIENCE);
        CompletableFuture<InvocationRecord> big = teamA.invoke(null, "team-a:big-1", "{}").toCompletableFuture();
        List<CompletableFuture<InvocationRecord>> later = List.of(
                teamA.invoke(null, "team-a:small-1", "{}").toCompletableFuture(),
                teamA.invoke(null, "team-a:small-1", "{}").toCompletableFuture());
        await(time.delay(Duration.ofSeconds(5)));
        assertFalse(big.isDone(), "256 MB do not fit next to the running 64 MB");
        assertFalse(later.get(0).isDone() || later.get(1).isDone(), "64 MB would fit, but the big one came first");
        assertEquals(3, node.status().queued());
        backend.gate.complete(null);
        assertTrue(await(holder).success());
        assertTrue(await(big).success(), "the idle small container made room for it");
        for (CompletableFuture<InvocationRecord> f : later) {
            assertTrue(await(f).success());
        }
        for (CompletableFuture<InvocationRecord> f : later) {
            assertFalse(started(f.join()).isBefore(started(big.join())), "the big one started first");
        }
    }
}
