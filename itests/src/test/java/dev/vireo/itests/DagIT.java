package dev.vireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.worker.WorkerService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Workflows inside Felix, as the distro wires them (the workflow service, the kernel's local planner and embedded
 * store), on real functions: the word count of examples/ (a split, a dynamic fan-out over its chunks, a merge) run
 * by the real Python agent on the process backend; a failing element with retries leaving an error record; cancel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DagIT extends FrameworkTest {

    @Inject
    private WorkerService worker;

    @Inject
    private DagService dags;

    @Configuration
    public Option[] config() throws Exception {
        return VireoOptions.profile("all-in-one", "backend,transport,resource,queue,keepalive,balancer,dag,dag-store");
    }

    @After
    public void unregisterAll() {
        worker.functions().forEach(f -> worker.unregister(f.id()));
    }

    private void example(String name) {
        Path code = Path.of(context.getProperty("vireo.home"), "examples", name);
        worker.register(new FunctionSpec(name, "1", "", code.toString(), "main.handle", "process", Compute.CPU, "uds",
                128, 0.5, Duration.ofSeconds(30), 4, null));
    }

    private RunStatus await(String run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        RunStatus s = dags.summary(run);
        while (!s.state().done() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            s = dags.summary(run);
        }
        assertTrue("did not finish: " + s, s.state().done());
        return dags.status(run);
    }

    private static TaskRecord record(RunStatus s, String task) {
        return s.records().stream().filter(r -> r.task().equals(task)).findFirst().orElseThrow();
    }

    @Test
    public void theWordCountRunsOnRealFunctions() throws Exception {
        example("wc-split");
        example("wc-count");
        example("wc-sum");
        String spec = Files.readString(Path.of(context.getProperty("vireo.home"), "examples", "wordcount",
                "wordcount.json"));
        String run = dags.submit(dags.parse(spec), "");
        RunStatus s = await(run);
        assertEquals(s.toString(), RunState.SUCCEEDED, s.state());
        TaskRecord count = record(s, "count");
        assertTrue("a dynamic fan-out over the chunks: " + count, count.items() > 1);
        assertEquals(count.items(), count.attempts());
        String top = dags.result(run).outputs().get("top");
        // the same numbers the example's own test computes in Python (examples/wordcount/test_wordcount.py)
        assertTrue(top, top.contains("{\"word\": \"orchard\", \"count\": 6}, {\"word\": \"again\", \"count\": 5},"
                + " {\"word\": \"vireo\", \"count\": 5}"));
        assertFalse(s.records().stream().anyMatch(r -> r.state() != TaskState.SUCCEEDED));
        assertTrue("records say where the time went: " + count, count.executionUs() > 0 && count.bytesIn() > 0);
    }

    @Test
    public void aFailingElementIsRetriedThenLeavesItsErrorRecord() throws Exception {
        example("wc-split");
        example("wc-count");
        // a chunk that is not a string: wc-count raises on it, every attempt
        String run = dags.submit(dags.parse("""
                {"retries":1,"retry_backoff_ms":10,"tasks":[
                 {"id":"count","function":"wc-count-1","map":"bad","args":{"chunk":{"$item":true}}},
                 {"id":"bad","function":"wc-split-1","args":{"text":"one\\ntwo","lines":1}},
                 {"id":"again","function":"wc-count-1","args":{"chunk":{"$ref":"count"}}}]}"""), "");
        RunStatus s = await(run);
        assertEquals(RunState.FAILED, s.state());
        TaskRecord again = record(s, "again");
        assertEquals(TaskState.FAILED, again.state());
        assertEquals(2, again.attempts());
        assertEquals(ErrorKind.USER_ERROR, again.error().orElseThrow().kind());
        assertTrue(again.error().orElseThrow().detail(), again.error().orElseThrow().detail().contains("Traceback"));
        assertTrue(s.failure().orElseThrow(), s.failure().orElseThrow().startsWith("again: USER_ERROR"));
    }

    @Test
    public void cancelStopsARunAndResultSaysSo() throws Exception {
        Path code = Files.createTempDirectory("vireo-dag-slow-");
        Files.writeString(code.resolve("main.py"), "import time\n\ndef handle(args):\n    time.sleep(1)\n    return 1\n");
        worker.register(new FunctionSpec("slow", "1", "", code.toString(), "main.handle", "process", Compute.CPU, "uds",
                128, 0.5, Duration.ofSeconds(30), 1, null));
        String run = dags.submit(dags.parse("""
                {"tasks":[{"id":"a","function":"slow-1"},{"id":"b","function":"slow-1","after":["a"]}]}"""), "");
        assertEquals(RunState.CANCELLED, dags.cancel(run).state());
        Thread.sleep(1_500);
        RunStatus s = dags.status(run);
        assertEquals(TaskState.CANCELLED, record(s, "b").state());
        assertEquals(RunState.CANCELLED, dags.result(run).state());
    }

    /**
     * The planner is swapped from the console while a thread keeps submitting: every run is planned by the planner in
     * force when it was submitted (its plan names it), and every run succeeds.
     */
    @Test
    public void thePlannerSwapsWhileRunsAreSubmitted() throws Exception {
        worker.register(new FunctionSpec("swap", "1", "sim/noop", "", "", "sim", Compute.CPU, "sim", 64, 0.01,
                Duration.ofSeconds(30), 64, null));
        String spec = "{\"name\":\"swapped\",\"tasks\":["
                + "{\"id\":\"a\",\"function\":\"swap-1\",\"args\":{\"sim_exec_ms\":2}},"
                + "{\"id\":\"l\",\"function\":\"swap-1\",\"args\":{\"sim_exec_ms\":5,\"x\":{\"$ref\":\"a\"}}},"
                + "{\"id\":\"r\",\"function\":\"swap-1\",\"args\":{\"sim_exec_ms\":1,\"x\":{\"$ref\":\"a\"}}},"
                + "{\"id\":\"d\",\"function\":\"swap-1\",\"args\":{\"sim_exec_ms\":1},\"after\":[\"l\",\"r\"]}]}";
        java.util.List<String> background = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread submitter = new Thread(() -> {
            while (!stop.get()) {
                background.add(dags.submit(dags.parse(spec), ""));
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        submitter.start();
        try {
            for (String planner : java.util.List.of("heft", "critical-path", "wukong", "locality", "local")) {
                console("vireo:use dag " + planner);
                String run = dags.submit(dags.parse(spec), "");
                assertEquals(planner, dags.plan(run).planner());
                assertEquals(4, dags.plan(run).steps().size());
                assertEquals(RunState.SUCCEEDED, await(run).state());
            }
        } finally {
            stop.set(true);
            submitter.join();
            console("vireo:use dag local");
        }
        assertTrue("runs were submitted meanwhile: " + background.size(), background.size() >= 5);
        java.util.Set<String> planners = new java.util.TreeSet<>();
        for (String run : background) {
            assertEquals(run, RunState.SUCCEEDED, await(run).state());
            planners.add(dags.plan(run).planner());
        }
        assertTrue("the background runs saw the swaps: " + planners, planners.size() >= 2);
    }
}
