package dev.vireo.worker.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Routing;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.testkit.FakeDags;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.StatusReply;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The API's values to the gRPC messages and back. */
class MessagesTest {
    static final FunctionSpec FULL = new FunctionSpec("resize", "2.1_b", "vireo/python:3.12", "/srv/fn/resize",
            "main.handle", "docker", Compute.GPU, "pipe", 512, 2.5, Duration.ofMillis(30_000), 4,
            new ExpectedTimings(800, 45), 2048);

    static final InvocationRecord ROUTED_FAILURE = new InvocationRecord("t-1", "resize-2.1_b", "worker-3", "docker",
            Optional.of(ContainerState.PREWARM), Instant.parse("2026-11-22T20:50:13.646Z"),
            new Timings(148, 1190, 900, 233, 2000, 3632, 812, 1870, 52_000), "",
            Optional.of(new InvocationError(ErrorKind.USER_ERROR, "ValueError: bad", "Traceback ...")),
            Optional.of(new Routing("ctl-1", 2, 15, 3900, 4000)), new Output("step 1 ✓\n", "warning\n", true));

    /** What survives the wire of a status: no arrival clock (it is the worker's own) and no resource details. */
    static WorkerStatus overTheWire(WorkerStatus s) {
        Map<String, FunctionStats> stats = new HashMap<>();
        s.stats().forEach((id, f) -> stats.put(id, new FunctionStats(f.invocations(), f.coldStartUs(), f.warmUs(),
                f.executionUs(), f.e2eUs(), f.interArrivalUs(), f.memoryMb(), 0, f.cpuWaitUs(), f.containers())));
        return new WorkerStatus(s.name(), s.queued(), s.queueCapacity(), s.running(), s.functions(),
                s.containersRunning(), s.containersIdle(), s.memoryRunningMb(), s.memoryCachedMb(),
                s.memoryRunningUsedMb(), s.memoryCachedUsedMb(), s.memoryLimitMb(), s.backends(), s.policies(),
                s.resources().stream().map(u -> new ResourceUsage(u.resource(), u.unit(), u.capacity(), u.used(), Map.of()))
                        .toList(), stats);
    }

    @Test
    void aSpecBecomesAMessageWithEveryFieldAndBack() {
        dev.vireo.grpc.v1.FunctionSpec m = Messages.spec(FULL);
        assertEquals(dev.vireo.grpc.v1.FunctionSpec.newBuilder().setId("resize-2.1_b").setName("resize")
                .setVersion("2.1_b").setImage("vireo/python:3.12").setCode("/srv/fn/resize").setHandler("main.handle")
                .setBackend("docker").setCompute("gpu").setTransport("pipe").setMemoryMb(512).setCpus(2.5)
                .setTimeoutMs(30_000).setConcurrency(4).setExpectedColdStartMs(800).setExpectedWarmMs(45).setScratchMb(2048).build(), m);
        assertEquals(FULL, Messages.spec(m));
    }

    @Test
    void aRequestCarriesTheSecretsAndAReplyTheirNamesOnly() {
        FunctionSpec s = FULL.withConfig(new dev.vireo.api.model.FunctionConfig(Map.of("MODE", "prod"), "{\"q\":1}",
                Map.of("TOKEN", "s3cret")));
        dev.vireo.grpc.v1.FunctionSpec request = Messages.request(s);
        assertEquals(Map.of("TOKEN", "s3cret"), request.getSecretsMap());
        assertEquals(s, Messages.spec(request));
        dev.vireo.grpc.v1.FunctionSpec reply = Messages.spec(s);
        assertEquals(List.of("TOKEN"), reply.getSecretNamesList());
        assertFalse(reply.toString().contains("s3cret"), reply.toString());
        assertEquals(Map.of("MODE", "prod"), Messages.spec(reply).config().env());
        assertEquals("{\"q\":1}", Messages.spec(reply).config().parameters());
    }

    @Test
    void aRegistrationMessageWithOnlyANameAndImageTakesTheDocumentedDefaults() {
        FunctionSpec s = Messages.spec(dev.vireo.grpc.v1.FunctionSpec.newBuilder().setName("hello")
                .setImage("vireo/hello").build());
        assertEquals(new FunctionSpec("hello", "1", "vireo/hello", "", "", "", Compute.CPU, "uds", 128, 1.0,
                Duration.ofMillis(60_000), 1, ExpectedTimings.UNKNOWN), s);
        assertEquals(s, Messages.spec(Messages.spec(s)));
    }

    @Test
    void anEnhancedReplyCarriesTheWholeRecordAndReadsBackAsIt() throws Exception {
        InvokeReply reply = Messages.reply(ROUTED_FAILURE, true);
        assertEquals("t-1", reply.getTid());
        assertFalse(reply.getSuccess());
        assertEquals("USER_ERROR", reply.getError().getKind());
        assertEquals("Traceback ...", reply.getError().getDetail());
        assertEquals("prewarm", reply.getRecord().getState());
        assertEquals("2026-11-22T20:50:13.646Z", reply.getRecord().getArrival());
        assertEquals(1632, reply.getRecord().getTimings().getOverheadUs());
        assertEquals(812, reply.getRecord().getTimings().getCpuWaitUs());
        assertEquals(1870, reply.getRecord().getTimings().getCpuTimeUs());
        assertEquals(52_000, reply.getRecord().getTimings().getEnergyUj());
        assertEquals("ctl-1", reply.getRecord().getRouting().getController());
        assertEquals(dev.vireo.grpc.v1.Output.newBuilder().setStdout("step 1 ✓\n").setStderr("warning\n")
                .setTruncated(true).build(), reply.getRecord().getOutput());
        assertEquals(ROUTED_FAILURE, Messages.record(reply));
        assertEquals(ROUTED_FAILURE, Messages.record(InvokeReply.parseFrom(reply.toByteArray())), "over the wire");
    }

    @Test
    void aRecordWithoutStateErrorOrRoutingReadsBackWithoutThem() {
        InvocationRecord r = new InvocationRecord("t-2", "hello-1", "worker-1", "sim", Optional.empty(),
                Instant.parse("2026-11-22T20:50:13Z"), new Timings(1, 2, 0, 4, 5, 12), "{\"echo\":1}", Optional.empty());
        InvokeReply reply = Messages.reply(r, true);
        assertTrue(reply.getSuccess());
        assertFalse(reply.hasError());
        assertFalse(reply.getRecord().hasRouting());
        assertFalse(reply.getRecord().hasOutput(), "a function that wrote nothing adds nothing");
        assertEquals("", reply.getRecord().getState());
        assertFalse(reply.getRecord().getTimings().hasCpuWaitUs(), "not measured: left unset");
        assertFalse(reply.getRecord().getTimings().hasCpuTimeUs() || reply.getRecord().getTimings().hasEnergyUj(),
                "not measured: left unset");
        assertEquals(r, Messages.record(reply));
        assertEquals(Timings.NOT_MEASURED, Messages.record(reply).timings().cpuWaitUs());
        InvocationRecord measuredZero = new InvocationRecord("t-2", "hello-1", "worker-1", "sim", Optional.empty(),
                Instant.EPOCH, new Timings(1, 2, 0, 4, 5, 12, 0), "1", Optional.empty());
        assertEquals(measuredZero, Messages.record(Messages.reply(measuredZero, true)), "a measured 0 stays 0");

        for (ContainerState state : ContainerState.values()) {
            InvocationRecord withState = new InvocationRecord("t-3", "hello-1", "w", "sim", Optional.of(state),
                    Instant.EPOCH, Timings.NONE, "1", Optional.empty());
            assertEquals(withState, Messages.record(Messages.reply(withState, true)), state.name());
        }
    }

    @Test
    void outputOfASuccessCrossesBothWaysEvenIfOnlyTruncatedToNothing() {
        for (Output out : List.of(new Output("hello\n", "", false), new Output("", "careful", false),
                new Output("", "", true))) {
            InvocationRecord r = new InvocationRecord("t-5", "hello-1", "w", "sim", Optional.of(ContainerState.WARM),
                    Instant.EPOCH, Timings.NONE, "1", Optional.empty(), Optional.empty(), out);
            InvokeReply reply = Messages.reply(r, true);
            assertTrue(reply.getRecord().hasOutput(), out.toString());
            assertEquals(r, Messages.record(reply));
        }
    }

    @Test
    void aPlainReplyHasTheResultOrErrorButNoRecord() {
        InvokeReply reply = Messages.reply(ROUTED_FAILURE, false);
        assertFalse(reply.hasRecord());
        assertEquals("ValueError: bad", reply.getError().getMessage());
        InvokeReply ok = Messages.reply(new InvocationRecord("t-4", "hello-1", "w", "sim", Optional.empty(), Instant.EPOCH,
                Timings.NONE, "[1]", Optional.empty()), false);
        assertEquals(InvokeReply.newBuilder().setTid("t-4").setSuccess(true).setResult("[1]").build(), ok);
    }

    @Test
    void everyErrorKindCrossesByNameAndAnUnknownOneIsInternal() {
        for (ErrorKind k : ErrorKind.values()) {
            assertEquals(k, Messages.kind(k.name()));
        }
        assertEquals(ErrorKind.INTERNAL, Messages.kind("SOMETHING_NEWER"));
        assertEquals(ErrorKind.INTERNAL, Messages.kind(""));
    }

    @Test
    void aStatusBecomesAMessageAndBack() {
        WorkerStatus s = new WorkerStatus("worker-1", 2, 100, 3, 1, 3, 4, 768, 1024, 300, 410, 8192,
                Map.of("sim", 7, "docker", 0), Map.of("queue", "fifo", "keepalive", "ttl"),
                List.of(new ResourceUsage("memory", "MB", 8192, 1792, Map.of("cached", 1024.0)),
                        new ResourceUsage("cpu", "cores", 8, 3.5, Map.of())),
                Map.of("hello-1", new FunctionStats(42, 150_000.4, 3_000.6, 2_000.5, 3_500.49, 10_000, 31.7, 99, 420.5),
                        "quiet-1", new FunctionStats(1, 0, 0, 0, 0, 0, 0, 0)));
        StatusReply m = Messages.status(s);
        assertEquals(4, m.getContainersCached());
        assertEquals(410, m.getMemoryCachedUsedMb());
        assertEquals(8192, m.getMemoryLimitMb());
        assertEquals(Map.of("sim", 7, "docker", 0), m.getBackendsMap());
        assertEquals(2_000.5, m.getStatsMap().get("hello-1").getExecutionUs());
        assertEquals(420.5, m.getStatsMap().get("hello-1").getCpuWaitUs());
        assertFalse(m.getStatsMap().get("quiet-1").hasCpuWaitUs(), "none measured: unset");
        assertEquals(overTheWire(s), Messages.status(m));
    }

    @Test
    void aRunBecomesAMessageWithEveryFieldOfItsStatusAndTasks() {
        dev.vireo.grpc.v1.DagStatus m = Messages.dag(dev.vireo.testkit.FakeDags.FAILED, true);
        assertEquals(dev.vireo.grpc.v1.DagStatus.newBuilder().setRun("run-7").setName("wc").setState("failed")
                .setSubmitted("2026-11-22T20:50:13.646Z").setElapsedUs(2_500_000).setTasks(4).setFinished(4)
                .setCounts(dev.vireo.grpc.v1.TaskCounts.newBuilder().setSucceeded(2).setFailed(1).setSkipped(1))
                .setFailure("sum: USER_ERROR: ValueError: bad")
                .addRecords(dev.vireo.grpc.v1.TaskRecord.newBuilder().setTask("split").setFunctionId("split-1")
                        .setState("succeeded").setWorker("worker-1").setContainer("cold").setAttempts(1).setItems(0)
                        .setStartUs(0).setEndUs(120_000).setQueuedUs(5).setInputUs(7).setExecutionUs(100_000)
                        .setOutputUs(9).setBytesIn(20).setBytesOut(31))
                .addRecords(dev.vireo.grpc.v1.TaskRecord.newBuilder().setTask("count").setFunctionId("len-1")
                        .setState("succeeded").setWorker("worker-1").setContainer("warm").setAttempts(4).setItems(3)
                        .setStartUs(120_000).setEndUs(300_000).setQueuedUs(15).setInputUs(21)
                        .setExecutionUs(150_000).setOutputUs(27).setBytesIn(60).setBytesOut(6))
                .addRecords(dev.vireo.grpc.v1.TaskRecord.newBuilder().setTask("sum").setFunctionId("sum-1")
                        .setState("failed").setWorker("worker-1").setContainer("warm").setAttempts(3).setItems(0)
                        .setStartUs(300_000).setEndUs(2_400_000).setQueuedUs(3).setInputUs(4).setExecutionUs(2_000)
                        .setOutputUs(0).setBytesIn(8).setBytesOut(0).setError(dev.vireo.grpc.v1.ErrorInfo.newBuilder()
                                .setKind("USER_ERROR").setMessage("ValueError: bad")
                                .setDetail("Traceback (most recent call last):\n  ...")))
                .addRecords(dev.vireo.grpc.v1.TaskRecord.newBuilder().setTask("report").setFunctionId("report-1")
                        .setState("skipped").setStartUs(-1).setEndUs(-1))
                .build(), m);
        assertEquals(m.toBuilder().clearRecords().build(), Messages.dag(dev.vireo.testkit.FakeDags.FAILED, false));
    }

    @Test
    void aRunsStatusReadsBackEqualWithAndWithoutRecords() throws Exception {
        RunStatus failed = FakeDags.FAILED;
        assertEquals(failed, Messages.dag(wire(Messages.dag(failed, true), dev.vireo.grpc.v1.DagStatus.parser())));
        RunStatus summary = new RunStatus(failed.run(), failed.name(), failed.state(), failed.submitted(),
                failed.elapsedUs(), failed.counts(), List.of(), failed.failure());
        assertEquals(summary, Messages.dag(Messages.dag(failed, false)));
        RunStatus running = new RunStatus("wc.1", "", RunState.RUNNING, Instant.parse("2026-11-22T20:50:13Z"), 1,
                FakeDags.counts(Map.of(TaskState.WAITING, 1, TaskState.RUNNING, 1)), List.of(
                        TaskRecord.waiting("a", "hello-1"), TaskRecord.waiting("b", "hello-1").in(TaskState.RUNNING)),
                Optional.empty());
        assertEquals(running, Messages.dag(wire(Messages.dag(running, true), dev.vireo.grpc.v1.DagStatus.parser())));
    }

    @Test
    void everyStateOfARunAndATaskReadsBack() {
        for (RunState state : RunState.values()) {
            RunStatus s = new RunStatus("r", "n", state, Instant.EPOCH, 0, FakeDags.counts(Map.of()), List.of(),
                    Optional.empty());
            assertEquals(s, Messages.dag(Messages.dag(s, true)));
        }
        for (TaskState state : TaskState.values()) {
            TaskRecord r = TaskRecord.waiting("t", "f-1").in(state);
            assertEquals(r, Messages.task(Messages.task(r)));
        }
    }

    @Test
    void aStateThisSideDoesNotKnowIsThePeersBug() {
        WorkerException e = assertThrows(WorkerException.class, () -> Messages.dag(Messages.dag(FakeDags.FAILED, false)
                .toBuilder().setState("paused").build()));
        assertEquals(ErrorKind.INTERNAL, e.kind());
        assertEquals("the peer answered RunState 'paused', which is not one of [RUNNING, SUCCEEDED, FAILED, CANCELLED]",
                e.getMessage());
    }

    @Test
    void aResultReadsBackEqualItsOutputsInOrder() throws Exception {
        Map<String, String> outputs = new LinkedHashMap<>();
        for (String task : List.of("z", "b", "m", "a")) {
            outputs.put(task, "{\"n\": 1.50, \"task\": \"" + task + "\"}");
        }
        RunResult r = new RunResult("run-3", RunState.FAILED, outputs);
        RunResult back = Messages.result(wire(Messages.result(r), dev.vireo.grpc.v1.DagResult.parser()));
        assertEquals(r, back);
        assertEquals(List.of("z", "b", "m", "a"), List.copyOf(back.outputs().keySet()));
    }

    @Test
    void aPlanBecomesAMessageWithEveryFieldAndReadsBackEqual() throws Exception {
        RunPlan plan = new RunPlan("run-7", "heft", "p90", "w2", 2_400_000, List.of(
                new RunPlan.Step("split", "w2", "g1", false, 3, 0, 120_000),
                new RunPlan.Step("count", "", "g1", true, 2, 120_000, 300_000),
                new RunPlan.Step("sum", "w1", "", false, -4, -1, -1)));
        dev.vireo.grpc.v1.DagPlan m = Messages.plan(plan);
        assertEquals(dev.vireo.grpc.v1.DagPlan.newBuilder().setRun("run-7").setPlanner("heft").setSla("p90")
                .setPredictedMakespanUs(2_400_000).setHome("w2")
                .addSteps(dev.vireo.grpc.v1.DagPlanStep.newBuilder().setTask("split").setWorker("w2").setGroup("g1")
                        .setPriority(3).setStartUs(0).setFinishUs(120_000))
                .addSteps(dev.vireo.grpc.v1.DagPlanStep.newBuilder().setTask("count").setGroup("g1").setPrewarm(true)
                        .setPriority(2).setStartUs(120_000).setFinishUs(300_000))
                .addSteps(dev.vireo.grpc.v1.DagPlanStep.newBuilder().setTask("sum").setWorker("w1").setPriority(-4)
                        .setStartUs(-1).setFinishUs(-1))
                .build(), m);
        assertEquals(plan, Messages.plan(wire(m, dev.vireo.grpc.v1.DagPlan.parser())));
        RunPlan none = new RunPlan("old", "", "", "", 0, List.of()); // a run submitted before plans were kept
        assertEquals(none, Messages.plan(wire(Messages.plan(none), dev.vireo.grpc.v1.DagPlan.parser())));
    }

    /** {@code m} written to bytes and read back, as the other side reads it. */
    static <M extends com.google.protobuf.Message> M wire(M m, com.google.protobuf.Parser<M> parser)
            throws Exception {
        return parser.parseFrom(m.toByteArray());
    }
}
