package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.ListRequest;
import dev.vireo.grpc.v1.PingRequest;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.ResultRequest;
import dev.vireo.grpc.v1.StatusRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker's gRPC API against a worker started with ./vireo start (the same as a remote client sees it). */
class GrpcIT {
    private static final Path HOME = Path.of(System.getProperty("vireo.home")).toAbsolutePath().normalize();
    private static Path run;
    private static ManagedChannel channel;
    private static WorkerGrpc.WorkerBlockingStub worker;

    private static int vireo(String... args) throws Exception {
        VireoScript.Result r = new VireoScript(run, java.util.Map.of("VIREO_CONFIGS_DIR", run.resolve("configs").toString()),
                java.time.Duration.ofSeconds(120)).run(args);
        if (r.code() != 0) {
            System.out.println(r.out());
        }
        return r.code();
    }

    @BeforeAll
    static void start() throws Exception {
        run = Files.createTempDirectory("vireo-grpc-it");
        Path configs = Files.createDirectories(run.resolve("configs"));
        ConfigFiles.copy(HOME.resolve("configs"), configs);
        int grpc = VireoOptions.freePort();
        assertEquals(0, vireo("start", "worker", "--http-port", Integer.toString(VireoOptions.freePort()), "--grpc-port",
                Integer.toString(grpc)));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
        worker = WorkerGrpc.newBlockingStub(channel);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                worker.withDeadlineAfter(2, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance());
                break;
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        vireo("stop", "worker");
    }

    private static FunctionSpec.Builder spec(String name) {
        return FunctionSpec.newBuilder().setName(name).setImage("sim/" + name).setTransport("sim").setCpus(0.01)
                .setExpectedColdStartMs(5).setExpectedWarmMs(1);
    }

    private static Status.Code code(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    @Test
    void registerInvokeAndReadTheRecord() {
        FunctionSpec registered = worker.register(RegisterRequest.newBuilder().setSpec(spec("hello")).build());
        assertEquals("hello-1", registered.getId());
        assertEquals("sim", registered.getBackend());
        InvokeReply cold = worker.invoke(InvokeRequest.newBuilder().setFunctionId("hello-1").setPayload("{\"a\":1}")
                .setEnhanced(true).setTid("grpc-1").build());
        assertTrue(cold.getSuccess());
        assertEquals("{\"echo\":{\"a\":1}}", cold.getResult());
        assertEquals("cold", cold.getRecord().getState());
        assertEquals("grpc-1", cold.getTid());
        InvokeReply warm = worker.invoke(InvokeRequest.newBuilder().setFunctionId("hello-1").setEnhanced(true).build());
        assertEquals("warm", warm.getRecord().getState());
        assertEquals(warm.getRecord().getTimings().getE2EUs() - 1_000, warm.getRecord().getTimings().getOverheadUs());
        InvokeReply raised = worker.invoke(InvokeRequest.newBuilder().setFunctionId("hello-1")
                .setPayload("{\"sim_fail\":\"bad\"}").build());
        assertEquals("USER_ERROR", raised.getError().getKind());
        String id = worker.invokeAsync(InvokeRequest.newBuilder().setFunctionId("hello-1").build()).getId();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!worker.result(ResultRequest.newBuilder().setId(id).build()).getDone()) {
            assertTrue(System.nanoTime() < deadline);
        }
        assertEquals(2, worker.prewarm(PrewarmRequest.newBuilder().setFunctionId("hello-1").setCount(2).build()).getStarted());
        assertEquals(3, worker.status(StatusRequest.getDefaultInstance()).getContainersCached());
        assertTrue(worker.list(ListRequest.getDefaultInstance()).getFunctionsList().stream()
                .anyMatch(f -> f.getId().equals("hello-1")));
    }

    @Test
    void rejectionsMapToStatusCodesWithMessages() {
        worker.register(RegisterRequest.newBuilder().setSpec(spec("dup")).build());
        assertEquals(Status.Code.ALREADY_EXISTS, code(() -> worker.register(RegisterRequest.newBuilder().setSpec(spec("dup")).build())));
        assertEquals(Status.Code.NOT_FOUND, code(() -> worker.invoke(InvokeRequest.newBuilder().setFunctionId("none-1").build())));
        var bad = assertThrows(StatusRuntimeException.class,
                () -> worker.register(RegisterRequest.newBuilder().setSpec(spec("Bad Name")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertTrue(bad.getStatus().getDescription().startsWith("name: 'Bad Name' is invalid"));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> worker.register(RegisterRequest.newBuilder()
                .setSpec(spec("gpu").setCompute("tpu")).build())));
        // proto3 cannot tell an unset count from 0: both mean the default (1), as a prewarm without a count over HTTP
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> worker.prewarm(PrewarmRequest.newBuilder()
                .setFunctionId("dup-1").setCount(-1).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> worker.prewarm(PrewarmRequest.newBuilder()
                .setFunctionId("dup-1").setCount(1001).build())));
        assertEquals(Status.Code.NOT_FOUND, code(() -> worker.result(ResultRequest.newBuilder().setId("nope").build())));
    }
}
