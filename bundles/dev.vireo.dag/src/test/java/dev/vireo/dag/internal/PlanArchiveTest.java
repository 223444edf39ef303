package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.dag.RunState;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import dev.vireo.api.spi.dag.Sla;
import dev.vireo.testkit.TestTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pre-schedules and the statistics they came from outlive the node: written to a directory, read back at start. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PlanArchiveTest {
    @TempDir
    Path dir;

    static DagPlan plan() {
        return new DagPlan("wf", List.of(new DagPlan.Step("a", "w1", "g1", true, 7, 0, 120),
                new DagPlan.Step("b", "", "", false, 0, 120, 300)), 300);
    }

    @Test
    void aPlanComesBackAsItWasSavedAndOnlyUnderItsOwnKey() {
        PlanArchive archive = PlanArchive.in(dir);
        archive.save("key-1", plan());
        assertEquals(Optional.of(plan()), archive.load("key-1"));
        assertEquals(Optional.empty(), archive.load("key-2"));
        // a second archive on the same directory (a restarted node) reads the same
        assertEquals(Optional.of(plan()), PlanArchive.in(dir).load("key-1"));
    }

    @Test
    void anUnreadableFileIsIgnoredAndReplaced() throws Exception {
        PlanArchive archive = PlanArchive.in(dir);
        Files.writeString(dir.resolve(PlanArchive.fileName("k")), "{\"key\":\"k\",\"steps\":[{\"task\":");
        assertEquals(Optional.empty(), archive.load("k"));
        archive.save("k", plan());
        assertEquals(Optional.of(plan()), archive.load("k"));
        // another key's file under this name (a hash collision) is not this key's plan
        Files.writeString(dir.resolve(PlanArchive.fileName("k2")), Files.readString(dir.resolve(
                PlanArchive.fileName("k"))));
        assertEquals(Optional.empty(), archive.load("k2"));
    }

    @Test
    void noArchiveKeepsNothing() {
        PlanArchive none = PlanArchive.none();
        none.save("k", plan());
        none.history("{}");
        assertEquals(Optional.empty(), none.load("k"));
        assertEquals(Optional.empty(), none.history());
        assertEquals(Optional.empty(), none.dir());
    }

    @Test
    void onlyTheNewestPlansAreKept() throws Exception {
        PlanArchive archive = PlanArchive.in(dir);
        for (int i = 0; i < PlanArchive.MAX_PLANS + 64; i++) {
            archive.save("key-" + i, plan());
            // modification times order the files: make them distinct and increasing
            Files.setLastModifiedTime(dir.resolve(PlanArchive.fileName("key-" + i)),
                    java.nio.file.attribute.FileTime.fromMillis(1_000_000L + i * 1_000L));
        }
        assertEquals(PlanArchive.MAX_PLANS, archive.plans());
        assertTrue(archive.load("key-0").isEmpty(), "the oldest went");
        assertTrue(archive.load("key-" + (PlanArchive.MAX_PLANS + 63)).isPresent(), "the newest stayed");
    }

    @Test
    void theSettingNamesADirectoryTheRunDirectoryOrNone() {
        assertEquals(Optional.empty(), DagComponent.archive("none", dir.toString()).dir());
        assertEquals(Optional.empty(), DagComponent.archive("", null).dir());
        assertEquals(Optional.of(dir.resolve("dag-plans")), DagComponent.archive("", dir.toString()).dir());
        assertEquals(Optional.of(dir.resolve("p")), DagComponent.archive(dir.resolve("p").toString(), null).dir());
        ValidationException e = assertThrows(ValidationException.class, () -> DagComponent.archive("rel/dir", null));
        assertEquals("plans.dir", e.field());
    }

    static InvocationRecord record(String fn, long execUs, long coldUs) {
        return new InvocationRecord("t", fn, "w1", "sim", Optional.of(coldUs > 0 ? ContainerState.COLD
                : ContainerState.WARM), Instant.EPOCH, new Timings(3, 0, coldUs, 1, execUs, execUs + coldUs + 50), "",
                Optional.empty());
    }

    @Test
    void aHistoryRestoredFromItsSnapshotPredictsTheSame() {
        History h = new History();
        for (int i = 0; i < 300; i++) {
            h.invoked(record("f", 1_000 + i, i % 10 == 0 ? 40_000 + i : 0), i);
            h.output("f", 100 + i);
            h.overhead("f", 20 + i % 7);
            h.invoked(record("g", 7 * i, 0), i);
            h.hop(64 + i, 300 + i);
        }
        History back = new History();
        back.restore(h.snapshot());
        for (Sla sla : List.of(Sla.MEAN, Sla.P50, Sla.P90, Sla.P99)) {
            assertEquals(h.predict("f", sla), back.predict("f", sla), sla.id());
            assertEquals(h.predict("g", sla), back.predict("g", sla), sla.id());
        }
        assertEquals(back.predict("f", Sla.P50).executionUs(), back.typicalExecutionUs("f"));
        assertArrayEquals(h.hopCost(), back.hopCost());
        assertFalse(back.warm("w1", "f", 0), "where a function ran does not outlive a restart");
        assertEquals(h.snapshot(), back.snapshot());
        assertThrows(IllegalArgumentException.class, () -> new History().restore("{\"version\":2}"));
        assertThrows(IllegalArgumentException.class, () -> new History().restore("not json"));
    }

    /** A planner that counts how often it was asked. */
    static final class Counting implements DagPlanner {
        final AtomicInteger plans = new AtomicInteger();
        final DagPlanner inner = new HeftPlanner();

        @Override
        public DagPlan plan(DagSpec spec, PlanningContext context) {
            plans.incrementAndGet();
            return inner.plan(spec, context);
        }
    }

    /** The scheduler's threads with a clock that stands still until moved: spans and warmth are the test's. */
    static final class StillTime implements dev.vireo.api.time.Clock, dev.vireo.api.time.TaskScheduler, AutoCloseable {
        final TestTime threads = new TestTime();
        final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);

        @Override
        public long nanoTime() {
            return nanos.get();
        }

        @Override
        public Instant now() {
            return Instant.ofEpochSecond(0, nanos.get());
        }

        @Override
        public void execute(Runnable task) {
            threads.execute(task);
        }

        @Override
        public dev.vireo.api.time.Cancellable schedule(Runnable task, java.time.Duration delay) {
            return threads.schedule(task, delay);
        }

        @Override
        public dev.vireo.api.time.Cancellable scheduleAtFixedRate(Runnable task, java.time.Duration period) {
            return threads.scheduleAtFixedRate(task, period);
        }

        @Override
        public void close() {
            threads.close();
        }
    }

    static DagEngine engine(StillTime time, DagPlanner planner, Path dir, String spill) {
        ScriptedWorker worker = new ScriptedWorker(time.threads).fn("inc-1", args -> Integer.toString(
                args.getAsJsonObject().get("x").getAsInt() + 1));
        EmbeddedStore store = new EmbeddedStore(1 << 20, dir.resolve(spill));
        return new DagEngine(worker, () -> store, () -> planner, time, time, DagOptions.DEFAULTS, Placement.local(),
                Overflow.none(worker, time), PlanArchive.in(dir.resolve("plans")));
    }

    @Test
    void aRestartedNodeReusesThePreScheduleOfTheSameGraphAndStatistics() throws Exception {
        Counting planner = new Counting();
        String spec = "{\"name\":\"d\",\"tasks\":[{\"id\":\"a\",\"function\":\"inc-1\",\"args\":{\"x\":1}},"
                + "{\"id\":\"b\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"a\"}}},"
                + "{\"id\":\"c\",\"function\":\"inc-1\",\"args\":{\"x\":{\"$ref\":\"a\"}}}]}";
        String firstPlan;
        String firstRun;
        try (StillTime time = new StillTime()) {
            DagEngine engine = engine(time, planner, dir, "spill");
            // runs for statistics (each the same: the scripted worker's timings are fixed, the clock stands still)
            for (int i = 0; i < 3; i++) {
                assertEquals(RunState.SUCCEEDED, await(engine, engine.submit(WorkflowJson.parse(spec), "")));
            }
            // long after: no container is warm any more, as after a restart (warmth is part of a plan's key)
            time.nanos.addAndGet(History.WARM_NS + 1);
            int before = planner.plans.get();
            firstRun = engine.submit(WorkflowJson.parse(spec), "");
            assertEquals(RunState.SUCCEEDED, await(engine, firstRun));
            assertEquals(before + 1, planner.plans.get(), "statistics and warmth not seen before: a new plan");
            firstPlan = engine.plan(firstRun).json();
            engine.close(); // keeps the history
        }
        assertTrue(Files.exists(dir.resolve("plans").resolve(PlanArchive.HISTORY)));
        int planned = planner.plans.get();
        try (StillTime time = new StillTime()) {
            DagEngine engine = engine(time, planner, dir, "spill2");
            String run = engine.submit(WorkflowJson.parse(spec), "");
            assertEquals(RunState.SUCCEEDED, await(engine, run));
            assertEquals(planned, planner.plans.get(), "the restarted node planned nothing: the kept plan served");
            assertEquals(firstPlan.replace(firstRun, run), engine.plan(run).json());
            engine.close();
        }
        // without the kept plans the same statistics are planned again
        try (var files = Files.list(dir.resolve("plans"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("plan-")).toList()) {
                Files.delete(f);
            }
        }
        try (StillTime time = new StillTime()) {
            DagEngine engine = engine(time, planner, dir, "spill3");
            await(engine, engine.submit(WorkflowJson.parse(spec), ""));
            assertEquals(planned + 1, planner.plans.get());
            engine.close();
        }
    }

    static RunState await(DagEngine engine, String run) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        RunState s = engine.summary(run).state();
        while (!s.done() && System.nanoTime() < deadline) {
            Thread.sleep(5);
            s = engine.summary(run).state();
        }
        assertTrue(s.done(), "run " + run + " did not finish");
        return s;
    }
}
