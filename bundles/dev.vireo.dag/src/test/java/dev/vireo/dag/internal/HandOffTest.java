package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.testkit.TestTime;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes that share a store continue one run together: a worker keeps its continuation and deals a fan-out's other
 * branches over itself and its peers; a controller deals every task to the workers and runs none; a peer that cannot
 * be reached gets nothing (its task runs here). Three engines in one JVM, each on a worker of its own, one store.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HandOffTest {
    @TempDir
    Path spill;
    TestTime time;
    DagStore shared;
    ScriptedWorker wa;
    ScriptedWorker wb;
    ScriptedWorker wc;
    DagEngine a;
    DagEngine b;
    DagEngine controller;
    Cluster cluster;

    /** The embedded store, claiming to be shared (the nodes here share this one object, as Redis is shared). */
    static DagStore shared(DagStore store) {
        return (DagStore) Proxy.newProxyInstance(DagStore.class.getClassLoader(), new Class<?>[] {DagStore.class},
                (proxy, method, args) -> method.getName().equals("shared") ? Boolean.TRUE : invoke(method, store, args));
    }

    private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Peers as the front ends provide them: start() reaches the peer's continueTask (or fails if it is gone). */
    record Peers(Map<String, DagEngine> nodes) implements DagPeers {
        @Override
        public List<String> peers() {
            return List.copyOf(nodes.keySet());
        }

        @Override
        public CompletionStage<Void> start(String peer, String run, List<String> tasks) {
            DagEngine node = nodes.get(peer);
            if (node == null) {
                return CompletableFuture.failedFuture(new IllegalStateException(peer + " is gone"));
            }
            return CompletableFuture.runAsync(() -> tasks.forEach(task -> node.continueTask(run, task)));
        }

        @Override
        public CompletionStage<Void> start(String peer, String run, List<String> tasks, Map<String, String> inputs) {
            DagEngine node = nodes.get(peer);
            if (node == null) {
                return CompletableFuture.failedFuture(new IllegalStateException(peer + " is gone"));
            }
            return CompletableFuture.runAsync(() -> node.continueTasks(run, tasks, inputs));
        }

        @Override
        public dev.vireo.api.dag.DagService service(String peer) {
            throw new dev.vireo.api.worker.WorkerException(dev.vireo.api.model.ErrorKind.UNREACHABLE, "not used here");
        }

        @Override
        public dev.vireo.api.worker.WorkerService worker(String peer) {
            throw new dev.vireo.api.worker.WorkerException(dev.vireo.api.model.ErrorKind.UNREACHABLE, "not used here");
        }
    }

    /** Two workers and a controller sharing one store, each the others' peer (the controller is no one's). */
    record Cluster(DagEngine a, DagEngine b, DagEngine controller) implements AutoCloseable {
        @Override
        public void close() {
            a.close();
            b.close();
            controller.close();
        }

        static Cluster of(ScriptedWorker wa, ScriptedWorker wb, ScriptedWorker wc, java.util.function.Supplier<DagStore>
                store, java.util.function.Supplier<dev.vireo.api.spi.dag.DagPlanner> planner, TestTime time) {
            Map<String, DagEngine> peersOfA = new java.util.concurrent.ConcurrentHashMap<>();
            Map<String, DagEngine> peersOfB = new java.util.concurrent.ConcurrentHashMap<>();
            Map<String, DagEngine> peersOfC = new java.util.concurrent.ConcurrentHashMap<>();
            DagEngine a = new DagEngine(wa, store, planner, time, time, DagOptions.DEFAULTS,
                    new Placement(() -> new Peers(peersOfA), () -> false));
            DagEngine b = new DagEngine(wb, store, planner, time, time, DagOptions.DEFAULTS,
                    new Placement(() -> new Peers(peersOfB), () -> false));
            DagEngine c = new DagEngine(wc, store, planner, time, time, DagOptions.DEFAULTS,
                    new Placement(() -> new Peers(peersOfC), () -> true));
            peersOfA.put("wb", b);
            peersOfB.put("wa", a);
            peersOfC.putAll(Map.of("wa", a, "wb", b));
            return new Cluster(a, b, c);
        }
    }

    ScriptedWorker worker(String name) {
        return new ScriptedWorker(time, name).fn("noop-1", args -> "null")
                .fn("inc-1", args -> Integer.toString(args.getAsJsonObject().get("x").getAsInt() + 1));
    }

    @BeforeEach
    void setUp() {
        time = new TestTime();
        shared = shared(new EmbeddedStore(1 << 20, spill));
        wa = worker("wa");
        wb = worker("wb");
        wc = worker("ctl");
        cluster = Cluster.of(wa, wb, wc, () -> shared, LocalPlanner::new, time);
        a = cluster.a();
        b = cluster.b();
        controller = cluster.controller();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        time.close();
    }

    RunStatus await(DagEngine node, String run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunStatus s = node.status(run);
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = node.status(run);
        }
        return s;
    }

    static String fanout(int n) {
        String branches = IntStream.range(0, n).mapToObj(i -> "{\"id\":\"b" + i + "\",\"function\":\"noop-1\","
                + "\"after\":[\"root\"]}").collect(Collectors.joining(","));
        return "{\"tasks\":[{\"id\":\"root\",\"function\":\"noop-1\"}," + branches + ",{\"id\":\"sink\",\"function\":"
                + "\"noop-1\",\"after\":[" + IntStream.range(0, n).mapToObj(i -> "\"b" + i + "\"")
                        .collect(Collectors.joining(",")) + "]}]}";
    }

    @Test
    void aWorkerDealsAFanOutOverItselfAndItsPeer() throws Exception {
        String run = a.submit(WorkflowJson.parse(fanout(40)), "");
        RunStatus s = await(a, run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(42, wa.tids.size() + wb.tids.size(), "each task ran once, somewhere");
        assertTrue(wb.tids.size() >= 15 && wa.tids.size() >= 15, "spread: a " + wa.tids.size() + ", b "
                + wb.tids.size());
        assertEquals(s.state(), b.status(run).state(), "every node sees the same run");
    }

    @Test
    void aChainContinuesWhereItIsWithNoHandOff() throws Exception {
        String chain = "{\"tasks\":[{\"id\":\"t0\",\"function\":\"inc-1\",\"args\":{\"x\":0}}" + IntStream.range(1, 30)
                .mapToObj(i -> ",{\"id\":\"t" + i + "\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"t" + (i - 1)
                        + "\"}}}").collect(Collectors.joining()) + "]}";
        String run = b.submit(WorkflowJson.parse(chain), "");
        assertEquals(RunState.SUCCEEDED, await(b, run).state());
        assertEquals(30, wb.tids.size(), "every hop stayed on the node that finished the one before");
        assertEquals(0, wa.tids.size());
        assertEquals(Map.of("t29", "30"), a.result(run).outputs(), "read from any node");
    }

    @Test
    void aControllerRunsNothingItselfAndAGonePeerGetsNothing() throws Exception {
        String run = controller.submit(WorkflowJson.parse(fanout(20)), "");
        RunStatus s = await(controller, run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(0, wc.tids.size(), "no task through the controller");
        assertEquals(22, wa.tids.size() + wb.tids.size());

        // a peer that cannot be reached: its share runs here
        DagEngine lonely = new DagEngine(worker("wl"), () -> shared, LocalPlanner::new, time, time, DagOptions.DEFAULTS,
                new Placement(() -> new DagPeers() {
                    @Override
                    public List<String> peers() {
                        return List.of("gone");
                    }

                    @Override
                    public CompletionStage<Void> start(String peer, String run, List<String> tasks) {
                        return CompletableFuture.failedFuture(new IllegalStateException(peer + " is gone"));
                    }
                    @Override
                    public dev.vireo.api.dag.DagService service(String peer) {
                        throw new dev.vireo.api.worker.WorkerException(dev.vireo.api.model.ErrorKind.UNREACHABLE,
                                peer + " is gone");
                    }

                    @Override
                    public dev.vireo.api.worker.WorkerService worker(String peer) {
                        throw new dev.vireo.api.worker.WorkerException(dev.vireo.api.model.ErrorKind.UNREACHABLE,
                                peer + " is gone");
                    }
                }, () -> false));
        try {
            String r2 = lonely.submit(WorkflowJson.parse(fanout(10)), "");
            assertEquals(RunState.SUCCEEDED, await(lonely, r2).state());
        } finally {
            lonely.close();
        }
    }

    @Test
    void aTaskWhoseWorkerDiedIsHandedToAnotherByTheController() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        wb.fn("job-1", args -> {
            try {
                never.await(30, TimeUnit.SECONDS); // wb "died" with the task running: it never answers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "\"from b\"";
        });
        wa.fn("job-1", args -> "\"from a\"");
        wc.fn("job-1", args -> "\"from the controller\"");
        Map<String, DagEngine> members = new java.util.concurrent.ConcurrentHashMap<>(Map.of("wb", b));
        DagEngine ctl = new DagEngine(wc, () -> shared, LocalPlanner::new, time, time, new DagOptions(1 << 20,
                java.time.Duration.ofHours(1), java.time.Duration.ofMinutes(1), 3, java.time.Duration.ofMillis(1),
                java.time.Duration.ofMillis(50)), new Placement(() -> new Peers(members), () -> true));
        try {
            String run = ctl.submit(WorkflowJson.parse("{\"tasks\":[{\"id\":\"j\",\"function\":\"job-1\"}]}"), "");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (wb.tids.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, wb.tids.size(), "handed to wb, which hangs");
            // wb leaves the cluster (its heartbeats stop); wa is in service
            members.remove("wb");
            members.put("wa", a);
            RunStatus s = await(ctl, run);
            assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
            assertEquals(Map.of("j", "\"from a\""), ctl.result(run).outputs());
            assertEquals(0, wc.tids.size(), "not run on the controller");
        } finally {
            never.countDown();
            ctl.close();
        }
    }

    @Test
    void aTaskMadeReadyByANodeThatDiedBeforeStartingItIsStartedByTheController() throws Exception {
        Map<String, DagEngine> members = new java.util.concurrent.ConcurrentHashMap<>(Map.of("wa", a));
        DagEngine ctl = new DagEngine(wc, () -> shared, LocalPlanner::new, time, time, new DagOptions(1 << 20,
                java.time.Duration.ofHours(1), java.time.Duration.ofMinutes(1), 3, java.time.Duration.ofMillis(1),
                java.time.Duration.ofHours(1)), new Placement(() -> new Peers(members), () -> true));
        try {
            // what a node leaves behind when it dies right after its task's end: "first" settled, recorded, "second"
            // released (nothing missing), and never started
            String spec = "{\"tasks\":[{\"id\":\"first\",\"function\":\"inc-1\",\"args\":{\"x\":1}},"
                    + "{\"id\":\"second\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"first\"}}}]}";
            String run = "r-orphan";
            shared.create(run, WorkflowJson.write(WorkflowJson.parse(spec)), RunText.meta(new RunText.Meta("",
                    time.now(), null, dev.vireo.api.dag.Workflow.OnError.FAIL_FAST, "")), Map.of("first", 0,
                            "second", 1), 2);
            shared.settle(run, "first", "2");
            shared.record(run, "first", RunText.record(new dev.vireo.api.dag.TaskRecord("first", "inc-1",
                    dev.vireo.api.dag.TaskState.SUCCEEDED, "gone", "warm", 1, 0, 0, 1, 0, 0, 0, 0, 0, 1,
                    java.util.Optional.empty())));
            assertEquals(0, shared.release(run, "second"));
            shared.finishTask(run);

            ctl.recover(); // seen once: it may be about to start
            assertEquals(0, wa.tids.size());
            ctl.recover(); // still not started: handed on
            RunStatus s = await(ctl, run);
            assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
            assertEquals(Map.of("second", "3"), ctl.result(run).outputs());
            assertEquals(List.of(run + ":second"), wa.tids);
        } finally {
            ctl.close();
        }
    }
}
