package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.grpc.v1.InvokeReply;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The docker backend against a private dockerd the worker starts (root, docker.io from Debian; skipped otherwise):
 * the same images, agent, transports and failure handling as containerd, both backends serving at once, and the
 * GPU paths that can be tested without a GPU.
 */
class DockerIT {
    private LaunchedWorker w;

    private void start(Map<String, Map<String, String>> edits) throws Exception {
        assumeTrue("root".equals(ProcessHandle.current().info().user().orElse("")), "docker tests need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dockerd")) && Files.isExecutable(Path.of("/usr/bin/containerd")),
                "docker tests need docker.io and containerd (./vireo test installs them as root)");
        w = new LaunchedWorker(edits);
        String built = w.vireo("image", "build", "python3");
        assertTrue(built.startsWith("0:"), built);
        w.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (w != null) {
            w.stop();
        }
    }

    @Test
    void dockerAndContainerdServeTogetherWithTheSameImagesAgentAndFailures() throws Exception {
        start(Map.of("vireo.kernel.cfg", Map.of("backends", "containerd, docker")));
        String image = w.vireo("image", "build", "python3", "--tag", "vireo/hello:dk", "--code",
                LaunchedWorker.HOME.resolve("examples/hello").toString(), "--handler", "main.handle");
        assertTrue(image.startsWith("0:"), image);
        w.register(dev.vireo.grpc.v1.FunctionSpec.newBuilder().setName("img").setImage("vireo/hello:dk")
                .setBackend("docker").setTransport("uds").setMemoryMb(64).setCpus(0.05).setTimeoutMs(30_000));
        w.register(LaunchedWorker.example("dk", "hello", "docker", "pipe", 64, 30_000));
        w.register(LaunchedWorker.example("ct", "hello", "containerd", "uds", 64, 30_000));
        w.register(LaunchedWorker.example("net", "inspect", "docker", "http", 64, 30_000));
        // both backends at once: concurrent invocations on each
        List<CompletableFuture<InvokeReply>> all = new ArrayList<>();
        for (String id : List.of("img-1", "dk-1", "ct-1", "img-1", "dk-1", "ct-1")) {
            CompletableFuture<InvokeReply> f = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    f.complete(w.invoke(id, "{\"name\":\"" + id + "\"}"));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
            all.add(f);
        }
        for (CompletableFuture<InvokeReply> f : all) {
            InvokeReply r = f.get(120, TimeUnit.SECONDS);
            assertTrue(r.getSuccess(), r.toString());
            assertTrue(r.getResult().startsWith("{\"greeting\": \"hello, "), r.getResult());
        }
        var status = w.call().status(dev.vireo.grpc.v1.StatusRequest.getDefaultInstance());
        assertTrue(status.getBackendsMap().getOrDefault("docker", 0) >= 2, status.toString());
        assertTrue(status.getBackendsMap().getOrDefault("containerd", 0) >= 1, status.toString());
        String seen = w.invoke("net-1", "{}").getResult();
        assertTrue(seen.contains("\"uid\": 65534") && seen.contains("\"root_writable\": false")
                && seen.contains("eth0"), "http on docker: its own namespace with eth0: " + seen);

        w.register(LaunchedWorker.example("hog", "memory-hog", "docker", "uds", 64, 30_000));
        InvokeReply oom = w.invoke("hog-1", "{\"mb\":200}");
        assertEquals("OUT_OF_MEMORY", oom.getError().getKind(), oom.toString());
        assertEquals("hog-1 exceeded memory limit (64 MB)", oom.getError().getMessage());
        assertTrue(w.invoke("hog-1", "{\"mb\":8}").getSuccess());
        w.register(LaunchedWorker.example("crash", "crashes", "docker", "uds", 64, 30_000));
        assertEquals("CONTAINER_FAILED", w.invoke("crash-1", "{}").getError().getKind());
        w.register(LaunchedWorker.example("raise", "raises", "docker", "uds", 64, 30_000));
        assertEquals("USER_ERROR", w.invoke("raise-1", "{}").getError().getKind());
        assertTrue(w.invoke("dk-1", "{}").getSuccess(), "the worker and the other functions carry on");

        StatusRuntimeException gpu = assertThrows(StatusRuntimeException.class, () -> w.register(
                LaunchedWorker.example("g", "hello", "docker", "uds", 64, 30_000)
                        .setCompute("gpu")));
        assertTrue(gpu.getStatus().getDescription().contains("backend 'docker' cannot run gpu functions (docker, no GPUs"),
                gpu.getStatus().toString());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> w.register(
                LaunchedWorker.example("x", "hello", "podman", "uds", 64, 30_000)));
        assertTrue(unknown.getStatus().getDescription().contains("available: containerd, docker"),
                unknown.getStatus().toString());
    }

    /**
     * kill -9, then start: the private dockerd (live restore) is restarted with the dead worker's container still
     * running; the worker takes it back over its FIFO pairs and it serves warm; a container of a function no longer
     * registered is reclaimed.
     */
    @Test
    void aWorkerKilledWithSigkillTakesItsDockerContainerBackOverPipes() throws Exception {
        start(Map.of("vireo.kernel.cfg", Map.of("backends", "docker")));
        w.register(LaunchedWorker.example("dk", "hello", "docker", "pipe", 64, 30_000));
        w.register(LaunchedWorker.example("gone", "hello", "docker", "uds", 64, 30_000));
        assertEquals("cold", w.invoke("dk-1", "{}").getRecord().getState());
        assertEquals("cold", w.invoke("gone-1", "{}").getRecord().getState());
        String dk = docker("ps", "-q", "--no-trunc", "--filter", "label=vireo.function=dk-1").strip();
        String gone = docker("ps", "-q", "--no-trunc", "--filter", "label=vireo.function=gone-1").strip();
        assertFalse(dk.isEmpty() || gone.isEmpty(), dk + " / " + gone);
        long pid = w.pid();
        w.disconnect();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
        // gone-1 is no longer stored (as if unregistered by hand): its container is not taken back
        Files.delete(w.run.resolve("worker/state/functions/gone-1.properties"));
        w.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!docker("ps", "-q", "--filter", "label=vireo.function=gone-1").isBlank() && System.nanoTime() < deadline) {
            Thread.sleep(200); // reclaimed once the take-backs are done
        }
        assertTrue(docker("ps", "-aq", "--filter", "label=vireo.function=gone-1").isBlank(), "reclaimed");
        InvokeReply r = w.invoke("dk-1", "{\"name\":\"again\"}");
        assertTrue(r.getSuccess(), r.toString());
        assertEquals("warm", r.getRecord().getState(), "taken back: " + r);
        assertEquals(dk, docker("ps", "-q", "--no-trunc", "--filter", "label=vireo.function=dk-1").strip(),
                "the same container, still the only one");
    }

    /**
     * An image named with its registry is pulled when docker does not hold it: a private registry (Debian's
     * docker-registry on a free port), an image built here pushed to it by the private dockerd, removed from docker,
     * then registered by its registry reference and invoked.
     */
    @Test
    void anImageNamedWithItsRegistryIsPulledWhenDockerDoesNotHoldIt() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")) && Files.isExecutable(Path.of("/usr/bin/docker")),
                "needs docker-registry and the docker CLI (./vireo test installs them as root)");
        start(Map.of("vireo.kernel.cfg", Map.of("backends", "docker")));
        try (PrivateRegistry registry = new PrivateRegistry(w.run.resolve("registry"))) {
            int port = registry.port;
            long deadline;
            String built = w.vireo("image", "build", "python3", "--tag", "vireo/hello:pushed", "--code",
                    LaunchedWorker.HOME.resolve("examples/hello").toString(), "--handler", "main.handle");
            assertTrue(built.startsWith("0:"), built);
            // the backend loads the archive into its dockerd on first use: a first function brings it there
            w.register(dev.vireo.grpc.v1.FunctionSpec.newBuilder().setName("local").setImage("vireo/hello:pushed")
                    .setBackend("docker").setTransport("uds").setMemoryMb(64).setCpus(0.05).setTimeoutMs(30_000));
            assertTrue(w.invoke("local-1", "{}").getSuccess());
            w.call().unregister(dev.vireo.grpc.v1.UnregisterRequest.newBuilder().setFunctionId("local-1").build());
            String remote = "127.0.0.1:" + port + "/team/hello:1";
            assertTrue(docker("tag", "vireo/hello:pushed", remote).isBlank(), "tagged");
            String pushed = docker("push", remote);
            assertTrue(pushed.contains("digest: sha256:"), pushed);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String gone = "";
            while (System.nanoTime() < deadline) { // until its container is gone, the image is in use
                gone = docker("rmi", "-f", remote, "vireo/hello:pushed");
                if (!docker("images", "-q", "vireo/hello:pushed").isBlank() || !docker("images", "-q", remote).isBlank()) {
                    Thread.sleep(200);
                    continue;
                }
                break;
            }
            assertTrue(docker("images", "-q", remote).isBlank(), "docker holds it no more: " + gone);

            w.register(dev.vireo.grpc.v1.FunctionSpec.newBuilder().setName("pulled").setImage(remote)
                    .setBackend("docker").setTransport("uds").setMemoryMb(64).setCpus(0.05).setTimeoutMs(60_000));
            InvokeReply r = w.invoke("pulled-1", "{\"name\":\"registry\"}");
            assertTrue(r.getSuccess(), r.toString());
            assertEquals("{\"greeting\": \"hello, registry\"}", r.getResult());
            assertFalse(docker("images", "-q", remote).isBlank(), "pulled into docker");

            w.register(dev.vireo.grpc.v1.FunctionSpec.newBuilder().setName("missing").setImage("127.0.0.1:" + port
                    + "/team/nothing:1").setBackend("docker").setTransport("uds").setMemoryMb(64).setCpus(0.05));
            InvokeReply missing = w.invoke("missing-1", "{}");
            assertEquals("START_FAILED", missing.getError().getKind(), missing.toString());
            assertTrue(missing.getError().getMessage().contains("pulling 127.0.0.1:" + port + "/team/nothing:1 failed"),
                    missing.getError().getMessage());
        }
    }

    /** The docker CLI against the worker's private dockerd; its output (stdout and stderr). */
    private String docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/docker", "-H", "unix://" + w.run.resolve(
                "worker/docker/docker.sock")));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile(w.run, "docker-", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " took more than 120 s: "
                    + Files.readString(log));
        }
        return Files.readString(log);
    }

    @Test
    void aGpuFunctionWithoutTheNvidiaRuntimeFailsSayingSo() throws Exception {
        // a GPU declared (device 0) and offered by docker although this host has none: docker's own refusal comes back
        start(Map.of("vireo.kernel.cfg", Map.of("backends", "docker"), "vireo.backend.docker.cfg", Map.of("gpu", "on"),
                "vireo.resource.gpu.cfg", Map.of("devices", "0")));
        w.register(LaunchedWorker.example("g", "hello", "docker", "uds", 64, 30_000).setCompute("gpu"));
        InvokeReply r = w.invoke("g-1", "{}");
        assertEquals("START_FAILED", r.getError().getKind(), r.toString());
        assertTrue(r.getError().getMessage().contains("the NVIDIA container runtime is not installed for docker"),
                r.getError().getMessage());
        var gpu = w.call().status(dev.vireo.grpc.v1.StatusRequest.getDefaultInstance()).getResourcesList().stream()
                .filter(u -> u.getResource().equals("gpu")).findFirst().orElseThrow();
        assertEquals(0, gpu.getUsed(), 0.0, "the GPU was released on the failure path");
    }
}
