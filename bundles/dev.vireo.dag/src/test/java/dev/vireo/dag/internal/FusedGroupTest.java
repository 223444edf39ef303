package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.testkit.TestTime;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plan's groups with a shared store: a controller deals the tasks over two workers; each group runs on one of them,
 * member after member, and the group's next member reads its input from that worker's memory, not from the store.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FusedGroupTest {
    @TempDir
    Path spill;
    TestTime time;
    /** Every outputs() request to the store: the tasks asked for. */
    final List<List<String>> reads = new CopyOnWriteArrayList<>();
    DagStore shared;
    ScriptedWorker wa;
    ScriptedWorker wb;
    DagEngine a;
    DagEngine controller;
    HandOffTest.Cluster cluster;

    /** Groups "g0".."g3": chain i of four tasks, all its members in group gi; the join in none. */
    static final DagPlanner GROUPS = (dag, context) -> new DagPlan(dag.name(), dag.tasks().stream()
            .map(t -> new DagPlan.Step(t.id(), "", t.id().startsWith("c") ? "g" + t.id().charAt(1) : "", false, 0))
            .toList(), 0);

    /** Four chains c{i}s{0..3} from a root into a join; each step adds one. */
    static String chains() {
        StringBuilder b = new StringBuilder("{\"name\":\"chains\",\"tasks\":[{\"id\":\"root\",\"function\":\"inc-1\","
                + "\"args\":{\"x\":0}}");
        for (int c = 0; c < 4; c++) {
            for (int s = 0; s < 4; s++) {
                String prev = s == 0 ? "root" : "c" + c + "s" + (s - 1);
                b.append(",{\"id\":\"c").append(c).append("s").append(s).append("\",\"function\":\"inc-1\",\"args\":")
                        .append("{\"x\":{\"$ref\":\"").append(prev).append("\"}}}");
            }
        }
        String refs = IntStream.range(0, 4).mapToObj(c -> "{\"$ref\":\"c" + c + "s3\"}").collect(Collectors.joining(
                ","));
        return b.append(",{\"id\":\"join\",\"function\":\"sum-1\",\"args\":{\"xs\":[").append(refs).append("]}}]}")
                .toString();
    }

    ScriptedWorker worker(String name) {
        return new ScriptedWorker(time, name)
                .fn("inc-1", args -> Integer.toString(args.getAsJsonObject().get("x").getAsInt() + 1))
                .fn("sum-1", ScriptedWorker::sum);
    }

    @BeforeEach
    void setUp() {
        time = new TestTime();
        DagStore store = HandOffTest.shared(new EmbeddedStore(1 << 20, spill));
        shared = (DagStore) Proxy.newProxyInstance(DagStore.class.getClassLoader(), new Class<?>[] {DagStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("outputs") && args != null && args.length == 2) {
                        @SuppressWarnings("unchecked")
                        List<String> asked = new ArrayList<>((java.util.Collection<String>) args[1]);
                        reads.add(asked);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        wa = worker("wa");
        wb = worker("wb");
        cluster = HandOffTest.Cluster.of(wa, wb, worker("ctl"), () -> shared, () -> GROUPS, time);
        a = cluster.a();
        controller = cluster.controller();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        time.close();
    }

    @Test
    void eachGroupRunsOnOneWorkerAndReadsItsMembersOutputsFromMemory() throws Exception {
        String run = controller.submit(WorkflowJson.parse(chains()), "");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunStatus s = controller.status(run);
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = controller.status(run);
        }
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(Map.of("join", "20"), controller.result(run).outputs(), "each chain adds 4 to 1; four chains");
        Map<String, String> where = s.records().stream().collect(Collectors.toMap(TaskRecord::task,
                TaskRecord::worker));
        for (int c = 0; c < 4; c++) {
            String first = where.get("c" + c + "s0");
            for (int st = 1; st < 4; st++) {
                assertEquals(first, where.get("c" + c + "s" + st), "chain " + c + " stays on one worker: " + where);
            }
        }
        assertTrue(where.values().containsAll(List.of("wa", "wb")), "the chains were dealt over both: " + where);
        // members 1..3 of each chain read their input from memory (delayed I/O); the chains' first members got the
        // root's output with their hand-off (values inline); only the join reads chain ends it was not handed
        List<String> asked = reads.stream().flatMap(List::stream).toList();
        for (int c = 0; c < 4; c++) {
            for (int st = 0; st < 3; st++) {
                assertTrue(!asked.contains("c" + c + "s" + st), "c" + c + "s" + st + " was read from the store: "
                        + asked);
            }
        }
        assertTrue(!asked.contains("root"), "the root's output went inline: " + asked);
        assertEquals(3, asked.stream().filter(t -> t.endsWith("s3")).count(), "the join got the last chain end"
                + " inline, and read the three others: " + asked);
    }

    @Test
    void inputsCarriedInlineAreChecked() throws Exception {
        String run = controller.submit(WorkflowJson.parse(chains()), "");
        for (Map<String, String> bad : List.of(Map.of("c0s1", "1"), Map.of("nope", "1"), Map.of("root", "{oops"),
                Map.of("root", "\"" + "x".repeat(DagOptions.DEFAULTS.maxOutputBytes()) + "\""))) {
            dev.vireo.api.model.ValidationException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.vireo.api.model.ValidationException.class, () -> a.continueTasks(run, List.of("c0s0"), bad));
            assertEquals("inputs", e.field(), e.getMessage());
        }
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(dev.vireo.api.model.ValidationException.class,
                () -> a.continueTasks(run, List.of("c0s0"), Map.of("c1s0", "1"))).getMessage().contains(
                        "'c1s0' is not an input of task 'c0s0'"));
    }
}
