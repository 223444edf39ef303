package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.PingRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A worker started with ./vireo in a private run folder (its own copy of configs/ with free ports and the edits a
 * test asks for), reached over gRPC; stop() checks that no process of the run outlives it. For the tests of real
 * container backends.
 */
final class LaunchedWorker {
    static final Path HOME = Path.of(System.getProperty("vireo.home")).toAbsolutePath().normalize();
    final Path run;
    private final int grpcPort;
    private final VireoScript script;
    private ManagedChannel channel;
    private WorkerGrpc.WorkerBlockingStub worker;

    /** Skips the calling test, saying why, unless this is root with containerd and runc installed. */
    static void assumeContainerd(String what) {
        assumeTrue("root".equals(ProcessHandle.current().info().user().orElse("")), what + " need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/containerd")) && Files.isExecutable(Path.of("/usr/sbin/runc")),
                what + " need containerd and runc (apt-get install containerd runc; ./vireo test does it as root)");
    }

    /** edits: config file name -> {key -> value}. */
    LaunchedWorker(Map<String, Map<String, String>> edits) throws IOException {
        run = Files.createTempDirectory("vireo-w-");
        Path configs = Files.createDirectories(run.resolve("configs"));
        ConfigFiles.copy(HOME.resolve("configs"), configs);
        grpcPort = VireoOptions.freePort();
        script = new VireoScript(run, Map.of("VIREO_CONFIGS_DIR", configs.toString()), java.time.Duration.ofSeconds(120));
        for (var e : edits.entrySet()) {
            ConfigFiles.edit(configs.resolve(e.getKey()), e.getValue());
        }
    }

    String vireo(String... args) throws Exception {
        VireoScript.Result r = script.run(args);
        return r.code() + ":" + r.out();
    }

    void start() throws Exception {
        String out = vireo("start", "worker", "--http-port", Integer.toString(VireoOptions.freePort()), "--grpc-port",
                Integer.toString(grpcPort));
        assertTrue(out.startsWith("0:"), out);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        worker = WorkerGrpc.newBlockingStub(channel);
        call().ping(PingRequest.getDefaultInstance());
    }

    /** The worker's gRPC address, as {@code --target} takes it. */
    String target() {
        return "127.0.0.1:" + grpcPort;
    }

    /** The stub with a fresh deadline for one call. */
    WorkerGrpc.WorkerBlockingStub call() {
        return worker.withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    void register(FunctionSpec.Builder spec) {
        call().register(RegisterRequest.newBuilder().setSpec(spec).build());
    }

    /** A sample function of examples/ on a backend and transport. */
    static FunctionSpec.Builder example(String name, String example, String backend, String transport, int memoryMb,
            long timeoutMs) {
        return FunctionSpec.newBuilder().setName(name).setCode(HOME.resolve("examples").resolve(example).toString())
                .setHandler("main.handle").setBackend(backend).setTransport(transport).setMemoryMb(memoryMb)
                .setCpus(0.05).setTimeoutMs(timeoutMs);
    }

    InvokeReply invoke(String id, String payload) {
        return call().invoke(InvokeRequest.newBuilder().setFunctionId(id).setPayload(payload).setEnhanced(true).build());
    }

    long pid() throws IOException {
        return Long.parseLong(Files.readString(run.resolve("worker/vireo.pid")).trim());
    }

    void disconnect() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    void stop() throws Exception {
        disconnect();
        vireo("stop", "worker");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (leftovers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, leftovers(), "processes of this run (daemons, shims, agents) outlived the stop");
    }

    private long leftovers() {
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(run.toString()))
                .count();
    }
}
