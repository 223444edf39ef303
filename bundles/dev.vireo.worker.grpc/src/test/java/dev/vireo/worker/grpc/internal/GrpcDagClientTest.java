package dev.vireo.worker.grpc.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.dag.WorkflowBuilder;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.grpc.v1.DagRequest;
import dev.vireo.grpc.v1.DagResult;
import dev.vireo.grpc.v1.DagStatus;
import dev.vireo.grpc.v1.WorkerGrpc;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeDags;
import dev.vireo.testkit.FakeWorker;
import dev.vireo.testkit.TestTime;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer's workflow and worker services through {@link GrpcDagPeers#service} and {@link GrpcDagPeers#worker}: the
 * peer (w2) is the real GrpcApi server in front of an in-memory DagService and worker; what the client answers and
 * throws is compared with what that DagService answers and throws itself.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcDagClientTest {
    static final String SPEC = GrpcDagPeersTest.SPEC;

    TestTime time;
    FakeDags dags;
    FakeWorker worker;
    GrpcApi api;
    String address;
    Server bare;
    final AtomicReference<List<WorkerMember>> members = new AtomicReference<>();
    GrpcDagPeers peers;
    DagService client;

    @BeforeEach
    void setUp() throws IOException {
        time = new TestTime();
        dags = new FakeDags();
        worker = new FakeWorker();
        Components.Context context = new Components.Context();
        api = new GrpcApi(context.bundleContext(), worker, time, time, Components.config(GrpcApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0)));
        api.setDags(dags);
        address = ((WorkerEndpoint) context.registrations.get(0).service()).address();
        members.set(List.of(GrpcDagPeersTest.member("worker-1", "127.0.0.1:1", true),
                GrpcDagPeersTest.member("w2", address, true), GrpcDagPeersTest.member("w4", "127.0.0.1:2", false)));
        ClusterMembers cluster = members::get;
        peers = new GrpcDagPeers(cluster, new FakeWorker(), time);
        client = peers.service("w2");
    }

    @AfterEach
    void tearDown() {
        peers.close();
        api.close();
        if (bare != null) {
            bare.shutdownNow();
        }
        time.close();
    }

    static Workflow workflow() {
        WorkflowBuilder b = Workflow.builder("wc");
        b.task("a", "hello-1", "{\"x\":1}");
        b.task("b", "hello-1", null);
        return b.build();
    }

    /** What {@code call} throws, checked to be of {@code type}. */
    static <T extends Throwable> T thrown(Class<T> type, Supplier<?> call) {
        return assertInstanceOf(type, assertThrows(RuntimeException.class, call::get));
    }

    static WorkerException failed(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10,
                SECONDS));
        return assertInstanceOf(WorkerException.class, e.getCause());
    }

    @Test
    void aWorkflowIsSubmittedAsItsSpecUnderTheGivenRunIdOrOneThePeerPicks() {
        assertEquals("wc.2026-11_a", client.submit(workflow(), "", "wc.2026-11_a"));
        assertEquals(List.of("parse", "submit wc 2 tasks run wc.2026-11_a"), dags.calls);
        assertEquals("run-1", client.submit(workflow(), "wc.2026-11_a"));
        assertEquals("submit wc 2 tasks resume wc.2026-11_a", dags.calls.get(dags.calls.size() - 1));
    }

    @Test
    void aRefusedSubmissionIsThePeersValidationExceptionWithItsFieldAndMessage() {
        client.submit(workflow(), "", "wc.1");
        ValidationException taken = thrown(ValidationException.class, () -> client.submit(workflow(), "", "wc.1"));
        ValidationException own = thrown(ValidationException.class, () -> dags.submit(workflow(), "", "wc.1"));
        assertEquals("run", taken.field());
        assertEquals(own.getMessage(), taken.getMessage());
        assertEquals("run: 'wc.1' is not a free run id (1-48 of A-Z a-z 0-9 . _ -)", taken.getMessage());

        ValidationException invalid = thrown(ValidationException.class, () -> client.submit(workflow(), "", "a/b"));
        assertEquals("run", invalid.field());
        assertEquals("run: 'a/b' is not a free run id (1-48 of A-Z a-z 0-9 . _ -)", invalid.getMessage());

        ValidationException resume = thrown(ValidationException.class, () -> client.submit(workflow(), "run-9", ""));
        assertEquals("resume", resume.field());
        dags.functions.remove("hello-1");
        ValidationException unregistered = thrown(ValidationException.class, () -> client.submit(workflow(), "", ""));
        assertEquals("tasks", unregistered.field());
        assertEquals("tasks: task 'a': function 'hello-1' is not registered on worker-1", unregistered.getMessage());
    }

    @Test
    void aStatusSummaryAndListingAreWhatThePeersServiceAnswers() {
        dags.put(FakeDags.FAILED, Map.of());
        client.submit(workflow(), "", "");
        assertEquals(FakeDags.FAILED, client.status("run-7"));
        assertEquals(dags.status("run-1"), client.status("run-1"));
        assertEquals(dags.summary("run-7"), client.summary("run-7"));
        assertEquals(List.of(), client.summary("run-7").records());
        assertEquals(dags.runs(), client.runs());
        assertEquals(List.of("run-1", "run-7"), client.runs().stream().map(RunStatus::run).toList());
    }

    @Test
    void aResultOfAFinishedRunIsItsOutputsAndOfAnUnfinishedOneRunNotFinished() {
        client.submit(workflow(), "", "");
        RunNotFinishedException early = thrown(RunNotFinishedException.class, () -> client.result("run-1"));
        assertEquals("run", early.field());
        assertEquals(0, early.finished());
        assertEquals(2, early.tasks());
        assertEquals("run: run 'run-1' has not finished yet (0 of 2 tasks done)", early.getMessage());
        assertEquals("result run-1", dags.calls.get(dags.calls.size() - 1), "the refusal said how far: no summary");

        dags.put(new RunStatus("run-1", "wc", RunState.RUNNING, FakeWorker.ARRIVAL, 9,
                FakeDags.counts(Map.of(TaskState.SUCCEEDED, 1, TaskState.RUNNING, 1)), List.of(), Optional.empty()),
                Map.of());
        assertEquals(1, thrown(RunNotFinishedException.class, () -> client.result("run-1")).finished());

        String b = "{ \"n\" : 1.50 }";
        dags.put(new RunStatus("run-1", "wc", RunState.SUCCEEDED, FakeWorker.ARRIVAL, 9,
                FakeDags.counts(Map.of(TaskState.SUCCEEDED, 2)), List.of(), Optional.empty()), Map.of("b", b));
        assertEquals(new RunResult("run-1", RunState.SUCCEEDED, Map.of("b", b)), client.result("run-1"));
    }

    @Test
    void aSpecIsThePeersText() {
        dags.put(FakeDags.FAILED, Map.of());
        dags.putSpec("run-7", FakeDags.FAILED_SPEC);
        assertEquals(FakeDags.FAILED_SPEC, client.spec("run-7"));
    }

    @Test
    void aPlanIsThePeersPlan() {
        client.submit(workflow(), "", "");
        dags.put(FakeDags.FAILED, Map.of());
        RunPlan plan = client.plan("run-7");
        assertEquals(dags.plan("run-7"), plan);
        assertEquals(new RunPlan("run-1", "local", "p50", "worker-1", 1_500, List.of(
                new RunPlan.Step("a", "worker-1", "g0", false, 1, 0, 100),
                new RunPlan.Step("b", "worker-1", "", true, 0, 100, 200))), client.plan("run-1"));
        assertEquals(List.of("split", "count", "sum", "report"), plan.steps().stream().map(RunPlan.Step::task)
                .toList());
    }

    @Test
    void aWorkflowsSlaTravelsInItsSpecToThePeer() {
        Workflow p90 = new Workflow("wc", workflow().tasks(), Workflow.OnError.FAIL_FAST, 0, java.time.Duration.ZERO,
                "p90");
        assertEquals("run-1", client.submit(p90, "", ""));
        assertEquals("submit wc 2 tasks sla p90", dags.calls.get(dags.calls.size() - 1));
    }

    @Test
    void cancelAnswersTheCancelledStatusThenDeleteThenTheRunIsUnknownToEveryMethod() {
        client.submit(workflow(), "", "");
        RunStatus cancelled = client.cancel("run-1");
        assertEquals(dags.status("run-1"), cancelled);
        assertEquals(RunState.CANCELLED, cancelled.state());
        assertEquals(2, cancelled.counts().get(TaskState.CANCELLED));
        client.delete("run-1");
        assertEquals(List.of(), dags.runs());
        for (Supplier<?> call : List.<Supplier<?>>of(() -> client.status("run-1"), () -> client.summary("run-1"),
                () -> client.result("run-1"), () -> client.spec("run-1"), () -> client.plan("run-1"),
                () -> client.cancel("run-1"), () -> {
                    client.delete("run-1");
                    return null;
                }, () -> {
                    client.continueTask("run-1", "a");
                    return null;
                })) {
            WorkerException e = thrown(WorkerException.class, call);
            assertEquals(ErrorKind.UNKNOWN_FUNCTION, e.kind());
            assertEquals("no run 'run-1' (never submitted, or removed after its retention)", e.getMessage());
        }
    }

    @Test
    void aTaskContinuedThroughTheClientStartsOnThePeer() {
        client.submit(workflow(), "", "");
        client.continueTask("run-1", "b");
        assertEquals("continue run-1 b", dags.calls.get(dags.calls.size() - 1));
    }

    @Test
    void aSpecIsReadByThisNodesOwnWorkflowServiceWithoutThePeer() {
        WorkerException none = thrown(WorkerException.class, () -> client.parse(SPEC));
        assertEquals(ErrorKind.INTERNAL, none.kind());
        assertTrue(none.getMessage().startsWith("workflows are not served here: worker-1 has no workflow service"),
                none.getMessage());
        FakeDags local = new FakeDags();
        peers.setDags(local);
        assertEquals(local.parse(SPEC), client.parse(SPEC));
        assertEquals(List.of("parse", "parse"), local.calls);
        assertEquals(List.of(), dags.calls, "the peer is not asked");
        peers.unsetDags(local);
        assertEquals(ErrorKind.INTERNAL, thrown(WorkerException.class, () -> client.parse(SPEC)).kind());
    }

    @Test
    void aNameThatIsNotAPeerInServiceIsUnreachableForEveryCall() throws IOException {
        members.set(List.of(GrpcDagPeersTest.member("worker-1", "127.0.0.1:1", true),
                GrpcDagPeersTest.member("w4", "127.0.0.1:2", false),
                GrpcDagPeersTest.member("w5", "127.0.0.1:" + GrpcDagPeersTest.freePort(), true)));
        for (String peer : List.of("w2", "nope", "worker-1")) {
            WorkerException e = thrown(WorkerException.class, () -> peers.service(peer).summary("run-1"));
            assertEquals(ErrorKind.UNREACHABLE, e.kind());
            assertEquals("'" + peer + "' is not a peer of worker-1 (peers: w5)", e.getMessage());
            WorkerException invoke = failed(peers.worker(peer).invoke("t-1", "hello-1", "{}"));
            assertEquals(ErrorKind.UNREACHABLE, invoke.kind());
            assertEquals(e.getMessage(), invoke.getMessage());
        }
        WorkerException out = thrown(WorkerException.class, () -> peers.service("w4").runs());
        assertEquals(ErrorKind.UNREACHABLE, out.kind());
        assertEquals("worker 'w4' is out of service: missed 3 heartbeats", out.getMessage());
        assertEquals(ErrorKind.UNREACHABLE, thrown(WorkerException.class, () -> peers.worker("w4").status()).kind());

        WorkerException silent = thrown(WorkerException.class, () -> peers.service("w5").submit(workflow(), "", ""));
        assertEquals(ErrorKind.UNREACHABLE, silent.kind());
        assertTrue(silent.getMessage().startsWith("worker at 127.0.0.1:"), silent.getMessage());
        assertEquals(ErrorKind.UNREACHABLE, failed(peers.worker("w5").invoke("t-1", "hello-1", "{}")).kind());
        assertTrue(dags.calls.isEmpty(), dags.calls.toString());
    }

    @Test
    void aClientHeldOnFollowsThePeerAsTheMembersListIt() {
        client.submit(workflow(), "", "");
        members.set(List.of(GrpcDagPeersTest.member("w3", address, true)));
        assertEquals(ErrorKind.UNREACHABLE, thrown(WorkerException.class, () -> client.summary("run-1")).kind());
        members.set(List.of(GrpcDagPeersTest.member("w2", address, true)));
        assertEquals(RunState.RUNNING, client.summary("run-1").state());
    }

    @Test
    void anInvocationOnThePeersWorkerReachesItWithItsTid() throws Exception {
        worker.register(GrpcEndToEndTest.HELLO);
        WorkerService w2 = peers.worker("w2");
        assertEquals("w2", w2.name());
        InvocationRecord r = w2.invoke("tid-42", "hello-1", "{\"x\":1}").toCompletableFuture().get(10, SECONDS);
        assertEquals(FakeWorker.record("tid-42", "hello-1", "{\"x\":1}"), r);
        assertEquals("invoke tid-42 hello-1 {\"x\":1}", worker.calls.get(worker.calls.size() - 1));
        WorkerException unknown = failed(w2.invoke("tid-43", "nope-1", "{}"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, unknown.kind());
        assertEquals("function nope-1 is not registered", unknown.getMessage());
        assertEquals(List.of("hello-1"), w2.functions().stream().map(f -> f.id()).toList());
    }

    @Test
    void callsMadeWhileAnsweringACallThatEndsAreNotCancelledWithIt() throws Exception {
        worker.register(GrpcEndToEndTest.HELLO);
        client.submit(workflow(), "", "");
        Context.CancellableContext answered = Context.current().withCancellation();
        answered.cancel(null); // as the context of a call this node has already answered
        Context previous = answered.attach();
        try {
            assertEquals(RunState.RUNNING, client.summary("run-1").state());
            CompletionStage<InvocationRecord> stage = peers.worker("w2").invoke("tid-44", "hello-1", "{}");
            assertEquals("tid-44", stage.toCompletableFuture().get(10, SECONDS).tid());
        } finally {
            answered.detach(previous);
        }
    }

    @Test
    void aPeerThatDoesNotSayHowFarTheRunIsIsAskedForItsSummary() throws IOException {
        // a peer of an earlier version: NOT_FINISHED with the kind alone
        dags.submit(dags.parse(SPEC), "");
        dags.put(new RunStatus("run-1", "wc", RunState.RUNNING, FakeWorker.ARRIVAL, 9,
                FakeDags.counts(Map.of(TaskState.SUCCEEDED, 1, TaskState.RUNNING, 1)), List.of(), Optional.empty()),
                Map.of());
        bare = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new WorkerGrpc
                .WorkerImplBase() {
            @Override
            public void getDagResult(DagRequest request, StreamObserver<DagResult> out) {
                Metadata m = new Metadata();
                m.put(Messages.ERROR_KIND, RunNotFinishedException.KIND);
                out.onError(Status.FAILED_PRECONDITION.withDescription("run: early").asRuntimeException(m));
            }

            @Override
            public void getDag(DagRequest request, StreamObserver<DagStatus> out) {
                out.onNext(Messages.dag(dags.summary(request.getRun()), false));
                out.onCompleted();
            }
        }).build().start();
        members.set(List.of(GrpcDagPeersTest.member("w6", "127.0.0.1:" + bare.getPort(), true)));
        RunNotFinishedException early = thrown(RunNotFinishedException.class, () -> peers.service("w6")
                .result("run-1"));
        assertEquals("run: run 'run-1' has not finished yet (1 of 2 tasks done)", early.getMessage());
        assertEquals("summary run-1", dags.calls.get(dags.calls.size() - 1));
    }
}
