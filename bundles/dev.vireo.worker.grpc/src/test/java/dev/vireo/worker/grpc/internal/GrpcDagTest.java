package dev.vireo.worker.grpc.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.grpc.v1.ContinueDagReply;
import dev.vireo.grpc.v1.ContinueDagRequest;
import dev.vireo.grpc.v1.DagPlan;
import dev.vireo.grpc.v1.DagPlanStep;
import dev.vireo.grpc.v1.DagRequest;
import dev.vireo.grpc.v1.DagResult;
import dev.vireo.grpc.v1.DagSpec;
import dev.vireo.grpc.v1.DagStatus;
import dev.vireo.grpc.v1.ListDagsReply;
import dev.vireo.grpc.v1.ListDagsRequest;
import dev.vireo.grpc.v1.SubmitDagRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeDags;
import dev.vireo.testkit.FakeWorker;
import dev.vireo.testkit.TestTime;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The workflow rpcs on the real gRPC server in front of an in-memory DagService: the same answers as HTTP /dags. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcDagTest {
    static final String SPEC = "{\"name\":\"wc\",\"tasks\":[{\"id\":\"a\",\"function\":\"hello-1\"},"
            + "{\"id\":\"b\",\"function\":\"hello-1\"}]}";

    TestTime time;
    FakeDags dags;
    Components.Context context;
    GrpcApi api;
    ManagedChannel channel;
    WorkerGrpc.WorkerBlockingStub stub;

    @BeforeEach
    void setUp() throws IOException {
        time = new TestTime();
        dags = new FakeDags();
        start("");
    }

    void start(String token) throws IOException {
        context = new Components.Context();
        api = new GrpcApi(context.bundleContext(), new FakeWorker(), time, time, Components.config(GrpcApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0, "auth_token", token)));
        api.setDags(dags);
        channel = NettyChannelBuilder.forTarget(((WorkerEndpoint) context.registrations.get(0).service()).address())
                .usePlaintext().build();
        stub = WorkerGrpc.newBlockingStub(channel).withDeadlineAfter(10, SECONDS);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, SECONDS);
        api.close();
        time.close();
    }

    static DagRequest run(String id) {
        return DagRequest.newBuilder().setRun(id).build();
    }

    /** The call's failure: its status code, its vireo-error-kind trailer and its description. */
    static String refused(Status.Code code, String kind, Supplier<?> call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertEquals(kind, e.getTrailers().get(Messages.ERROR_KIND));
        return e.getStatus().getDescription();
    }

    @Test
    void aSubmissionAnswersTheRunAndResumesWhenAsked() {
        assertEquals("run-1", stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).build()).getRun());
        assertEquals("run-2", stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).setResume("run-1").build())
                .getRun());
        assertEquals(List.of("parse", "submit wc 2 tasks", "parse", "submit wc 2 tasks resume run-1"), dags.calls);
    }

    @Test
    void aRunMayBeSubmittedUnderAGivenIdWhichTheServiceChecks() {
        assertEquals("wc.2026-11_a", stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).setRun("wc.2026-11_a")
                .build()).getRun());
        assertEquals("submit wc 2 tasks run wc.2026-11_a", dags.calls.get(dags.calls.size() - 1));
        assertEquals("run: 'wc.2026-11_a' is not a free run id (1-48 of A-Z a-z 0-9 . _ -)", refused(
                Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> stub.submitDag(SubmitDagRequest.newBuilder()
                        .setSpec(SPEC).setRun("wc.2026-11_a").build())), "taken");
        assertEquals("run: 'a b' is not a free run id (1-48 of A-Z a-z 0-9 . _ -)", refused(
                Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> stub.submitDag(SubmitDagRequest.newBuilder()
                        .setSpec(SPEC).setRun("a b").build())), "not an id");
        assertEquals("again", stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).setResume("wc.2026-11_a")
                .setRun("again").build()).getRun());
        assertEquals("submit wc 2 tasks resume wc.2026-11_a run again", dags.calls.get(dags.calls.size() - 1));
    }

    @Test
    void aBadSpecIsInvalidArgumentWithTheSameMessageAsOverHttp() {
        assertEquals("tasks: task 'a': function 'nope-1' is not registered on worker-1", refused(
                Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> stub.submitDag(SubmitDagRequest.newBuilder()
                        .setSpec("{\"tasks\":[{\"id\":\"a\",\"function\":\"nope-1\"}]}").build())));
        assertTrue(refused(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", () -> stub.submitDag(
                SubmitDagRequest.newBuilder().setSpec("{\"tasks\":[],}").build())).startsWith("body: not valid JSON"));
        assertTrue(dags.runs().isEmpty());
    }

    @Test
    void aRunsStatusCarriesEveryField() {
        dags.put(FakeDags.FAILED, Map.of());
        assertEquals(Messages.dag(FakeDags.FAILED, true), stub.getDag(run("run-7")));
        DagStatus s = stub.getDag(run("run-7"));
        assertEquals("failed", s.getState());
        assertEquals(4, s.getRecordsCount());
        assertEquals("Traceback (most recent call last):\n  ...", s.getRecords(2).getError().getDetail());
        assertEquals(Messages.dag(FakeDags.FAILED, false), stub.getDag(DagRequest.newBuilder().setRun("run-7")
                .setOmitRecords(true).build()));
    }

    @Test
    void theListIsNewestFirstWithoutRecords() {
        dags.put(FakeDags.FAILED, Map.of());
        stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).build());
        ListDagsReply list = stub.listDags(ListDagsRequest.getDefaultInstance());
        assertEquals(List.of("run-1", "run-7"), list.getRunsList().stream().map(DagStatus::getRun).toList());
        assertEquals(0, list.getRuns(0).getRecordsCount());
        assertEquals(Messages.dag(FakeDags.FAILED, false), list.getRuns(1));
    }

    @Test
    void aResultIsFailedPreconditionUntilTheRunEndsThenTheOutputsAsWritten() {
        stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).build());
        assertEquals("run: run 'run-1' has not finished yet (0 of 2 tasks done)", refused(
                Status.Code.FAILED_PRECONDITION, "NOT_FINISHED", () -> stub.getDagResult(run("run-1"))));

        String b = "{ \"n\" : 1.50 }";
        dags.put(new RunStatus("run-1", "wc", RunState.SUCCEEDED, FakeWorker.ARRIVAL, 9,
                FakeDags.counts(Map.of(TaskState.SUCCEEDED, 2)), List.of(), Optional.empty()), Map.of("b", b));
        DagResult r = stub.getDagResult(run("run-1"));
        assertEquals(DagResult.newBuilder().setRun("run-1").setState("succeeded").putOutputs("b", b).build(), r);

        dags.put(new RunStatus("run-3", "", RunState.SUCCEEDED, FakeWorker.ARRIVAL, 9,
                FakeDags.counts(Map.of(TaskState.SUCCEEDED, 1)), List.of(), Optional.empty()), Map.of("t", "NaN"));
        assertTrue(refused(Status.Code.ABORTED, "USER_ERROR", () -> stub.getDagResult(run("run-3")))
                .startsWith("task 't' returned an output that cannot be passed on unchanged: output: not valid JSON"));
    }

    @Test
    void aRefusalNamesItsFieldAndAnEarlyResultHowFarTheRunIsInTrailersForAClientToThrowTheSame() {
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.submitDag(SubmitDagRequest
                .newBuilder().setSpec(SPEC).setResume("run-9").build()));
        assertEquals("resume", bad.getTrailers().get(Messages.ERROR_FIELD));
        assertEquals(null, bad.getTrailers().get(Messages.TASKS));

        stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).build());
        StatusRuntimeException early = assertThrows(StatusRuntimeException.class, () -> stub.getDagResult(run("run-1")));
        assertEquals("run", early.getTrailers().get(Messages.ERROR_FIELD));
        assertEquals("0", early.getTrailers().get(Messages.TASKS_FINISHED));
        assertEquals("2", early.getTrailers().get(Messages.TASKS));

        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> stub.getDag(run("run-9")));
        assertEquals(null, unknown.getTrailers().get(Messages.ERROR_FIELD), "not a ValidationException: no field");
    }

    @Test
    void aRunsSpecIsTheSameTextAsOverHttp() {
        dags.put(FakeDags.FAILED, Map.of());
        dags.putSpec("run-7", FakeDags.FAILED_SPEC);
        assertEquals(DagSpec.newBuilder().setRun("run-7").setSpec(FakeDags.FAILED_SPEC).build(),
                stub.getDagSpec(run("run-7")));
    }

    @Test
    void aRunsPlanCarriesEveryFieldOfTheServicesPlan() {
        stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).build());
        DagPlan plan = stub.getDagPlan(run("run-1"));
        assertEquals(DagPlan.newBuilder().setRun("run-1").setPlanner("local").setSla("p50")
                .setPredictedMakespanUs(1_500).setHome("worker-1")
                .addSteps(DagPlanStep.newBuilder().setTask("a").setWorker("worker-1").setGroup("g0").setPriority(1)
                        .setStartUs(0).setFinishUs(100))
                .addSteps(DagPlanStep.newBuilder().setTask("b").setWorker("worker-1").setPrewarm(true).setPriority(0)
                        .setStartUs(100).setFinishUs(200))
                .build(), plan);
        assertEquals("plan run-1", dags.calls.get(dags.calls.size() - 1));
        dags.put(FakeDags.FAILED, Map.of());
        assertEquals(Messages.plan(dags.plan("run-7")), stub.getDagPlan(run("run-7")));
    }

    @Test
    void aBadSlaIsInvalidArgumentNamingItWithTheSameMessageAsOverHttp() {
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.submitDag(
                SubmitDagRequest.newBuilder().setSpec(withSla("\"p42\"")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals("INVALID_REQUEST", bad.getTrailers().get(Messages.ERROR_KIND));
        assertEquals("sla", bad.getTrailers().get(Messages.ERROR_FIELD));
        // the text DagRoutesTest.BAD_SLA has over HTTP
        assertEquals("sla: 'p42' is not an SLA statistic; use one of mean, p50, p90, p95, p99",
                bad.getStatus().getDescription());
        assertEquals("sla: must be a string", refused(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST",
                () -> stub.submitDag(SubmitDagRequest.newBuilder().setSpec(withSla("90")).build())));
        assertEquals(List.of("parse", "parse"), dags.calls, "refused by parse: nothing submitted");

        assertEquals("run-1", stub.submitDag(SubmitDagRequest.newBuilder().setSpec(withSla("\"p99\"")).build())
                .getRun());
        assertEquals("submit wc 2 tasks sla p99", dags.calls.get(dags.calls.size() - 1));
    }

    /** {@link #SPEC} with {@code "sla": json} after its name. */
    static String withSla(String json) {
        return SPEC.replace("{\"name\":\"wc\",", "{\"name\":\"wc\",\"sla\":" + json + ",");
    }

    @Test
    void cancelThenDeleteThenTheRunIsUnknown() {
        stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).build());
        DagStatus cancelled = stub.cancelDag(run("run-1"));
        assertEquals("cancelled", cancelled.getState());
        assertEquals(2, cancelled.getCounts().getCancelled());
        assertEquals("run-1", stub.deleteDag(run("run-1")).getRun());
        for (Supplier<?> call : List.<Supplier<?>>of(() -> stub.getDag(run("run-1")),
                () -> stub.getDagResult(run("run-1")), () -> stub.getDagSpec(run("run-1")),
                () -> stub.getDagPlan(run("run-1")), () -> stub.cancelDag(run("run-1")),
                () -> stub.deleteDag(run("run-1")))) {
            assertEquals("no run 'run-1' (never submitted, or removed after its retention)",
                    refused(Status.Code.NOT_FOUND, "UNKNOWN_FUNCTION", call));
        }
    }

    static ContinueDagRequest handOver(String run, String task) {
        return ContinueDagRequest.newBuilder().setRun(run).setTask(task).build();
    }

    @Test
    void aTaskHandedOverStartsOnTheWorkflowServiceAndAnUnknownRunIsNotFound() {
        stub.submitDag(SubmitDagRequest.newBuilder().setSpec(SPEC).build());
        assertEquals(ContinueDagReply.getDefaultInstance(), stub.continueDag(handOver("run-1", "b")));
        assertEquals("no run 'run-9' (never submitted, or removed after its retention)",
                refused(Status.Code.NOT_FOUND, "UNKNOWN_FUNCTION", () -> stub.continueDag(handOver("run-9", "a"))));
        assertEquals(List.of("parse", "submit wc 2 tasks", "continue run-1 b", "continue run-9 a"), dags.calls);
    }

    @Test
    void withoutAWorkflowServiceTheRpcsAreUnimplementedSayingSo() {
        api.unsetDags(dags);
        assertEquals("workflows are not served here: worker-1 has no workflow service (bundle dev.vireo.dag)",
                refused(Status.Code.UNIMPLEMENTED, "NOT_FOUND", () -> stub.listDags(ListDagsRequest.getDefaultInstance())));
        refused(Status.Code.UNIMPLEMENTED, "NOT_FOUND", () -> stub.submitDag(SubmitDagRequest.newBuilder()
                .setSpec(SPEC).build()));
        refused(Status.Code.UNIMPLEMENTED, "NOT_FOUND", () -> stub.continueDag(handOver("run-1", "a")));
        refused(Status.Code.UNIMPLEMENTED, "NOT_FOUND", () -> stub.getDagPlan(run("run-1")));
        assertTrue(dags.calls.isEmpty(), dags.calls.toString());
    }

    @Test
    void aConfiguredTokenIsRequired() throws Exception {
        tearDown();
        time = new TestTime();
        start("s3cret");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub.listDags(ListDagsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        Metadata auth = new Metadata();
        auth.put(GrpcApi.AUTHORIZATION, "Bearer s3cret");
        assertEquals(0, stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth))
                .listDags(ListDagsRequest.getDefaultInstance()).getRunsCount());
    }

    @Test
    void aChainRunsInOneCallAndABadOneIsInvalidArgumentNamingLinks() {
        dev.vireo.grpc.v1.DagChainReply reply = stub.runDagChain(dev.vireo.grpc.v1.DagChainRequest.newBuilder()
                .setPayload("{\"x\":1}").setMaxOutputBytes(4096)
                .addLinks(dev.vireo.grpc.v1.DagChainLink.newBuilder().setTid("r:a").setTask("a")
                        .setFunctionId("hello-1").setReturned(false))
                .addLinks(dev.vireo.grpc.v1.DagChainLink.newBuilder().setTid("r:b").setTask("b")
                        .setFunctionId("hello-1").setArgs("{\"y\":{\"$ref\":\"a\"}}").addInputs("a").setReturned(true))
                .build());
        assertEquals("chain [a, b] payload {\"x\":1} limit 4096", dags.calls.get(dags.calls.size() - 1));
        assertEquals(2, reply.getStepsCount());
        assertEquals("a", reply.getSteps(0).getTask());
        assertEquals(false, reply.getSteps(0).getReturned());
        assertEquals("", reply.getSteps(0).getReply().getResult());
        assertEquals("r:b", reply.getSteps(1).getReply().getTid());
        assertEquals("\"b-out\"", reply.getSteps(1).getReply().getResult());
        assertEquals(true, reply.getSteps(1).getReturned());
        assertEquals(9, reply.getSteps(1).getOutputBytes());
        assertEquals("warm", reply.getSteps(1).getReply().getRecord().getState());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.runDagChain(
                dev.vireo.grpc.v1.DagChainRequest.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals("links", bad.getTrailers().get(Messages.ERROR_FIELD));
    }
}
