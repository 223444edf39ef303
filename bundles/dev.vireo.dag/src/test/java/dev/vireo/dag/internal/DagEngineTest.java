package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.testkit.TestTime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Workflows run through the engine on a scripted worker: every shape, failures, retries, cancel, resume, cleanup. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DagEngineTest {
    @TempDir
    Path spill;
    TestTime time;
    ScriptedWorker worker;
    EmbeddedStore store;
    DagEngine engine;

    @BeforeEach
    void setUp() {
        time = new TestTime();
        worker = new ScriptedWorker(time)
                .fn("noop-1", args -> "null")
                .fn("inc-1", args -> Integer.toString(args.getAsJsonObject().get("x").getAsInt() + 1))
                .fn("split-1", args -> {
                    JsonArray words = new JsonArray();
                    for (String w : args.getAsJsonObject().get("text").getAsString().split(" ")) {
                        words.add(w);
                    }
                    return words.toString();
                })
                .fn("len-1", args -> Integer.toString(args.getAsJsonObject().get("word").getAsString().length()))
                .fn("sum-1", args -> {
                    int sum = 0;
                    for (JsonElement e : args.getAsJsonObject().getAsJsonArray("xs")) {
                        sum += e.getAsInt();
                    }
                    return Integer.toString(sum);
                })
                .fn("add-1", args -> Integer.toString(args.getAsJsonObject().get("a").getAsInt()
                        + args.getAsJsonObject().get("b").getAsInt()))
                .fn("fail-1", args -> {
                    throw new IllegalStateException("boom");
                });
        store = new EmbeddedStore(1 << 20, spill);
        engine = engine(DagOptions.DEFAULTS);
    }

    DagEngine engine(DagOptions options) {
        return new DagEngine(worker, () -> store, LocalPlanner::new, time, time, options);
    }

    @AfterEach
    void tearDown() {
        engine.close();
        time.close();
    }

    RunStatus await(String run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunStatus s = engine.status(run);
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = engine.status(run);
        }
        assertTrue(s.state().done(), "run did not finish: " + s);
        return s;
    }

    String submit(String spec) {
        return engine.submit(WorkflowJson.parse(spec), "");
    }

    TaskRecord record(RunStatus s, String task) {
        return s.records().stream().filter(r -> r.task().equals(task)).findFirst().orElseThrow();
    }

    @Test
    void aChainPassesEachOutputOn() throws Exception {
        StringBuilder spec = new StringBuilder("{\"tasks\":[{\"id\":\"t0\",\"function\":\"inc-1\",\"args\":{\"x\":0}}");
        for (int i = 1; i < 100; i++) {
            spec.append(",{\"id\":\"t").append(i).append("\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"t")
                    .append(i - 1).append("\"}}}");
        }
        String run = submit(spec.append("]}").toString());
        RunStatus s = await(run);
        assertEquals(RunState.SUCCEEDED, s.state());
        assertEquals(100, s.counts().get(TaskState.SUCCEEDED));
        RunResult r = engine.result(run);
        assertEquals(Map.of("t99", "100"), r.outputs());
        assertEquals(run + ":t5", worker.tids.get(5), "each task's invocation carries the run and task in its tid");
        assertTrue(store.outputs(run, List.of("t0", "t50", "t98")).isEmpty(),
                "intermediate outputs are dropped once the run succeeded");
    }

    @Test
    void aFanOutStartsEveryBranchAndTheFanInSeesThemAll() throws Exception {
        int n = 1_000;
        String branches = IntStream.range(0, n).mapToObj(i -> "{\"id\":\"b" + i + "\",\"function\":\"inc-1\",\"args\":"
                + "{\"x\":{\"$ref\":\"root\"}}}").collect(Collectors.joining(","));
        String refs = IntStream.range(0, n).mapToObj(i -> "{\"$ref\":\"b" + i + "\"}").collect(Collectors.joining(","));
        String run = submit("{\"name\":\"fan\",\"tasks\":[{\"id\":\"root\",\"function\":\"inc-1\",\"args\":{\"x\":0}},"
                + branches + ",{\"id\":\"sum\",\"function\":\"sum-1\",\"args\":{\"xs\":[" + refs + "]}}]}");
        RunStatus s = await(run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(Map.of("sum", Integer.toString(2 * n)), engine.result(run).outputs());
        assertEquals(n + 2, worker.tids.size(), "each task ran once");
        assertEquals("fan", s.name());
    }

    @Test
    void aDynamicFanOutMapsOverAListKnownOnlyAtRunTimeAndMapsChain() throws Exception {
        String run = submit("""
                {"tasks":[
                 {"id":"split","function":"split-1","args":{"text":"a bb ccc dddd"}},
                 {"id":"lens","function":"len-1","map":"split","args":{"word":{"$item":true}}},
                 {"id":"plus","function":"inc-1","map":"lens","args":{"x":{"$item":true}}},
                 {"id":"total","function":"sum-1","args":{"xs":{"$ref":"plus"}}}]}""");
        RunStatus s = await(run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals("14", engine.result(run).outputs().get("total"), "(1+2+3+4) + 4");
        assertEquals(4, record(s, "lens").items());
        assertTrue(worker.tids.contains(run + ":lens.e3"), worker.tids.toString());
        String empty = submit("""
                {"tasks":[{"id":"split","function":"split-1","args":{"text":""}},
                 {"id":"none","function":"fail-1","map":"split","args":{"w":{"$item":true}}}]}""");
        // "".split(" ") is [""]: one element; the function fails on it
        assertEquals(RunState.FAILED, await(empty).state());
    }

    @Test
    void aRunsSpecReadsBackToItsWorkflowAndAnUnknownRunIsRefused() throws Exception {
        Workflow w = WorkflowJson.parse("""
                {"name":"wc","on_error":"continue","retries":1,"tasks":[
                 {"id":"split","function":"split-1","args":{"text":"a bb"}},
                 {"id":"lens","function":"len-1","map":"split","args":{"word":{"$item":true}}},
                 {"id":"total","function":"sum-1","args":{"xs":{"$ref":"lens"}},"after":["split"],"retries":2}]}""");
        String run = engine.submit(w, "");
        await(run);
        assertEquals(w, WorkflowJson.parse(engine.spec(run)), "the spec reads back to the workflow submitted");
        assertEquals(List.of("lens", "split"), WorkflowJson.parse(engine.spec(run)).task("total").dependsOn());
        WorkerException gone = assertThrows(WorkerException.class, () -> engine.spec("r-nope"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, gone.kind());
    }

    @Test
    void aMapOverSomethingThatIsNotAListFailsTheTaskNamingIt() throws Exception {
        String run = submit("""
                {"tasks":[{"id":"one","function":"inc-1","args":{"x":1}},
                 {"id":"m","function":"inc-1","map":"one","args":{"x":{"$item":true}}}]}""");
        RunStatus s = await(run);
        assertEquals(RunState.FAILED, s.state());
        TaskRecord m = record(s, "m");
        assertEquals(TaskState.FAILED, m.state());
        assertTrue(m.error().orElseThrow().message().contains("maps over 'one', whose output is not a JSON array"),
                m.error().toString());
    }

    @Test
    void aFailingTaskIsRetriedWithBackoffThenLeavesAnErrorRecord() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        worker.fn("flaky-1", args -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
            return "\"ok\"";
        });
        String ok = submit("{\"retry_backoff_ms\":10,\"tasks\":[{\"id\":\"f\",\"function\":\"flaky-1\",\"retries\":2}]}");
        RunStatus s = await(ok);
        assertEquals(RunState.SUCCEEDED, s.state());
        assertEquals(3, record(s, "f").attempts());
        assertEquals(List.of(ok + ":f", ok + ":f.r2", ok + ":f.r3"), worker.tids.stream().filter(t -> t.startsWith(ok)).toList());

        String bad = submit("{\"retries\":1,\"retry_backoff_ms\":1,\"tasks\":[{\"id\":\"x\",\"function\":\"fail-1\"},"
                + "{\"id\":\"after\",\"function\":\"noop-1\",\"args\":{\"in\":{\"$ref\":\"x\"}}}]}");
        RunStatus b = await(bad);
        assertEquals(RunState.FAILED, b.state());
        TaskRecord x = record(b, "x");
        assertEquals(TaskState.FAILED, x.state());
        assertEquals(2, x.attempts());
        assertEquals(ErrorKind.USER_ERROR, x.error().orElseThrow().kind());
        assertEquals("IllegalStateException: boom", x.error().orElseThrow().message());
        assertTrue(x.error().orElseThrow().detail().startsWith("Traceback"), "the traceback is kept");
        assertEquals(TaskState.SKIPPED, record(b, "after").state(), "fail-fast: nothing after it ran");
        assertTrue(b.failure().orElseThrow().startsWith("x: USER_ERROR"), b.failure().toString());
        assertFalse(worker.tids.stream().anyMatch(t -> t.startsWith(bad + ":after")));
    }

    @Test
    void onErrorContinueSkipsWhatNeedsTheFailedTaskAndFinishesTheRest() throws Exception {
        String run = submit("""
                {"on_error":"continue","tasks":[
                 {"id":"bad","function":"fail-1"},
                 {"id":"needs-bad","function":"noop-1","args":{"a":{"$ref":"bad"}}},
                 {"id":"needs-both","function":"noop-1","args":{"a":{"$ref":"needs-bad"},"b":{"$ref":"good"}}},
                 {"id":"good","function":"inc-1","args":{"x":1}},
                 {"id":"after-good","function":"inc-1","args":{"x":{"$ref":"good"}}}]}""");
        RunStatus s = await(run);
        assertEquals(RunState.FAILED, s.state(), "a run with a failed task fails, at the end");
        assertEquals(TaskState.FAILED, record(s, "bad").state());
        assertEquals(TaskState.SKIPPED, record(s, "needs-bad").state());
        assertEquals(TaskState.SKIPPED, record(s, "needs-both").state());
        assertEquals(TaskState.SUCCEEDED, record(s, "after-good").state());
        assertEquals(Map.of("after-good", "3"), engine.result(run).outputs(), "the sinks that succeeded");
    }

    @Test
    void cancelStopsWhatHasNotStarted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        worker.fn("wait-1", args -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "1";
        });
        String run = submit("{\"tasks\":[{\"id\":\"slow\",\"function\":\"wait-1\"},"
                + "{\"id\":\"next\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"slow\"}}}]}");
        RunStatus c = engine.cancel(run);
        assertEquals(RunState.CANCELLED, c.state());
        release.countDown();
        Thread.sleep(200);
        RunStatus s = engine.status(run);
        assertEquals(TaskState.CANCELLED, record(s, "next").state());
        assertFalse(worker.tids.contains(run + ":next"), "nothing starts after a cancel");
        assertEquals(RunState.CANCELLED, engine.result(run).state());
    }

    @Test
    void resumeSkipsWhatSucceededBefore() throws Exception {
        String spec = """
                {"on_error":"continue","tasks":[
                 {"id":"a","function":"inc-1","args":{"x":1}},
                 {"id":"b","function":"FN","args":{"x":{"$ref":"a"}}}]}""";
        String first = submit(spec.replace("FN", "fail-1"));
        assertEquals(RunState.FAILED, await(first).state());
        worker.tids.clear();
        worker.fn("fail-1", args -> Integer.toString(args.getAsJsonObject().get("x").getAsInt() * 10));
        String second = engine.submit(WorkflowJson.parse(spec.replace("FN", "fail-1")), first);
        RunStatus s = await(second);
        assertEquals(RunState.SUCCEEDED, s.state());
        assertEquals(Map.of("b", "20"), engine.result(second).outputs());
        assertEquals(List.of(second + ":b"), worker.tids, "a was not run again");
        assertEquals("resumed", record(s, "a").container());
        ValidationException e = assertThrows(ValidationException.class,
                () -> engine.submit(WorkflowJson.parse(spec.replace("FN", "fail-1")), "run-nope"));
        assertEquals("resume", e.field());
    }

    @Test
    void resumeRunsAgainWhateverFollowsATaskThatRunsAgain() throws Exception {
        // a is changed, so it runs again; b succeeded before but read a's old output: it runs again too
        String spec = """
                {"on_error":"continue","tasks":[
                 {"id":"a","function":"inc-1","args":{"x":X}},
                 {"id":"b","function":"inc-1","args":{"x":{"$ref":"a"}}},
                 {"id":"c","function":"fail-1","args":{"x":{"$ref":"b"}}}]}""";
        String first = submit(spec.replace("X", "1"));
        assertEquals(RunState.FAILED, await(first).state());
        worker.tids.clear();
        worker.fn("fail-1", args -> Integer.toString(args.getAsJsonObject().get("x").getAsInt() * 10));
        String second = engine.submit(WorkflowJson.parse(spec.replace("X", "5")), first);
        RunStatus s = await(second);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(Map.of("c", "70"), engine.result(second).outputs(), "b from the new a (6 + 1), not the old");
        assertEquals(List.of(second + ":a", second + ":b", second + ":c"), worker.tids);
    }

    @Test
    void unknownFunctionsAreRefusedBeforeAnythingRuns() {
        ValidationException e = assertThrows(ValidationException.class, () -> submit(
                "{\"tasks\":[{\"id\":\"a\",\"function\":\"inc-1\",\"args\":{\"x\":1}},{\"id\":\"b\",\"function\":\"nope-1\"}]}"));
        assertTrue(e.getMessage().contains("task 'b': function 'nope-1' is not registered"), e.getMessage());
        assertTrue(worker.tids.isEmpty());
        assertTrue(store.runs().isEmpty());
    }

    @Test
    void anOutputOverTheLimitIsATaskErrorNotACrash() throws Exception {
        engine.close();
        engine = engine(new DagOptions(100, Duration.ofHours(1), Duration.ofMinutes(1), 3, Duration.ofMillis(1), Duration.ofSeconds(2)));
        worker.fn("big-1", args -> "\"" + "x".repeat(200) + "\"");
        RunStatus s = await(submit("{\"tasks\":[{\"id\":\"big\",\"function\":\"big-1\"}]}"));
        assertEquals(RunState.FAILED, s.state());
        assertTrue(record(s, "big").error().orElseThrow().message().contains("more than max.output.bytes 100"));
    }

    @Test
    void deleteAndTheRetentionSweepLeaveNothingBehind() throws Exception {
        String run = submit("{\"tasks\":[{\"id\":\"a\",\"function\":\"inc-1\",\"args\":{\"x\":1}}]}");
        await(run);
        engine.delete(run);
        assertTrue(store.runs().isEmpty());
        assertEquals(0, store.inMemoryBytes());
        WorkerException gone = assertThrows(WorkerException.class, () -> engine.status(run));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, gone.kind());

        engine.close();
        engine = engine(new DagOptions(1 << 20, Duration.ofMillis(1_000), Duration.ofMillis(100), 3, Duration.ofMillis(1), Duration.ofSeconds(2)));
        String old = submit("{\"tasks\":[{\"id\":\"a\",\"function\":\"inc-1\",\"args\":{\"x\":1}}]}");
        await(old);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!store.runs().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(store.runs().isEmpty(), "swept after its retention");
    }

    @Test
    void aResultBeforeTheEndSaysHowFarTheRunIs() {
        CountDownLatch never = new CountDownLatch(1);
        worker.fn("wait-1", args -> {
            try {
                never.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "1";
        });
        String run = submit("{\"tasks\":[{\"id\":\"slow\",\"function\":\"wait-1\"}]}");
        RunNotFinishedException e = assertThrows(RunNotFinishedException.class, () -> engine.result(run));
        assertEquals("run: run '" + run + "' has not finished yet (0 of 1 tasks done)", e.getMessage());
        assertEquals(0, e.finished());
        assertEquals(1, e.tasks());
        never.countDown();
    }

    @Test
    void aWorkerThatWentAwayIsRetriedWhateverTheTasksRetries() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        worker.fn("gone-1", args -> {
            if (calls.incrementAndGet() <= 2) {
                throw new WorkerException(ErrorKind.UNREACHABLE, "worker w2 is gone");
            }
            return "\"here\"";
        });
        String run = submit("{\"tasks\":[{\"id\":\"g\",\"function\":\"gone-1\"}]}");
        RunStatus s = await(run);
        assertEquals(RunState.SUCCEEDED, s.state(), String.valueOf(s.failure()));
        assertEquals(3, record(s, "g").attempts(), "two platform retries, with retries 0 for the task");
    }

    @Test
    void tidsFitTheAPIsRuleEvenForLongTaskIds() throws Exception {
        String id = "a-task-id-of-sixty-four-characters-".repeat(2).substring(0, 64);
        String run = submit("{\"tasks\":[{\"id\":\"" + id + "\",\"function\":\"inc-1\",\"args\":{\"x\":1}}]}");
        assertEquals(RunState.SUCCEEDED, await(run).state());
        assertEquals(List.of(run + ":n0"), worker.tids.stream().filter(t -> t.startsWith(run)).toList(),
                "the task's position stands in for an id that would not fit");
    }

    @Test
    void anOutputThatIsNotStrictJsonFailsItsTaskAndIsNeverPassedOn() throws Exception {
        worker.fn("nan-1", args -> "NaN");
        String run = submit("{\"tasks\":[{\"id\":\"n\",\"function\":\"nan-1\"},"
                + "{\"id\":\"next\",\"function\":\"noop-1\",\"args\":{\"x\":{\"$ref\":\"n\"}}}]}");
        RunStatus s = await(run);
        assertEquals(RunState.FAILED, s.state());
        assertTrue(record(s, "n").error().orElseThrow().message().contains("cannot be passed on unchanged"),
                record(s, "n").error().toString());
        assertFalse(worker.tids.contains(run + ":next"));
    }
}
