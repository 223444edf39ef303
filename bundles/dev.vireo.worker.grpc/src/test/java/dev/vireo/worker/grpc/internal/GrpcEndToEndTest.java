package dev.vireo.worker.grpc.internal;

import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeWorker;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.grpc.v1.HealthRequest;
import dev.vireo.grpc.v1.ListRequest;
import dev.vireo.grpc.v1.PingRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.UnregisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import dev.vireo.testkit.TestTime;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The worker's gRPC API (the real GrpcApi server on a loopback port, WorkerGrpcService over an in-memory worker)
 * reached the way the controller reaches workers: GrpcWorkerConnector's RemoteWorker.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GrpcEndToEndTest {
    static final FunctionSpec HELLO = new FunctionSpec("hello", "1", "vireo/hello:1", "", "", "", Compute.CPU, "uds", 256,
            1.0, Duration.ofMillis(60_000), 1, ExpectedTimings.UNKNOWN);

    TestTime time;
    FakeWorker worker;
    Components.Context context;
    GrpcApi api;
    String address;
    RemoteWorker remote;
    ManagedChannel raw;

    @BeforeEach
    void setUp() throws IOException {
        time = new TestTime();
        worker = new FakeWorker();
        start("");
    }

    void start(String token) throws IOException {
        start(token, "");
    }

    void start(String token, String namespaceTokens) throws IOException {
        context = new Components.Context();
        api = new GrpcApi(context.bundleContext(), worker, time, time, Components.config(GrpcApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0, "auth_token", token, "namespace_tokens", namespaceTokens)));
        address = ((WorkerEndpoint) context.registrations.get(0).service()).address();
        remote = new GrpcWorkerConnector(time).connect(address);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (raw != null) {
            raw.shutdownNow().awaitTermination(5, SECONDS);
        }
        remote.close();
        if (api != null) {
            api.close();
        }
        time.close();
    }

    /** A plain stub on its own channel, for what RemoteWorker does not show: status codes, trailers, metadata. */
    WorkerGrpc.WorkerBlockingStub rawStub() {
        if (raw == null) {
            raw = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        }
        return WorkerGrpc.newBlockingStub(raw).withDeadlineAfter(10, SECONDS);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, SECONDS);
    }

    static WorkerException rejection(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(stage));
        return assertInstanceOf(WorkerException.class, e.getCause());
    }

    @Test
    void itAnnouncesWhereItListensAndTheRemoteKnowsTheWorkersName() {
        Components.Registration r = context.registrations.get(0);
        assertEquals("grpc", ((WorkerEndpoint) r.service()).protocol());
        assertTrue(address.matches("127\\.0\\.0\\.1:\\d+"), address);
        assertEquals(Map.of(WorkerEndpoint.PROTOCOL, "grpc"), r.properties());
        assertEquals("worker-1", remote.name());
    }

    @Test
    void registerListAndUnregisterCrossTheWire() {
        FunctionSpec registered = remote.register(HELLO);

        assertEquals(List.of("register " + HELLO), worker.calls);
        assertEquals("sim", registered.backend(), "the worker's answer, not the request echoed");
        assertEquals(worker.functions(), remote.functions());
        remote.unregister("hello-1");
        assertEquals("unregister hello-1", worker.calls.get(1));
        assertEquals(List.of(), remote.functions());
    }

    @Test
    void anUpdateCarriesTheSecretsToTheWorkerAndRepliesNameThemOnly() {
        remote.register(HELLO);
        FunctionSpec next = HELLO.withConfig(new dev.vireo.api.model.FunctionConfig(Map.of("MODE", "prod"),
                "{\"n\":1.50}", Map.of("TOKEN", "s3cret")));
        FunctionSpec updated = remote.update(next);
        assertEquals("update " + next, worker.calls.get(1));
        assertEquals(next.withBackend("sim"), worker.functions().get(0), "the worker has every value");
        assertEquals(next.config(), updated.config(), "the caller keeps what it sent");
        dev.vireo.grpc.v1.FunctionSpec listed = rawStub().list(dev.vireo.grpc.v1.ListRequest.getDefaultInstance())
                .getFunctions(0);
        assertEquals(List.of("TOKEN"), listed.getSecretNamesList());
        assertEquals(Map.of(), listed.getSecretsMap());
        assertFalse(listed.toString().contains("s3cret"), listed.toString());
        assertEquals(Map.of("MODE", "prod"), listed.getEnvMap());
        assertEquals("{\"n\":1.50}", listed.getParameters());
        WorkerException e = assertThrows(WorkerException.class, () -> remote.update(new FunctionSpec("nope", "1",
                "vireo/nope", "", "", "", Compute.CPU, "uds", 128, 1.0, Duration.ofSeconds(1), 1, null)));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, e.kind());
    }

    @Test
    void aWorkerThatRequiresATokenServesAControllerThatPresentsItAndRefusesOneThatDoesNot() throws Exception {
        remote.close();
        api.close();
        start("s3cret");
        WorkerException refused = assertThrows(WorkerException.class, () -> remote.register(HELLO));
        assertTrue(refused.getMessage().contains("refused the bearer token presented"), refused.getMessage());
        GrpcWorkerConnector withToken = new GrpcWorkerConnector(time, Components.config(GrpcApi.Config.class,
                Map.of("client_token", "s3cret")));
        try (RemoteWorker authorized = withToken.connect(address)) {
            authorized.register(HELLO);
            assertTrue(authorized.invoke("t-1", "hello-1", "{}").toCompletableFuture().get(10, SECONDS).success());
        }
        GrpcWorkerConnector sharing = new GrpcWorkerConnector(time, Components.config(GrpcApi.Config.class,
                Map.of("auth_token", "s3cret")));
        try (RemoteWorker cluster = sharing.connect(address)) {
            assertEquals(List.of("hello-1"), cluster.functions().stream().map(FunctionSpec::id).toList(),
                    "no client.token: the node's own auth.token (a cluster sharing one)");
            sharing.modified(Components.config(GrpcApi.Config.class, Map.of("client_token", "rotated")));
            assertThrows(WorkerException.class, cluster::functions, "the next call presents the changed token");
            sharing.modified(Components.config(GrpcApi.Config.class, Map.of("client_token", "s3cret")));
            assertEquals(1, cluster.functions().size(), "and again, on the same connection");
        }
    }

    @Test
    void theTraceContextCrossesTheWireAsTraceparentMetadata() throws Exception {
        remote.register(HELLO);
        var trace = dev.vireo.api.trace.TraceContext.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .orElseThrow();
        remote.invoke("t-1", "hello-1", "{}", trace).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        remote.invokeAsync("t-2", "hello-1", "{}", trace);
        remote.invoke("t-3", "hello-1", "{}").toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        io.grpc.Metadata bad = new io.grpc.Metadata();
        bad.put(TraceHeader.KEY, "00-not-a-context");
        rawStub().withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bad)).invoke(
                dev.vireo.grpc.v1.InvokeRequest.newBuilder().setFunctionId("hello-1").setTid("t-4").build());
        assertEquals(List.of(trace.header(), trace.header(), "none", "none"), worker.traces,
                "a malformed one is no context, not a failed call");
        var stated = new dev.vireo.api.trace.TraceContext(trace.traceId(), trace.spanId(), true, "vendor=abc");
        remote.invoke("t-5", "hello-1", "{}", stated).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("vendor=abc", worker.traceStates.get(worker.traceStates.size() - 1), "tracestate handed on");
    }

    @Test
    void anInvocationComesBackAsTheWorkersRecord() throws Exception {
        remote.register(HELLO);
        InvocationRecord r = await(remote.invoke("t-7", "hello-1", "{\"x\":[1,2]}"));

        assertEquals(FakeWorker.record("t-7", "hello-1", "{\"x\":[1,2]}"), r);
        assertEquals("invoke t-7 hello-1 {\"x\":[1,2]}", worker.calls.get(1));
        InvocationRecord noTid = await(remote.invoke(null, "hello-1", null));
        assertEquals("worker-1-7", noTid.tid(), "the worker makes the tid");
        assertEquals("{\"echo\":null}", noTid.result());
    }

    @Test
    void aFunctionsErrorIsInTheRecordNotARejection() throws Exception {
        remote.register(HELLO);
        InvocationRecord r = await(remote.invoke("t-8", "hello-1", "{\"raise\":1}"));

        assertEquals(FakeWorker.record("t-8", "hello-1", "{\"raise\":1}"), r);
        assertEquals(ErrorKind.USER_ERROR, r.error().orElseThrow().kind());
        assertEquals("Traceback (most recent call last):\nValueError: bad", r.error().orElseThrow().detail());
    }

    @Test
    void whatTheFunctionPrintedCrossesTheWireWithItsRecord() throws Exception {
        remote.register(HELLO);
        for (String payload : List.of("{\"print\":1}", "{\"print\":1,\"raise\":1}")) {
            InvocationRecord r = await(remote.invoke("t-9", "hello-1", payload));
            assertEquals(FakeWorker.record("t-9", "hello-1", payload), r);
            assertEquals(new Output("printed " + payload + "\n", "warning ✓\n", false), r.output());
        }
        assertEquals(Output.NONE, await(remote.invoke("t-10", "hello-1", "{}")).output());
    }

    @Test
    void aRejectedInvocationKeepsItsKindAndMessage() throws Exception {
        WorkerException unknown = rejection(remote.invoke("t-1", "nope-1", "{}"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, unknown.kind());
        assertEquals("function nope-1 is not registered", unknown.getMessage());

        remote.register(HELLO);
        worker.invokeFailsLater = new WorkerException(ErrorKind.OVERLOADED, "the queue of worker-1 is full (100)");
        WorkerException later = rejection(remote.invoke("t-2", "hello-1", "{}"));
        assertEquals(ErrorKind.OVERLOADED, later.kind());
        assertEquals("the queue of worker-1 is full (100)", later.getMessage());
    }

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void everyRejectionKindCrossesTheWireInItsTrailer(ErrorKind kind) {
        Map<ErrorKind, Status.Code> codes = Map.ofEntries(Map.entry(ErrorKind.INVALID_REQUEST, Status.Code.INVALID_ARGUMENT),
                Map.entry(ErrorKind.UNKNOWN_FUNCTION, Status.Code.NOT_FOUND),
                Map.entry(ErrorKind.ALREADY_EXISTS, Status.Code.ALREADY_EXISTS),
                Map.entry(ErrorKind.OVERLOADED, Status.Code.RESOURCE_EXHAUSTED),
                Map.entry(ErrorKind.NO_RESOURCES, Status.Code.RESOURCE_EXHAUSTED),
                Map.entry(ErrorKind.TIMEOUT, Status.Code.DEADLINE_EXCEEDED),
                Map.entry(ErrorKind.CANCELLED, Status.Code.UNAVAILABLE),
                Map.entry(ErrorKind.START_FAILED, Status.Code.UNAVAILABLE),
                Map.entry(ErrorKind.UNREACHABLE, Status.Code.UNAVAILABLE),
                Map.entry(ErrorKind.USER_ERROR, Status.Code.ABORTED),
                Map.entry(ErrorKind.OUT_OF_MEMORY, Status.Code.ABORTED),
                Map.entry(ErrorKind.CONTAINER_FAILED, Status.Code.ABORTED),
                Map.entry(ErrorKind.FORBIDDEN, Status.Code.PERMISSION_DENIED),
                Map.entry(ErrorKind.INTERNAL, Status.Code.INTERNAL));
        worker.refuseUnregister = kind;

        WorkerException e = assertThrows(WorkerException.class, () -> remote.unregister("hello-1"));
        assertEquals(kind, e.kind());
        assertEquals("refused: " + kind, e.getMessage());

        StatusRuntimeException wire = assertThrows(StatusRuntimeException.class,
                () -> rawStub().unregister(UnregisterRequest.newBuilder().setFunctionId("hello-1").build()));
        assertEquals(codes.get(kind), wire.getStatus().getCode());
        assertEquals(kind.name(), wire.getTrailers().get(Messages.ERROR_KIND));
    }

    @Test
    void registeringATakenIdIsAlreadyExists() {
        remote.register(HELLO);
        WorkerException e = assertThrows(WorkerException.class, () -> remote.register(HELLO));
        assertEquals(ErrorKind.ALREADY_EXISTS, e.kind());
    }

    @Test
    void aSpecTheModelRefusesIsInvalidArgumentWithItsKind() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rawStub().register(
                RegisterRequest.newBuilder().setSpec(dev.vireo.grpc.v1.FunctionSpec.newBuilder().setName("Not_A_Name")
                        .setImage("x")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("INVALID_REQUEST", e.getTrailers().get(Messages.ERROR_KIND));
        assertTrue(worker.calls.isEmpty(), worker.calls.toString());
    }

    @Test
    void aPolicyIsPutInForceOverTheWireAndABadPointIsNamed() {
        assertEquals(java.util.Map.of("queue", "sjf"), remote.use("queue", "sjf"));
        WorkerException e = assertThrows(WorkerException.class, () -> remote.use("dag", "heft"));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("'dag' is not a point"), e.getMessage());
    }

    @Test
    void theActivationLogCrossesTheWireAndBadQueriesNameTheirField() throws Exception {
        remote.register(HELLO);
        await(remote.invoke("a-1", "hello-1", "{\"n\":1}"));
        await(remote.invoke("a-2", "hello-1", "{\"raise\":1}"));
        var all = rawStub().activations(dev.vireo.grpc.v1.ActivationsRequest.getDefaultInstance());
        assertEquals(List.of("a-2", "a-1"), all.getActivationsList().stream().map(dev.vireo.grpc.v1.InvokeReply::getTid).toList());
        assertEquals("USER_ERROR", all.getActivations(0).getError().getKind());
        var ok = rawStub().activations(dev.vireo.grpc.v1.ActivationsRequest.newBuilder().setStatus("success")
                .setFunctionId("hello-1").setLimit(5).build());
        assertEquals(List.of("a-1"), ok.getActivationsList().stream().map(dev.vireo.grpc.v1.InvokeReply::getTid).toList());
        assertTrue(ok.getActivations(0).hasRecord(), "each as an enhanced reply");
        assertEquals("a-1", rawStub().activation(dev.vireo.grpc.v1.ActivationRequest.newBuilder().setId("a-1").build())
                .getTid());
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> rawStub().activation(
                dev.vireo.grpc.v1.ActivationRequest.newBuilder().setId("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
        // the same checks and words as HTTP's GET /activations, each naming the field as this API spells it
        for (var bad : List.of(
                java.util.Map.entry(dev.vireo.grpc.v1.ActivationsRequest.newBuilder().setLimit(1001), "limit"),
                java.util.Map.entry(dev.vireo.grpc.v1.ActivationsRequest.newBuilder().setStatus("failed"), "status"),
                java.util.Map.entry(dev.vireo.grpc.v1.ActivationsRequest.newBuilder().setSince("today"), "since"),
                java.util.Map.entry(dev.vireo.grpc.v1.ActivationsRequest.newBuilder().setFunctionId("f".repeat(130)),
                        "function_id"))) {
            StatusRuntimeException e = refused(() -> rawStub().activations(bad.getKey().build()));
            assertEquals(bad.getValue(), e.getTrailers().get(Messages.ERROR_FIELD), e.toString());
        }
        StatusRuntimeException noId = refused(() -> rawStub().activation(
                dev.vireo.grpc.v1.ActivationRequest.getDefaultInstance()));
        assertEquals("id", noId.getTrailers().get(Messages.ERROR_FIELD));
        // the controller's side: the remote worker asks and reads the records back as the worker holds them
        assertEquals(worker.activations(dev.vireo.api.worker.ActivationQuery.newest()),
                remote.activations(dev.vireo.api.worker.ActivationQuery.newest()));
        assertEquals(List.of("a-1"), remote.activations(dev.vireo.api.worker.ActivationQuery.of("hello-1",
                "2000-01-01T00:00:00Z", null, "success", "3")).stream().map(InvocationRecord::tid).toList());
        assertEquals(worker.activation("a-2"), remote.activation("a-2"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class, () -> remote.activation("nope"))
                .kind());
    }

    @Test
    void settingsCrossTheWireWithTheirWorkers() {
        WorkerException none = assertThrows(WorkerException.class, () -> remote.settings());
        assertEquals(ErrorKind.INVALID_REQUEST, none.kind(), "a node that cannot tell says so");
        assertTrue(none.getMessage().contains("does not report its settings"), none.getMessage());
        var w = new dev.vireo.api.worker.NodeSettings("w1", "worker", java.util.Map.of("vireo.worker",
                java.util.Map.of("name", "w1", "queue.capacity", "100"), "vireo.kernel", java.util.Map.of()),
                java.util.Map.of("queue", "sjf", "resource", "cpu,memory"), java.util.Map.of("cpu", 2.0, "memory",
                        4096.0), java.util.List.of());
        worker.settings = new dev.vireo.api.worker.NodeSettings("ctl", "controller", java.util.Map.of(
                "vireo.controller", java.util.Map.of("heartbeat.ms", "500")), java.util.Map.of("balancer", "ch-bl"),
                java.util.Map.of(), java.util.List.of(w, w.named("w2")));
        assertEquals(worker.settings, remote.settings());
    }

    @Test
    void anEstimateCrossesTheWireAndAnEmptyIdNamesItsField() {
        remote.register(HELLO);
        assertEquals(worker.estimate("hello-1"), remote.estimate("hello-1"));
        WorkerException unknown = assertThrows(WorkerException.class, () -> remote.estimate("nope-1"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, unknown.kind());
        WorkerException empty = assertThrows(WorkerException.class, () -> remote.estimate(""));
        assertEquals(ErrorKind.INVALID_REQUEST, empty.kind());
        assertTrue(empty.getMessage().contains("function_id"), empty.getMessage());
    }

    @Test
    void theStandardHealthServiceAndReflectionAnswerWithoutTheToken() throws Exception {
        remote.close();
        api.close();
        start("s3cret");
        rawStub(); // opens the channel
        var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(raw).withDeadlineAfter(10, SECONDS);
        assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING, health.check(
                io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus(), "the server as a whole");
        assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING, health.check(
                io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("vireo.worker.v1.Worker").build())
                .getStatus());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> health.check(
                io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("nope").build()));
        assertEquals(io.grpc.Status.Code.NOT_FOUND, unknown.getStatus().getCode());

        // reflection: the services this server has, as grpcurl lists them
        java.util.concurrent.CompletableFuture<List<String>> services = new java.util.concurrent.CompletableFuture<>();
        var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(raw).serverReflectionInfo(
                new io.grpc.stub.StreamObserver<io.grpc.reflection.v1.ServerReflectionResponse>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                        services.complete(r.getListServicesResponse().getServiceList().stream()
                                .map(io.grpc.reflection.v1.ServiceResponse::getName).sorted().toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
        assertEquals(List.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "vireo.worker.v1.Worker"),
                await(services));
        requests.onCompleted();

        api.close();
        api = null;
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> health.check(
                io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()));
        assertEquals(io.grpc.Status.Code.UNAVAILABLE, gone.getStatus().getCode(), "stopped: nothing answers");
    }

    @Test
    void aRejectionToRetryLaterCarriesThePushback() {
        worker.refuseUnregister = ErrorKind.OVERLOADED;
        StatusRuntimeException busy = assertThrows(StatusRuntimeException.class, () -> rawStub().unregister(
                dev.vireo.grpc.v1.UnregisterRequest.newBuilder().setFunctionId("hello-1").build()));
        assertEquals("1000", busy.getTrailers().get(WorkerGrpcService.RETRY_PUSHBACK), "retry after a second");
        worker.refuseUnregister = ErrorKind.USER_ERROR;
        StatusRuntimeException not = assertThrows(StatusRuntimeException.class, () -> rawStub().unregister(
                dev.vireo.grpc.v1.UnregisterRequest.newBuilder().setFunctionId("hello-1").build()));
        assertEquals(null, not.getTrailers().get(WorkerGrpcService.RETRY_PUSHBACK), "nothing to retry");
    }

    @Test
    void aBugInTheWorkerIsInternal() {
        worker.statusFails = new IllegalStateException("boom");
        WorkerException e = assertThrows(WorkerException.class, () -> remote.status());
        assertEquals(ErrorKind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("boom"), e.getMessage());
    }

    @Test
    void asyncInvocationAndItsResult() {
        remote.register(HELLO);
        String id = remote.invokeAsync("a-1", "hello-1", "7");
        assertEquals("a-1", id);
        AsyncResult r = remote.result(id);
        assertEquals(new AsyncResult("a-1", true, Optional.of(FakeWorker.record("a-1", "hello-1", "7"))), r);
        WorkerException unknown = assertThrows(WorkerException.class, () -> remote.result("zzz"));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, unknown.kind());
    }

    @Test
    void prewarmSaysHowManyStarted() throws Exception {
        remote.register(HELLO);
        assertEquals(2, await(remote.prewarm("hello-1", 3)));
        assertEquals("prewarm hello-1 3", worker.calls.get(1));
    }

    @Test
    void statusBlockingAndAsync() throws Exception {
        assertEquals(MessagesTest.overTheWire(FakeWorker.STATUS), remote.status());
        assertEquals(MessagesTest.overTheWire(FakeWorker.STATUS), await(remote.statusAsync()));
    }

    @Test
    void pingEchoesItsBytes() {
        ByteString payload = ByteString.copyFrom(new byte[] {0, 1, (byte) 0xff, 42});
        assertEquals(payload, rawStub().ping(PingRequest.newBuilder().setPayload(payload).build()).getPayload());
    }

    @Test
    void aWorkerNobodyListensForIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free once closed: connections are refused
        }
        String gone = "127.0.0.1:" + port;
        try (RemoteWorker nobody = new GrpcWorkerConnector(time).connect(gone)) {
            WorkerException invoke = rejection(nobody.invoke("t-1", "hello-1", "{}"));
            assertEquals(ErrorKind.UNREACHABLE, invoke.kind());
            assertTrue(invoke.getMessage().startsWith("worker at " + gone + " did not answer: UNAVAILABLE"),
                    invoke.getMessage());
            assertEquals(ErrorKind.UNREACHABLE, assertThrows(WorkerException.class, nobody::functions).kind());
            assertEquals(ErrorKind.UNREACHABLE, rejection(nobody.statusAsync()).kind());
        }
    }

    @Test
    void theConnectorRefusesAnAddressThatIsNotHostAndPort() {
        GrpcWorkerConnector connector = new GrpcWorkerConnector(time);
        for (String bad : new String[] {"localhost", "localhost:", ":8071", "localhost:http", "localhost:0",
                "localhost:65536", null}) {
            assertThrows(ValidationException.class, () -> connector.connect(bad), String.valueOf(bad));
        }
    }

    @Test
    void aConfiguredTokenIsRequiredButForHealthAndPing() throws Exception {
        remote.close();
        api.close();
        start("s3cret");
        Metadata bearer = new Metadata();
        bearer.put(GrpcApi.AUTHORIZATION, "Bearer s3cret");
        Metadata wrong = new Metadata();
        wrong.put(GrpcApi.AUTHORIZATION, "Bearer nope");

        assertEquals("worker-1", rawStub().health(HealthRequest.getDefaultInstance()).getWorker());
        assertEquals(ByteString.copyFromUtf8("x"), rawStub().ping(PingRequest.newBuilder()
                .setPayload(ByteString.copyFromUtf8("x")).build()).getPayload());
        StatusRuntimeException none = assertThrows(StatusRuntimeException.class,
                () -> rawStub().list(ListRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> rawStub()
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong)).list(ListRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, bad.getStatus().getCode());
        assertEquals(0, rawStub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer))
                .list(ListRequest.getDefaultInstance()).getFunctionsCount());
        assertTrue(worker.calls.isEmpty(), worker.calls.toString());
    }

    /** A stub presenting {@code token} and, if not null, asking for {@code namespace}. */
    WorkerGrpc.WorkerBlockingStub as(String token, String namespace) {
        Metadata m = new Metadata();
        m.put(GrpcApi.AUTHORIZATION, "Bearer " + token);
        if (namespace != null) {
            m.put(GrpcApi.NAMESPACE, namespace);
        }
        return rawStub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    @Test
    void aNamespacesTokenActsInItsNamespaceOnlyAndTheNodesTokenInAny() throws Exception {
        remote.close();
        api.close();
        assertThrows(IllegalArgumentException.class, () -> start("", "team-a:team-a-token-0123456789"),
                "namespace tokens without the node's own: a call without a token could do anything");
        start("node-token-0123456789", "team-a:team-a-token-0123456789, team-b:team-b-token-0123456789");
        WorkerGrpc.WorkerBlockingStub teamA = as("team-a-token-0123456789", null);
        WorkerGrpc.WorkerBlockingStub node = as("node-token-0123456789", null);
        assertEquals("team-a:hello-1", teamA.register(dev.vireo.grpc.v1.RegisterRequest.newBuilder()
                .setSpec(Messages.request(HELLO)).build()).getId(), "into the token's namespace");
        assertEquals("hello-1", node.register(dev.vireo.grpc.v1.RegisterRequest.newBuilder()
                .setSpec(Messages.request(HELLO)).build()).getId());
        assertEquals("team-b:hello-1", node.register(dev.vireo.grpc.v1.RegisterRequest.newBuilder()
                .setSpec(Messages.request(HELLO.withNamespace("team-b"))).build()).getId(), "the node registers anywhere");
        assertEquals(List.of("team-a:hello-1"), teamA.list(ListRequest.getDefaultInstance()).getFunctionsList()
                .stream().map(dev.vireo.grpc.v1.FunctionSpec::getId).toList());
        assertEquals(3, node.list(ListRequest.getDefaultInstance()).getFunctionsCount());
        assertEquals(List.of("team-b:hello-1"), as("node-token-0123456789", "team-b").list(ListRequest
                .getDefaultInstance()).getFunctionsList().stream().map(dev.vireo.grpc.v1.FunctionSpec::getId).toList(),
                "the node's token acting as a namespace");

        StatusRuntimeException other = assertThrows(StatusRuntimeException.class, () -> teamA.invoke(
                dev.vireo.grpc.v1.InvokeRequest.newBuilder().setFunctionId("team-b:hello-1").build()));
        assertEquals(Status.Code.NOT_FOUND, other.getStatus().getCode(), "another namespace's is unknown");
        StatusRuntimeException field = assertThrows(StatusRuntimeException.class, () -> teamA.register(
                dev.vireo.grpc.v1.RegisterRequest.newBuilder().setSpec(Messages.request(HELLO.withNamespace("team-b")))
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, field.getStatus().getCode());
        assertEquals("namespace", field.getTrailers().get(Messages.ERROR_FIELD));
        StatusRuntimeException settings = assertThrows(StatusRuntimeException.class,
                () -> teamA.settings(dev.vireo.grpc.v1.SettingsRequest.getDefaultInstance()));
        assertEquals(Status.Code.PERMISSION_DENIED, settings.getStatus().getCode());
        StatusRuntimeException asked = assertThrows(StatusRuntimeException.class,
                () -> as("team-a-token-0123456789", "team-b").list(ListRequest.getDefaultInstance()));
        assertEquals(Status.Code.PERMISSION_DENIED, asked.getStatus().getCode());
        StatusRuntimeException wrong = assertThrows(StatusRuntimeException.class,
                () -> as("team-c-token-0123456789", null).list(ListRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
        StatusRuntimeException dags = assertThrows(StatusRuntimeException.class,
                () -> teamA.listDags(dev.vireo.grpc.v1.ListDagsRequest.getDefaultInstance()));
        assertEquals(Status.Code.PERMISSION_DENIED, dags.getStatus().getCode());
    }

    @Test
    void withACertificateTheApiServesTlsAndAConnectorTrustingItCallsIt(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        remote.close();
        api.close();
        dev.vireo.testkit.TestCertificates.Pem pem = dev.vireo.testkit.TestCertificates.selfSigned(dir);
        context = new Components.Context();
        api = new GrpcApi(context.bundleContext(), worker, time, time, Components.config(GrpcApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0, "tls_cert_file", pem.cert().toString(), "tls_key_file",
                        pem.key().toString())));
        address = ((WorkerEndpoint) context.registrations.get(0).service()).address();
        remote = new GrpcWorkerConnector(time, "", pem.cert().toString()).connect(address);
        remote.register(HELLO);
        assertEquals(List.of("hello-1"), remote.functions().stream().map(FunctionSpec::id).toList(), "over TLS");
        try (RemoteWorker plain = new GrpcWorkerConnector(time).connect(address)) {
            assertEquals(ErrorKind.UNREACHABLE, assertThrows(WorkerException.class, plain::functions).kind(),
                    "plaintext to a TLS port gets no answer");
        }
        dev.vireo.api.model.ValidationException half = assertThrows(dev.vireo.api.model.ValidationException.class,
                () -> new GrpcApi(new Components.Context().bundleContext(), worker, time, time,
                        Components.config(GrpcApi.Config.class, Map.of("bind", "127.0.0.1", "port", 0,
                                "tls_key_file", pem.key().toString()))));
        assertEquals("tls.cert.file", half.field());
        assertEquals("client.tls.ca.file", assertThrows(dev.vireo.api.model.ValidationException.class,
                () -> new GrpcWorkerConnector(time, "", dir.resolve("missing.pem").toString())).field());
    }

    @Test
    void closingUnregistersTheEndpointAndStopsServing() {
        api.close();
        api = null;
        assertTrue(context.registrations.get(0).unregistered().get());
        assertEquals(ErrorKind.UNREACHABLE, assertThrows(WorkerException.class, remote::functions).kind());
    }

    static StatusRuntimeException refused(Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
        assertEquals("INVALID_REQUEST", e.getTrailers().get(Messages.ERROR_KIND));
        return e;
    }

    /** Sends raw bytes as the request message of {@code method} (what a broken client may send). */
    byte[] callRaw(String method, byte[] request) {
        rawStub();
        io.grpc.MethodDescriptor.Marshaller<byte[]> bytes = new io.grpc.MethodDescriptor.Marshaller<>() {
            @Override
            public java.io.InputStream stream(byte[] value) {
                return new java.io.ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(java.io.InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        var descriptor = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder(bytes, bytes)
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY).setFullMethodName("vireo.worker.v1.Worker/" + method)
                .build();
        return io.grpc.stub.ClientCalls.blockingUnaryCall(raw, descriptor,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS), request);
    }

    @Test
    void malformedProtobufIsInvalidArgumentWithTheKindAndNoSevereLog() {
        java.util.List<java.util.logging.LogRecord> severe = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger grpc = java.util.logging.Logger.getLogger("io.grpc");
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    severe.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        grpc.addHandler(h);
        try {
            // a field 2 (payload) that says 100 bytes follow, then ends; and one whose bytes are not UTF-8
            StatusRuntimeException cut = refused(() -> callRaw("Invoke", new byte[] {0x12, 100, 'x'}));
            assertTrue(cut.getStatus().getDescription().startsWith("request: not a valid protobuf message for"
                    + " vireo.worker.v1.Worker/Invoke: "), cut.getStatus().getDescription());
            StatusRuntimeException utf8 = refused(() -> callRaw("Invoke", new byte[] {0x12, 3, '"', (byte) 0xff, '"'}));
            assertTrue(utf8.getStatus().getDescription().contains("UTF-8"), utf8.getStatus().getDescription());
            refused(() -> callRaw("Register", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}));
            assertEquals(List.of(), worker.calls);
            // the server still serves
            assertEquals("worker-1", rawStub().health(HealthRequest.getDefaultInstance()).getWorker());
        } finally {
            grpc.removeHandler(h);
        }
        assertEquals(List.of(), severe.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList());
    }

    @Test
    void aBadPayloadIsRefusedBeforeInvokingWithTheHttpApisMessage() {
        remote.register(HELLO);
        java.util.Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("NaN", "payload: not valid JSON: NaN and Infinity are not JSON numbers at line 1, column 1");
        cases.put("not json", "payload: not valid JSON: unexpected 'n', expected a value at line 1, column 1");
        cases.put("{\"a\":1,\"a\":2}", "payload: not valid JSON: duplicate key \"a\" at line 1, column 8");
        cases.put("\"\\ud800\"", "payload: not valid JSON: lone surrogate U+D800 (not valid Unicode) at line 1, column 8");
        cases.put("[".repeat(10_000) + "]".repeat(10_000), "payload: not valid JSON: nested deeper than 128 arrays and"
                + " objects at line 1, column 129");
        for (var c : cases.entrySet()) {
            var request = dev.vireo.grpc.v1.InvokeRequest.newBuilder().setFunctionId("hello-1").setPayload(c.getKey())
                    .build();
            assertEquals(c.getValue(), refused(() -> rawStub().invoke(request)).getStatus().getDescription());
            assertEquals(c.getValue(), refused(() -> rawStub().invokeAsync(request)).getStatus().getDescription());
        }
        assertEquals(1, worker.calls.size(), "only the registration: " + worker.calls);
    }

    @Test
    void aResultComesBackExactlyOrAsAUserError() throws Exception {
        remote.register(HELLO);
        String result = "{\"big\":1e400,\"n\":-0,\"long\":" + "7".repeat(5000) + ",\"s\":\"\\ud83d\\ude00\"}";
        worker.result = result;
        assertEquals(result, await(remote.invoke("t-1", "hello-1", "{}")).result());
        worker.result = "{\"x\":NaN}";
        var reply = rawStub().invoke(dev.vireo.grpc.v1.InvokeRequest.newBuilder().setFunctionId("hello-1")
                .setPayload("{}").build());
        assertEquals(false, reply.getSuccess());
        assertEquals("USER_ERROR", reply.getError().getKind());
        assertEquals("", reply.getResult());
    }

    @Test
    void anInvocationAskedForItsAnatomyGetsTheWorkersHopsBetweenTheServicesOwnTwo() {
        remote.register(HELLO);
        long before = System.nanoTime();
        var reply = rawStub().invoke(dev.vireo.grpc.v1.InvokeRequest.newBuilder().setFunctionId("hello-1")
                .setTid("anat-1").setPayload("{}").setEnhanced(true).setAnatomy(true).build());
        long after = System.nanoTime();
        var a = reply.getAnatomy();
        assertTrue(before <= a.getGrpcInNs() && a.getGrpcInNs() <= a.getGrpcOutNs() && a.getGrpcOutNs() <= after,
                a.toString());
        long base = a.getArrivalNs() - 1;
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L), List.of(a.getDequeuedNs() - base,
                a.getAcquiredNs() - base, a.getStartedNs() - base, a.getSentNs() - base, a.getWriteNs() - base,
                a.getAgentInNs() - base, a.getAgentOutNs() - base, a.getReadNs() - base, a.getDoneNs() - base,
                a.getRecordedNs() - base));
        assertTrue(a.getArrivalNs() >= a.getGrpcInNs(), "the worker's hops of this very call");
        assertFalse(rawStub().invoke(dev.vireo.grpc.v1.InvokeRequest.newBuilder().setFunctionId("hello-1")
                .setPayload("{}").build()).hasAnatomy(), "only when asked");
    }

    @Test
    void numbersAreCheckedAsOverHttpWithTheApisSpelling() {
        var spec = Messages.spec(HELLO).toBuilder().setMemoryMb(8).build();
        assertEquals("memory_mb: 8 is out of range [16, 65536] MB", refused(() -> rawStub().register(
                RegisterRequest.newBuilder().setSpec(spec).build())).getStatus().getDescription());
        remote.register(HELLO);
        assertEquals("count: -1 is out of range [1, 1000] containers", refused(() -> rawStub().prewarm(
                dev.vireo.grpc.v1.PrewarmRequest.newBuilder().setFunctionId("hello-1").setCount(-1).build()))
                .getStatus().getDescription());
    }
}
