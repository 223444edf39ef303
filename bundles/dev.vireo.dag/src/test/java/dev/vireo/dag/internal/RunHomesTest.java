package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.testkit.TestTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs kept in a node's memory, in a cluster: a controller places each run on a worker ({@link RunHomes}) and starts
 * it again elsewhere when that worker leaves; a worker whose slots are full runs tasks on a peer with room
 * ({@link Overflow}). The workers are real runtimes, each with its own embedded store; the network between them is
 * method calls.
 */
class RunHomesTest {
    TestTime time;
    final Map<String, Node> nodes = new ConcurrentHashMap<>();
    /** Chains sent to peers (sub-graphs inline). */
    final java.util.concurrent.atomic.AtomicInteger chains = new java.util.concurrent.atomic.AtomicInteger();

    /** A worker: its functions, its runtime, its own store. */
    record Node(ScriptedWorker worker, DagEngine engine) {
    }

    /** The cluster as every node sees it: the nodes still in {@link #nodes}, less the asking one. */
    final class Peers implements DagPeers {
        final String self;

        Peers(String self) {
            this.self = self;
        }

        @Override
        public List<String> peers() {
            return nodes.keySet().stream().filter(n -> !n.equals(self)).sorted().toList();
        }

        @Override
        public CompletionStage<Void> start(String peer, String run, List<String> tasks) {
            return CompletableFuture.failedFuture(new IllegalStateException("no shared store here"));
        }

        @Override
        public DagService service(String peer) {
            return new EngineService(node(peer).engine());
        }

        @Override
        public CompletionStage<List<dev.vireo.api.dag.ChainStep>> chain(String peer,
                List<dev.vireo.api.dag.ChainLink> links, String payload, int limit) {
            chains.incrementAndGet();
            return node(peer).engine().runChain(links, payload, limit);
        }

        @Override
        public WorkerService worker(String peer) {
            return node(peer).worker();
        }

        private Node node(String peer) {
            Node n = nodes.get(peer);
            if (n == null || peer.equals(self)) {
                throw new WorkerException(ErrorKind.UNREACHABLE, peer + " is not a peer");
            }
            return n;
        }
    }

    /** A runtime as its front ends serve it to other nodes. */
    record EngineService(DagEngine engine) implements DagService {
        @Override
        public Workflow parse(String specJson) {
            return WorkflowJson.parse(specJson);
        }

        @Override
        public String submit(Workflow workflow, String resume, String run) {
            // over the network a workflow travels as its spec
            return engine.submit(WorkflowJson.parse(workflow.spec()), resume, run);
        }

        @Override
        public RunStatus status(String run) {
            return engine.status(run);
        }

        @Override
        public void continueTask(String run, String task) {
            engine.continueTask(run, task);
        }

        @Override
        public RunStatus summary(String run) {
            return engine.summary(run);
        }

        @Override
        public String spec(String run) {
            return engine.spec(run);
        }

        @Override
        public dev.vireo.api.dag.RunPlan plan(String run) {
            return engine.plan(run);
        }

        @Override
        public RunResult result(String run) {
            return engine.result(run);
        }

        @Override
        public RunStatus cancel(String run) {
            return engine.cancel(run);
        }

        @Override
        public void delete(String run) {
            engine.delete(run);
        }

        @Override
        public List<RunStatus> runs() {
            return engine.runs();
        }
    }

    /** The planner every node plans with (the default unless a test sets one). */
    volatile dev.vireo.api.spi.dag.DagPlanner planner = new LocalPlanner();

    Node node(String name, int slots, Overflow overflow) {
        ScriptedWorker w = new ScriptedWorker(time, name).fn("noop-1", args -> "null").fn("hold-1", args -> "null")
                .fn("inc-1", args -> Integer.toString(args.getAsJsonObject().get("x").getAsInt() + 1));
        w.slots = slots;
        EmbeddedStore store = new EmbeddedStore(1 << 20, null);
        DagEngine e = new DagEngine(w, () -> store, () -> planner, time, time, DagOptions.DEFAULTS,
                new Placement(() -> new Peers(name), () -> false), overflow != null ? overflow
                        : new Overflow(w, () -> new Peers(name), () -> members(name), time));
        return new Node(w, e);
    }

    /** What the cluster reports of the others: idle, with their slots. */
    List<WorkerMember> members(String self) {
        return nodes.entrySet().stream().filter(e -> !e.getKey().equals(self)).map(e -> new WorkerMember(e.getKey(),
                "addr-" + e.getKey(), true, 0, 0, e.getValue().worker().slots, 0, 0, 0, 2, Instant.EPOCH, ""))
                .collect(Collectors.toList());
    }

    RunHomes controller() {
        return new RunHomes(() -> new Peers("controller"), () -> "r-" + System.nanoTime(), time,
                () -> Duration.ofHours(1));
    }

    @BeforeEach
    void setUp() {
        time = new TestTime();
    }

    @AfterEach
    void tearDown() {
        nodes.values().forEach(n -> n.engine().close());
        time.close();
    }

    RunStatus await(RunHomes homes, String run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunStatus s = homes.ask(run, d -> d.summary(run));
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = homes.ask(run, d -> d.summary(run));
        }
        return s;
    }

    static Workflow chain(int n) {
        StringBuilder b = new StringBuilder("{\"tasks\":[{\"id\":\"t0\",\"function\":\"inc-1\",\"args\":{\"x\":0}}");
        for (int i = 1; i < n; i++) {
            b.append(",{\"id\":\"t").append(i).append("\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"t")
                    .append(i - 1).append("\"}}}");
        }
        return WorkflowJson.parse(b.append("]}").toString());
    }

    @Test
    void eachRunLivesOnOneWorkerWhichRunsAllItsTasks() throws Exception {
        nodes.put("wa", node("wa", 64, null));
        nodes.put("wb", node("wb", 64, null));
        RunHomes homes = controller();
        assertTrue(homes.active());
        String r1 = homes.submit(chain(20), "", "");
        String r2 = homes.submit(chain(20), "", "");
        assertEquals(RunState.SUCCEEDED, await(homes, r1).state());
        assertEquals(RunState.SUCCEEDED, await(homes, r2).state());
        String h1 = homes.home(r1).orElseThrow();
        String h2 = homes.home(r2).orElseThrow();
        assertFalse(h1.equals(h2), "runs spread over the workers in turn");
        assertEquals("20", homes.ask(r1, d -> d.result(r1)).outputs().get("t19"));
        // every task of a run on its home: no hop between workers, none through the controller
        assertEquals(20, nodes.get(h1).worker().tids.stream().filter(t -> t.startsWith(r1 + ":")).count());
        assertEquals(0, nodes.get(h2).worker().tids.stream().filter(t -> t.startsWith(r1 + ":")).count());
        assertEquals(List.of(r1, r2).stream().sorted().toList(), homes.runs().stream().map(RunStatus::run).sorted()
                .toList());

        // a given id is kept; taken ids and unknown runs are refused as a worker refuses them
        assertEquals("mine", homes.submit(chain(2), "", "mine"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class,
                () -> homes.ask("nope", d -> d.summary("nope"))).kind());

        // a controller that restarted (knows no homes) finds runs on the workers
        RunHomes restarted = controller();
        assertEquals(RunState.SUCCEEDED, restarted.ask(r2, d -> d.summary(r2)).state());
        assertEquals(h2, restarted.home(r2).orElseThrow());
    }

    @Test
    void aRunWhoseWorkerLeavesStartsAgainOnAnotherUnderTheSameId() throws Exception {
        nodes.put("wa", node("wa", 64, null));
        nodes.put("wb", node("wb", 64, null));
        RunHomes homes = controller();
        // hold both workers' invocations: the run cannot finish before its home goes
        CompletableFuture<Void> gate = new CompletableFuture<>();
        nodes.values().forEach(n -> n.worker().gates.put("inc-1", gate));
        String run = homes.submit(chain(5), "", "");
        String first = homes.home(run).orElseThrow();
        String other = first.equals("wa") ? "wb" : "wa";
        homes.recover(); // its home is in service: nothing moves
        assertEquals(first, homes.home(run).orElseThrow());

        Node gone = nodes.remove(first); // the worker dies (its memory with it)
        homes.recover();
        assertEquals(other, homes.home(run).orElseThrow());
        gate.complete(null);
        RunStatus s = await(homes, run);
        assertEquals(RunState.SUCCEEDED, s.state());
        assertEquals(run, s.run());
        assertEquals("5", homes.ask(run, d -> d.result(run)).outputs().get("t4"));
        assertTrue(nodes.get(other).worker().tids.contains(run + ":t4"));
        gone.engine().close();
    }

    @Test
    void aWorkerWithNoFreeSlotRunsTasksOnAPeerWithRoom() throws Exception {
        nodes.put("wb", node("wb", 4, null));
        Node a = node("wa", 2, null);
        nodes.put("wa", a);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        a.worker().gates.put("hold-1", gate);
        nodes.get("wb").worker().gates.put("hold-1", gate);
        StringBuilder spec = new StringBuilder("{\"tasks\":[{\"id\":\"root\",\"function\":\"noop-1\"}");
        for (int i = 0; i < 6; i++) {
            spec.append(",{\"id\":\"b").append(i).append("\",\"function\":\"hold-1\",\"after\":[\"root\"]}");
        }
        String run = a.engine().submit(WorkflowJson.parse(spec.append("]}").toString()), "");
        // the branches are dealt while none has returned
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (a.worker().tids.size() + nodes.get("wb").worker().tids.size() < 7 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        // the root, then 2 branches fill this worker's 2 slots; 2 go to the peer (it reports 4, but is taken to admit
        // of the function what this worker does: 2), the last 2 wait here
        assertEquals(5, a.worker().tids.size(), "here: " + a.worker().tids);
        assertEquals(2, nodes.get("wb").worker().tids.size(), "on the peer: " + nodes.get("wb").worker().tids);
        gate.complete(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunStatus s = a.engine().status(run);
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = a.engine().status(run);
        }
        assertEquals(RunState.SUCCEEDED, s.state());
        Map<String, Long> byWorker = s.records().stream().collect(Collectors.groupingBy(TaskRecord::worker,
                Collectors.counting()));
        assertEquals(Map.of("wa", 5L, "wb", 2L), byWorker, "the records name where each task ran");
        assertEquals(0, nodes.get("wb").engine().runs().size(), "the run itself stays on its worker");
    }

    @Test
    void aPeerThatDoesNotAnswerIsPassedOverAndItsTasksRunHere() throws Exception {
        Node b = node("wb", 4, null);
        b.worker().fn("hold-1", args -> {
            throw new WorkerException(ErrorKind.UNREACHABLE, "wb went away");
        });
        nodes.put("wb", b);
        Node a = node("wa", 2, null);
        nodes.put("wa", a);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        a.worker().gates.put("hold-1", gate);
        StringBuilder spec = new StringBuilder("{\"tasks\":[{\"id\":\"root\",\"function\":\"noop-1\"}");
        for (int i = 0; i < 6; i++) {
            spec.append(",{\"id\":\"b").append(i).append("\",\"function\":\"hold-1\",\"after\":[\"root\"]}");
        }
        String run = a.engine().submit(WorkflowJson.parse(spec.append("]}").toString()), "");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (a.worker().tids.size() < 7 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        gate.complete(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunStatus s = a.engine().status(run);
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = a.engine().status(run);
        }
        assertEquals(RunState.SUCCEEDED, s.state(), s.toString());
        assertFalse(b.worker().tids.isEmpty(), "the peer was tried");
        assertTrue(s.records().stream().allMatch(r -> r.worker().equals("wa")), "then everything ran here: " + s);
    }

    @Test
    void theRuntimeFollowsThePlanAndKeepsIt() throws Exception {
        nodes.put("wb", node("wb", 64, null));
        Node a = node("wa", 64, null);
        nodes.put("wa", a);
        // a planner that sends "far" to the peer, prewarms "last" there, and predicts times
        planner = (dag, context) -> {
            assertEquals(List.of("wa", "wb"), context.workers(), "this node first, then its peers");
            assertEquals(dev.vireo.api.spi.dag.Sla.P90, context.sla(), "the run's statistic");
            return new dev.vireo.api.spi.dag.DagPlan(dag.name(), List.of(
                    new dev.vireo.api.spi.dag.DagPlan.Step("first", "", "", false, 3, 0, 10),
                    new dev.vireo.api.spi.dag.DagPlan.Step("far", "wb", "", false, 2, 10, 20),
                    new dev.vireo.api.spi.dag.DagPlan.Step("last", "wb", "", true, 1, 20, 30)), 30);
        };
        String spec = "{\"name\":\"planned\",\"sla\":\"p90\",\"tasks\":["
                + "{\"id\":\"first\",\"function\":\"inc-1\",\"args\":{\"x\":1}},"
                + "{\"id\":\"far\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"first\"}}},"
                + "{\"id\":\"last\",\"function\":\"noop-1\",\"after\":[\"far\"]}]}";
        String run = a.engine().submit(WorkflowJson.parse(spec), "");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!a.engine().summary(run).state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        RunStatus s = a.engine().status(run);
        assertEquals(RunState.SUCCEEDED, s.state(), s.toString());
        Map<String, String> where = s.records().stream().collect(Collectors.toMap(TaskRecord::task,
                TaskRecord::worker));
        assertEquals(Map.of("first", "wa", "far", "wb", "last", "wb"), where, "each task where its step says");
        assertEquals(List.of("noop-1"), nodes.get("wb").worker().prewarms, "last's container started ahead, on wb");
        assertEquals(List.of("wa:" + run + ":first"), a.worker().tids.stream().map(t -> "wa:" + t).toList());
        dev.vireo.api.dag.RunPlan plan = a.engine().plan(run);
        assertEquals("p90", plan.sla());
        assertEquals(30, plan.predictedMakespanUs());
        assertEquals(List.of("first", "far", "last"), plan.steps().stream().map(dev.vireo.api.dag.RunPlan.Step::task)
                .toList());
        assertEquals("wb", plan.steps().get(1).worker());
        assertEquals(20, plan.steps().get(1).finishUs());
    }

    @Test
    void aGroupRunsWhereItsFirstMemberRanEvenWithRoomElsewhere() throws Exception {
        nodes.put("wb", node("wb", 64, null));
        Node a = node("wa", 64, null);
        nodes.put("wa", a);
        // the group's first member is planned on the peer; the others name no worker (alone, each would run here)
        planner = (dag, context) -> new dev.vireo.api.spi.dag.DagPlan(dag.name(), List.of(
                new dev.vireo.api.spi.dag.DagPlan.Step("t0", "", "", false, 0),
                new dev.vireo.api.spi.dag.DagPlan.Step("t1", "wb", "g", false, 0),
                new dev.vireo.api.spi.dag.DagPlan.Step("t2", "", "g", false, 0),
                new dev.vireo.api.spi.dag.DagPlan.Step("t3", "", "g", false, 0),
                new dev.vireo.api.spi.dag.DagPlan.Step("t4", "", "", false, 0)), 0);
        String run = a.engine().submit(chain(5), "");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!a.engine().summary(run).state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        RunStatus s = a.engine().status(run);
        assertEquals(RunState.SUCCEEDED, s.state(), s.toString());
        Map<String, String> where = s.records().stream().collect(Collectors.toMap(TaskRecord::task,
                TaskRecord::worker));
        assertEquals(Map.of("t0", "wa", "t1", "wb", "t2", "wb", "t3", "wb", "t4", "wa"), where,
                "the group's members followed its first; the tasks outside it ran here");
        assertEquals(Map.of("t4", "5"), a.engine().result(run).outputs());
        assertEquals(1, chains.get(), "the group went to the peer in one request");
        assertEquals(List.of(run + ":t1", run + ":t2", run + ":t3"), nodes.get("wb").worker().tids);
    }

    /**
     * Every planner end to end on two workers: a fan-out of 6 into a fan-in, then a diamond, each run twice (the second
     * with the first's history); every run succeeds with the right output, and every task ran where its step said
     * (when it named a worker).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"local", "heft", "critical-path", "wukong", "locality"})
    void everyPlannerRunsWorkflowsWhereItPlannedThem(String name) throws Exception {
        planner = switch (name) {
            case "local" -> new LocalPlanner();
            case "heft" -> new HeftPlanner();
            case "critical-path" -> new CriticalPathPlanner();
            case "wukong" -> new WukongPlanner();
            default -> new LocalityPlanner();
        };
        nodes.put("wb", node("wb", 8, null));
        Node a = node("wa", 8, null);
        nodes.put("wa", a);
        StringBuilder fan = new StringBuilder("{\"tasks\":[{\"id\":\"root\",\"function\":\"inc-1\",\"args\":{\"x\":0}}");
        StringBuilder refs = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            fan.append(",{\"id\":\"b").append(i).append("\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"root\"}}}");
            refs.append(i == 0 ? "" : ",").append("\"b").append(i).append('"');
        }
        fan.append(",{\"id\":\"sink\",\"function\":\"noop-1\",\"after\":[").append(refs).append("]}]}");
        String diamond = "{\"tasks\":[{\"id\":\"a\",\"function\":\"inc-1\",\"args\":{\"x\":1}},"
                + "{\"id\":\"l\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"a\"}}},"
                + "{\"id\":\"r\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"a\"}}},"
                + "{\"id\":\"d\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"l\"}},\"after\":[\"r\"]}]}";
        for (int round = 0; round < 2; round++) {
            for (String spec : List.of(fan.toString(), diamond)) {
                String run = a.engine().submit(WorkflowJson.parse(spec), "");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!a.engine().summary(run).state().done() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                RunStatus s = a.engine().status(run);
                assertEquals(RunState.SUCCEEDED, s.state(), name + ": " + s);
                if (spec.equals(diamond)) {
                    assertEquals("4", a.engine().result(run).outputs().get("d"), name);
                }
                dev.vireo.api.dag.RunPlan plan = a.engine().plan(run);
                assertEquals(s.records().size(), plan.steps().size(), name + ": a step per task");
                Map<String, String> ran = s.records().stream().collect(Collectors.toMap(TaskRecord::task,
                        TaskRecord::worker));
                for (dev.vireo.api.dag.RunPlan.Step st : plan.steps()) {
                    if (!st.worker().isEmpty()) {
                        assertEquals(st.worker(), ran.get(st.task()), name + ": " + st.task() + " as planned");
                    }
                }
            }
        }
    }

    @Test
    void aGraphSubmittedAgainReusesItsPlanWhileTheStatisticsHold() throws Exception {
        Node a = node("wa", 64, null);
        nodes.put("wa", a);
        java.util.concurrent.atomic.AtomicInteger planned = new java.util.concurrent.atomic.AtomicInteger();
        HeftPlanner heft = new HeftPlanner();
        planner = (dag, context) -> {
            planned.incrementAndGet();
            return heft.plan(dag, context);
        };
        List<dev.vireo.api.dag.RunPlan> kept = new java.util.ArrayList<>();
        List<Integer> plannedBefore = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            plannedBefore.add(planned.get());
            String run = a.engine().submit(chain(5), "");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!a.engine().summary(run).state().done() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(RunState.SUCCEEDED, a.engine().summary(run).state());
            kept.add(a.engine().plan(run));
        }
        // planned with nothing known, then with each new history while it moves; once it holds (the runtime's own
        // overhead jitters, in real time here), a submission reuses the kept plan
        assertTrue(planned.get() < 8, "some submission reused a plan: " + planned.get() + " plans for 8 runs");
        int reused = -1;
        for (int i = 1; i < 8; i++) {
            int made = (i + 1 < 8 ? plannedBefore.get(i + 1) : planned.get()) - plannedBefore.get(i);
            if (made == 0) {
                reused = i;
            }
        }
        assertTrue(reused > 0);
        assertEquals(kept.get(reused - 1).steps().size(), kept.get(reused).steps().size());
        // another graph is planned afresh
        int before = planned.get();
        String other = a.engine().submit(chain(6), "");
        assertEquals(before + 1, planned.get());
        assertEquals(6, a.engine().plan(other).steps().size());
    }

    @Test
    void predictionsComeFromWhatRanInTheRunsStatistic() throws Exception {
        Node a = node("wa", 64, null);
        nodes.put("wa", a);
        List<dev.vireo.api.spi.dag.Prediction> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        planner = (dag, context) -> {
            seen.add(context.predict("inc-1"));
            return new LocalPlanner().plan(dag, context);
        };
        for (String sla : List.of("p50", "p50", "p99")) {
            String run = a.engine().submit(WorkflowJson.parse("{\"sla\":\"" + sla + "\",\"tasks\":[{\"id\":\"t\","
                    + "\"function\":\"inc-1\",\"args\":{\"x\":1}}]}"), "");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!a.engine().summary(run).state().done() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        assertFalse(seen.get(0).known(), "nothing ran before the first run");
        // the scripted worker reports execution 10 us, end to end 20 us of which 5 queued, warm, an output of 1 byte;
        // the warm start is the task's own overhead around its invocation (the invocation's path, 5 us, and more)
        assertTrue(seen.get(1).known());
        assertEquals(10, seen.get(1).executionUs());
        assertTrue(seen.get(1).warmStartUs() >= 5, "at least the invocation's own path: " + seen.get(1));
        assertEquals(1, seen.get(1).outputBytes());
        assertEquals(2, seen.get(2).samples());
    }

    @Test
    void aLongChainOfInvocationsThatCompleteAtOnceDoesNotNestItsHops() throws Exception {
        // a worker that answers on the calling thread: each hop's end starts the next on the same stack
        ScriptedWorker w = new ScriptedWorker(Runnable::run, "wa").fn("inc-1", args -> Integer.toString(args
                .getAsJsonObject().get("x").getAsInt() + 1));
        w.slots = 64;
        EmbeddedStore store = new EmbeddedStore(1 << 24, null);
        DagEngine e = new DagEngine(w, () -> store, LocalPlanner::new, time, time, DagOptions.DEFAULTS);
        try {
            String run = e.submit(chain(5_000), "");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!e.summary(run).state().done() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(RunState.SUCCEEDED, e.summary(run).state(), String.valueOf(e.summary(run)));
            assertEquals("5000", e.result(run).outputs().get("t4999"));
        } finally {
            e.close();
        }
    }

    @Test
    void aNodeAloneKeepsEverythingHere() throws Exception {
        Node a = node("wa", 1, null);
        nodes.put("wa", a);
        String run = a.engine().submit(chain(10), "");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!a.engine().summary(run).state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(RunState.SUCCEEDED, a.engine().summary(run).state());
        assertEquals(10, a.worker().tids.size());
        RunHomes homes = controller();
        a.engine().close();
        nodes.clear();
        assertFalse(homes.active(), "no workers: nothing to place runs on");
        assertEquals(ErrorKind.UNREACHABLE, assertThrows(WorkerException.class,
                () -> homes.submit(chain(1), "", "")).kind());
    }
}
