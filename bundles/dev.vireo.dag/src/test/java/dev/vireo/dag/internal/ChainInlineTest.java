package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.dag.ChainLink;
import dev.vireo.api.dag.ChainStep;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.testkit.TestTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sub-graphs inline: a run kept in its home's memory whose plan puts a fused group on a peer sends the group's chain
 * there in one request; the peer builds each later member's payload from the outputs it made, and only the outputs
 * the home needs come back. Two real runtimes (each its own embedded store), the network between them method calls.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChainInlineTest {
    TestTime time;
    ScriptedWorker home;
    ScriptedWorker peer;
    DagEngine homeEngine;
    DagEngine peerEngine;
    final AtomicInteger chains = new AtomicInteger();
    final AtomicInteger peerInvocations = new AtomicInteger();
    /** Whether the peer runs chains (else it refuses them, as one that does not know the rpc would). */
    volatile boolean chainsServed = true;
    /** c2 fails this many more times. */
    final AtomicInteger c2Failures = new AtomicInteger();
    /** c1 fails this many more times. */
    final AtomicInteger c1Failures = new AtomicInteger();

    /** c0..c2 in group g on the peer; everything else on the home, in no group. */
    static final DagPlanner ON_PEER = (dag, context) -> new DagPlan(dag.name(), dag.tasks().stream()
            .map(t -> t.id().startsWith("c") ? new DagPlan.Step(t.id(), "wb", "g", false, 0)
                    : new DagPlan.Step(t.id(), "", "", false, 0))
            .toList(), 0);

    /** root -> c0 -> c1 -> c2, and sum reads c1 and c2: c0's output is read only inside the chain. */
    static final String SPEC = "{\"name\":\"ch\",\"tasks\":["
            + "{\"id\":\"root\",\"function\":\"inc-1\",\"args\":{\"x\":0}},"
            + "{\"id\":\"c0\",\"function\":\"pad-1\",\"args\":{\"x\":{\"$ref\":\"root\"}}},"
            + "{\"id\":\"c1\",\"function\":\"unpad-1\",\"args\":{\"x\":{\"$ref\":\"c0\"}},\"retries\":1},"
            + "{\"id\":\"c2\",\"function\":\"last-1\",\"args\":{\"x\":{\"$ref\":\"c1\"}}},"
            + "{\"id\":\"sum\",\"function\":\"sum-1\",\"args\":{\"xs\":[{\"$ref\":\"c1\"},{\"$ref\":\"c2\"}]}}]}";

    ScriptedWorker worker(String name) {
        return new ScriptedWorker(time, name)
                .fn("inc-1", args -> Integer.toString(args.getAsJsonObject().get("x").getAsInt() + 1))
                // a large output (~10 KB) passed between two members: it should not cross the network
                .fn("pad-1", args -> "{\"v\":" + (args.getAsJsonObject().get("x").getAsInt() + 1) + ",\"pad\":\""
                        + "x".repeat(10_000) + "\"}")
                .fn("unpad-1", args -> {
                    if (c1Failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new IllegalStateException("failing as asked");
                    }
                    return args.getAsJsonObject().getAsJsonObject("x").get("v").getAsString();
                })
                .fn("last-1", args -> {
                    if (c2Failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new IllegalStateException("failing as asked");
                    }
                    return Integer.toString(args.getAsJsonObject().get("x").getAsInt() + 1);
                })
                .fn("sum-1", ScriptedWorker::sum);
    }

    @BeforeEach
    void setUp() {
        time = new TestTime();
        home = worker("wa");
        peer = worker("wb");
        home.slots = 4;
        peer.slots = 4;
        peerEngine = new DagEngine(peer, () -> new EmbeddedStore(1 << 20, null), () -> ON_PEER, time, time,
                DagOptions.DEFAULTS);
        DagPeers peers = new DagPeers() {
            @Override
            public List<String> peers() {
                return List.of("wb");
            }

            @Override
            public CompletionStage<Void> start(String p, String run, List<String> tasks) {
                throw new UnsupportedOperationException("no shared store here");
            }

            @Override
            public DagService service(String p) {
                throw new UnsupportedOperationException();
            }

            @Override
            public WorkerService worker(String p) {
                // the peer's worker service as the home invokes it: each invocation counted
                return (WorkerService) java.lang.reflect.Proxy.newProxyInstance(WorkerService.class.getClassLoader(),
                        new Class<?>[] {WorkerService.class}, (proxy, method, args) -> {
                            if (method.getName().equals("invoke")) {
                                peerInvocations.incrementAndGet();
                            }
                            try {
                                return method.invoke(peer, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }

            @Override
            public CompletionStage<List<ChainStep>> chain(String p, List<ChainLink> links, String payload, int limit) {
                chains.incrementAndGet();
                return chainsServed ? peerEngine.runChain(links, payload, limit)
                        : java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
                                "UNIMPLEMENTED: RunDagChain"));
            }
        };
        EmbeddedStore store = new EmbeddedStore(1 << 20, null);
        homeEngine = new DagEngine(home, () -> store, () -> ON_PEER, time, time, DagOptions.DEFAULTS,
                new Placement(() -> peers, () -> false), new Overflow(home, () -> peers, () -> List.of(
                        new dev.vireo.api.cluster.WorkerMember("wb", "addr-wb", true, 0, 0, 4, 0, 0, 0, 2,
                                Instant.EPOCH, "")), time));
    }

    @AfterEach
    void tearDown() {
        homeEngine.close();
        peerEngine.close();
        time.close();
    }

    RunStatus await(String run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunStatus s = homeEngine.status(run);
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = homeEngine.status(run);
        }
        return s;
    }

    @Test
    void aGroupOnAPeerRunsThereInOneRequestAndItsInnerOutputStaysThere() throws Exception {
        String run = homeEngine.submit(WorkflowJson.parse(SPEC), "");
        RunStatus s = await(run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(Map.of("sum", "5"), homeEngine.result(run).outputs(), "c1 = 2, c2 = 3");
        assertEquals(1, chains.get(), "one request for the three members");
        assertEquals(0, peerInvocations.get(), "no member invoked on the peer one by one");
        assertEquals(List.of(run + ":c0", run + ":c1", run + ":c2"), peer.tids, "all three ran on the peer, in order");
        assertEquals(List.of(run + ":root", run + ":sum"), home.tids);
        Map<String, TaskRecord> r = s.records().stream().collect(Collectors.toMap(TaskRecord::task, t -> t));
        for (String c : List.of("c0", "c1", "c2")) {
            assertEquals("wb", r.get(c).worker(), c);
            assertEquals(TaskState.SUCCEEDED, r.get(c).state(), c);
            assertEquals(1, r.get(c).attempts(), c);
            assertTrue(r.get(c).endUs() >= r.get(c).startUs(), c + ": " + r.get(c));
        }
        assertEquals("{\"x\":1}".length(), r.get("c0").bytesIn(), "c0's payload went with the request");
        assertEquals(0, r.get("c1").bytesIn(), "c1's payload was made on the peer");
        assertEquals(0, r.get("c0").bytesOut(), "c0's ~10 KB output stayed on the peer: only c1 reads it");
        assertEquals(1, r.get("c1").bytesOut(), "sum reads c1: it came back");
        assertEquals(1, r.get("c2").bytesOut());
        assertTrue(peer.payloads.get(run + ":c1").contains("xxxxxxxx"), "c1 got c0's output on the peer");
    }

    @Test
    void aMemberThatFailsInTheChainIsRetriedByTheHomeWithTheInputsItNeeds() throws Exception {
        c1Failures.set(1);
        String run = homeEngine.submit(WorkflowJson.parse(SPEC), "");
        RunStatus s = await(run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(Map.of("sum", "5"), homeEngine.result(run).outputs());
        assertEquals(1, chains.get());
        Map<String, TaskRecord> r = s.records().stream().collect(Collectors.toMap(TaskRecord::task, t -> t));
        assertEquals(2, r.get("c1").attempts(), "the chain's try, then the home's retry");
        assertTrue(r.get("c0").bytesOut() > 10_000, "c1's retry reads c0's output: it came back");
        // a retry goes wherever there is room (here: the home); c2 follows its group to the peer, alone
        assertTrue(home.tids.contains(run + ":c1.r2") || peer.tids.contains(run + ":c1.r2"), home.tids + " "
                + peer.tids);
        assertEquals(List.of(run + ":c0", run + ":c1"), peer.tids.subList(0, 2), "the chain stopped at c1");
        assertTrue(peer.tids.contains(run + ":c2"), "c2 ran where its group runs: " + peer.tids);
        assertEquals(peer.tids.size() - 2, peerInvocations.get(), "what the chain did not run went one by one");
    }

    @Test
    void aChainRequestIsCheckedBeforeAnythingRuns() {
        List<ChainLink> ok = List.of(new ChainLink("r:a", "a", "inc-1", "{\"x\":1}", List.of(), true));
        for (List<ChainLink> bad : List.of(List.<ChainLink>of(),
                List.of(new ChainLink("r:a", "a", "inc-1", "", List.of("z"), true)),
                List.of(ok.get(0), new ChainLink("r:b", "b", "inc-1", "{\"x\":{\"$ref\":\"c\"}}", List.of("c"), true)),
                List.of(ok.get(0), new ChainLink("r:b", "b", "inc-1", "{oops", List.of("a"), true)),
                List.of(ok.get(0), new ChainLink("", "b", "inc-1", "", List.of("a"), true)),
                List.of(ok.get(0), new ChainLink("r:a2", "a", "inc-1", "", List.of("a"), true)),
                List.of(ok.get(0), new ChainLink("r:b", "b", "inc-1", "{\"x\":{\"$ref\":\"a\"}}", List.of(), true)),
                List.of(ok.get(0), new ChainLink("bad tid!", "b", "inc-1", "", List.of("a"), true)))) {
            ValidationException e = assertThrows(ValidationException.class, () -> peerEngine.runChain(bad, "", 0));
            assertEquals("links", e.field(), e.getMessage());
        }
        assertEquals("payload", assertThrows(ValidationException.class, () -> peerEngine.runChain(ok, "{oops", 0))
                .field());
        assertTrue(peer.tids.isEmpty(), "nothing ran");
    }

    @Test
    void aPeerThatCannotBeReachedLeavesTheGroupToRunMemberByMember() throws Exception {
        // the first link cannot be invoked: the request fails, and the home's retry runs the member alone
        List<ChainLink> links = List.of(new ChainLink("r:a", "a", "nope-1", "", List.of(), true),
                new ChainLink("r:b", "b", "inc-1", "{\"x\":{\"$ref\":\"a\"}}", List.of("a"), true));
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> peerEngine.runChain(links, "{}", 0).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, ((WorkerException) e.getCause()).kind());
    }

    @Test
    void aPeerThatDoesNotRunChainsGetsTheMembersOneByOne() throws Exception {
        chainsServed = false;
        String run = homeEngine.submit(WorkflowJson.parse(SPEC), "");
        RunStatus s = await(run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(Map.of("sum", "5"), homeEngine.result(run).outputs());
        assertEquals(1, chains.get(), "asked once");
        assertEquals(List.of(run + ":c0", run + ":c1", run + ":c2"), peer.tids, "the group still ran on the peer");
        assertEquals(3, peerInvocations.get(), "member by member");
        Map<String, TaskRecord> r = s.records().stream().collect(Collectors.toMap(TaskRecord::task, t -> t));
        assertEquals(1, r.get("c0").attempts(), "not counted as a failed attempt");
        assertTrue(r.get("c0").bytesOut() > 10_000, "c0's output came back, as every member's does without a chain");
    }

    @Test
    void thePeerChecksOutputsAgainstTheCallersLimitAndAnswersWithoutTheText() throws Exception {
        List<ChainLink> links = List.of(new ChainLink("r:a", "a", "pad-1", "", List.of(), false),
                new ChainLink("r:b", "b", "unpad-1", "{\"x\":{\"$ref\":\"a\"}}", List.of("a"), true));
        List<ChainStep> steps = peerEngine.runChain(links, "{\"x\":1}", 5_000).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertEquals(1, steps.size(), "the chain stopped at a");
        ChainStep a = steps.get(0);
        assertEquals(ErrorKind.USER_ERROR, a.record().error().orElseThrow().kind());
        assertTrue(a.record().error().orElseThrow().message().contains("more than max.output.bytes 5000"),
                a.record().error().toString());
        assertEquals("", a.record().result(), "the too large text does not travel");
        assertTrue(a.outputBytes() > 10_000);
    }

    @Test
    void aCancelledChainRunsNoFurtherLink() throws Exception {
        java.util.concurrent.CompletableFuture<Void> gate = new java.util.concurrent.CompletableFuture<>();
        peer.gates.put("pad-1", gate);
        List<ChainLink> links = List.of(new ChainLink("r:a", "a", "pad-1", "", List.of(), false),
                new ChainLink("r:b", "b", "unpad-1", "{\"x\":{\"$ref\":\"a\"}}", List.of("a"), true));
        CompletionStage<List<ChainStep>> stage = peerEngine.runChain(links, "{\"x\":1}", 0);
        stage.toCompletableFuture().cancel(false); // the caller went away (gRPC cancels the stage)
        gate.complete(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (peer.tids.size() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(50);
        assertEquals(List.of("r:a"), peer.tids, "b never ran");
    }

    @Test
    void aResumedRunRunsAgainTheMembersWhoseOutputsStayedOnThePeer() throws Exception {
        c2Failures.set(1); // c2 fails in the chain (no retries): the run fails; c0's output stayed on the peer
        String first = homeEngine.submit(WorkflowJson.parse(SPEC), "");
        RunStatus failed = await(first);
        assertEquals(RunState.FAILED, failed.state());
        assertEquals(0, failed.records().stream().filter(r -> r.task().equals("c0")).findFirst().orElseThrow()
                .bytesOut(), "c0's output stayed there");
        home.tids.clear();
        peer.tids.clear();
        String second = homeEngine.submit(WorkflowJson.parse(SPEC), first);
        RunStatus s = await(second);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(Map.of("sum", "5"), homeEngine.result(second).outputs());
        assertEquals(List.of(second + ":c0", second + ":c1", second + ":c2"), peer.tids,
                "c0 had no output to reuse: it and all after it ran again (c1 too, although its output came back)");
        assertEquals(List.of(second + ":sum"), home.tids, "root was reused");
    }

    @Test
    void aMemberWhoseInputCameBackIsTheFirstOfTheChainWhenTheRunResumes() throws Exception {
        c1Failures.set(2); // c1 fails in the chain and in its retry: c0's output came back for the retry
        String first = homeEngine.submit(WorkflowJson.parse(SPEC), "");
        assertEquals(RunState.FAILED, await(first).state());
        peer.tids.clear();
        chains.set(0);
        String second = homeEngine.submit(WorkflowJson.parse(SPEC), first);
        assertEquals(RunState.SUCCEEDED, await(second).state());
        assertEquals(List.of(second + ":c1", second + ":c2"), peer.tids, "c0 reused; c1 and c2 in one chain");
        assertEquals(1, chains.get());
    }
}
