package dev.vireo.backend.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.spi.backend.BackendException;
import dev.vireo.api.spi.backend.BackendStatus;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.testkit.TestTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle {@link DaemonBackend} gives every daemon backend, against an in-memory daemon. */
class DaemonBackendTest {
    private static final PrivateDaemon.Recipe NO_PRIVATE_DAEMON = new PrivateDaemon.Recipe("faked", "/nonexistent/faked",
            "fake", "fake.sock", "fake.pid", false, "faked.log", Duration.ofSeconds(1), (dir, socket, pid) -> List.of());

    private final TestTime time = new TestTime();
    private final List<FakeBackend> backends = new ArrayList<>();
    @TempDir
    Path run;

    /** What the fake daemon holds and was asked. Safe from any thread. */
    static final class FakeDaemon {
        final Map<String, Map<String, String>> containers = new ConcurrentHashMap<>();
        final List<String> created = Collections.synchronizedList(new ArrayList<>());
        final List<String> removals = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger probes = new AtomicInteger();
        volatile int silentProbes;
        volatile String failStartOf = "";
        volatile String failPrepareOf = "";

        /** Containers that do not run any more (their task stopped). */
        final java.util.Set<String> stopped = ConcurrentHashMap.newKeySet();

        void leave(String id, String instance) {
            containers.put(id, Map.of(DaemonBackend.INSTANCE_LABEL, instance));
        }

        void leave(String id, String instance, String function) {
            containers.put(id, Map.of(DaemonBackend.INSTANCE_LABEL, instance, DaemonBackend.FUNCTION_LABEL, function));
        }
    }

    /** A backend whose hooks drive a {@link FakeDaemon}. */
    static final class FakeBackend extends DaemonBackend {
        private final FakeDaemon daemon;
        private FakeDaemon client;
        final AtomicInteger connects = new AtomicInteger();
        final AtomicInteger disconnects = new AtomicInteger();

        FakeBackend(Settings settings, Map<String, String> launcher, TestTime time, FakeDaemon daemon) {
            super(settings, launcher::get, time, time);
            this.daemon = daemon;
            activated();
        }

        @Override
        protected void connect(String socket) {
            connects.incrementAndGet();
            client = daemon;
        }

        @Override
        protected String probe() throws NotAnswering {
            if (client.probes.incrementAndGet() <= client.silentProbes) {
                throw new NotAnswering("connection refused", null);
            }
            return "faked 1.0";
        }

        @Override
        protected void disconnect() {
            disconnects.incrementAndGet();
        }

        @Override
        protected String describe() {
            return "fake daemon";
        }

        @Override
        protected void preflight(ContainerRequest request) {
            if (request.function().compute() == Compute.GPU) {
                throw new BackendException("no GPU on this fake host");
            }
        }

        @Override
        protected Map<String, String> createContainer(ContainerRequest request, Map<String, String> labels)
                throws IOException {
            String id = request.id();
            client.containers.put(id, labels);
            client.created.add(id);
            created(id);
            if (client.failPrepareOf.equals(id)) {
                throw new IOException("no space left on device");
            }
            if (client.failStartOf.equals(id)) {
                throw new BackendException("faked could not start " + id + ": exec format error");
            }
            return Map.of("fake.id", "full-" + id);
        }

        @Override
        protected void removeContainer(String id, String tid) {
            client.removals.add(id + " " + tid);
            client.containers.remove(id); // a container that is gone is removed
        }

        @Override
        protected List<String> containers(String instance) {
            return client.containers.entrySet().stream()
                    .filter(e -> instance == null || instance.equals(e.getValue().get(INSTANCE_LABEL)))
                    .map(Map.Entry::getKey).sorted().toList();
        }

        @Override
        protected Map<String, String> running(String id) {
            Map<String, String> labels = client.containers.get(id);
            return labels == null || client.stopped.contains(id) ? null : labels;
        }

        @Override
        protected Path cgroup(ContainerHandle container) {
            return Path.of("vireo-test-nonexistent", container.id());
        }
    }

    private FakeBackend backend(String socket, PrivateDaemon.Recipe recipe, FakeDaemon daemon) {
        DaemonBackend.Settings settings = new DaemonBackend.Settings("fake", socket, recipe, "65534:65534", 4, "hard", "",
                Duration.ofMillis(300), Duration.ofMillis(5), "disk");
        FakeBackend b = new FakeBackend(settings, Map.of("vireo.run.dir", run.toString()), time, daemon);
        backends.add(b);
        return b;
    }

    private FakeBackend backend(FakeDaemon daemon) {
        return backend("/run/fake.sock", NO_PRIVATE_DAEMON, daemon);
    }

    @AfterEach
    void close() {
        backends.forEach(DaemonBackend::close);
        time.close();
    }

    private static ContainerRequest request(String id, Compute compute, Map<String, String> mounts) {
        FunctionSpec fn = new FunctionSpec("hello", "1", "vireo/hello:1", "", "", "fake", compute, "uds", 64, 0.5,
                Duration.ofSeconds(30), 1, null);
        TransportBinding binding = new TransportBinding(new AgentEndpoint("uds", "/run/" + id + "/agent.sock", Map.of()),
                mounts, Map.of(), "");
        return new ContainerRequest(id, "t-" + id, fn, "w1", binding, Map.of("vireo.kind", "cold"), Map.of());
    }

    private static ContainerRequest request(String id) {
        return request(id, Compute.CPU, Map.of());
    }

    /** The creation's failure, as the worker sees it. */
    private static Throwable failure(DaemonBackend backend, ContainerRequest request) throws InterruptedException {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> backend.create(request).toCompletableFuture().get(10, TimeUnit.SECONDS));
        return e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    }

    private static ContainerHandle create(DaemonBackend backend, ContainerRequest request) throws Exception {
        return backend.create(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCreatedContainerIsLabelledAndCounted() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        FakeBackend backend = backend(daemon);
        ContainerHandle h = create(backend, request("c-1"));
        assertEquals("c-1", h.id());
        assertEquals("hello-1", h.functionId());
        assertEquals("fake", h.backend());
        assertEquals(64, h.memoryMb());
        assertEquals(Map.of(DaemonBackend.INSTANCE_LABEL, "w1", DaemonBackend.FUNCTION_LABEL, "hello-1", "vireo.kind", "cold",
                "fake.id", "full-c-1"), h.labels());
        assertEquals(Map.of(DaemonBackend.INSTANCE_LABEL, "w1", DaemonBackend.FUNCTION_LABEL, "hello-1", "vireo.kind", "cold"),
                daemon.containers.get("c-1"), "the daemon's labels: the daemon's own id comes after");
        BackendStatus status = backend.status();
        assertTrue(status.available(), status.toString());
        assertEquals("fake daemon", status.reason());
        assertEquals(1, status.containers());
        assertEquals(1, backend.connects.get(), "connected once, on first use");
        assertFalse(backend.privateDaemon());
        assertEquals(Path.of("vireo-test-nonexistent", "c-1"), backend.cgroup(h));
        assertEquals(dev.vireo.api.spi.backend.ContainerUsage.UNKNOWN, backend.usage(h), "no such cgroup");
        assertTrue(backend.failure(h).isEmpty());
    }

    @Test
    void aFailedPreflightFailsTheCreationAndMakesNothing() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        FakeBackend backend = backend(daemon);
        Throwable e = failure(backend, request("g-1", Compute.GPU, Map.of()));
        assertInstanceOf(BackendException.class, e);
        assertEquals("no GPU on this fake host", e.getMessage());
        assertEquals(List.of(), daemon.created, "no creation was started");
        assertEquals(List.of(), daemon.removals);
        assertEquals(0, backend.status().containers());
    }

    /** The creation of {@code id} fails with {@code message} after the daemon made it, and nothing is left of it. */
    private static void assertFailsLeavingNothing(FakeBackend backend, FakeDaemon daemon, String id, String message)
            throws InterruptedException {
        Throwable e = failure(backend, request(id));
        assertInstanceOf(BackendException.class, e);
        assertEquals(message, e.getMessage());
        assertEquals(List.of(id), daemon.created, "it was created, then failed");
        assertEquals(Map.of(), daemon.containers, "and was removed");
        assertEquals(List.of(id + " t-" + id), daemon.removals, "under the creation's transaction");
        assertEquals(0, backend.status().containers());
    }

    @Test
    void aCreationThatFailsHalfWayLeavesNothingBehind() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        daemon.failStartOf = "c-2";
        FakeBackend backend = backend(daemon);
        assertFailsLeavingNothing(backend, daemon, "c-2", "faked could not start c-2: exec format error");
        assertEquals("c-3", create(backend, request("c-3")).id(), "the backend carries on");
    }

    @Test
    void anIoErrorHalfWayIsCannotPrepareAndLeavesNothingBehind() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        daemon.failPrepareOf = "c-4";
        assertFailsLeavingNothing(backend(daemon), daemon, "c-4", "cannot prepare c-4: no space left on device");
    }

    @Test
    void aDaemonThatDoesNotAnswerMakesTheBackendUnavailableSayingWhy() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        daemon.silentProbes = Integer.MAX_VALUE;
        FakeBackend backend = backend(daemon);
        BackendStatus status = backend.status();
        assertFalse(status.available());
        assertEquals("faked at /run/fake.sock does not answer: connection refused", status.reason());
        assertTrue(daemon.probes.get() > 1, "asked again until the readiness time was up: " + daemon.probes.get());
        Throwable e = failure(backend, request("c-5"));
        assertEquals("fake is unavailable: faked at /run/fake.sock does not answer: connection refused", e.getMessage());
        assertEquals(List.of(), daemon.created);
        assertEquals(0, backend.reclaim("w1"));
        assertEquals(1, backend.connects.get(), "not connected again");
    }

    @Test
    void aDaemonThatAnswersLateIsWaitedFor() {
        FakeDaemon daemon = new FakeDaemon();
        daemon.silentProbes = 3;
        BackendStatus status = backend(daemon).status();
        assertTrue(status.available(), status.toString());
        assertEquals(4, daemon.probes.get());
    }

    @Test
    void destroyingAContainerThatIsAlreadyGoneCompletes() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        FakeBackend backend = backend(daemon);
        ContainerHandle h = create(backend, request("c-6"));
        daemon.containers.remove("c-6"); // it died and its daemon dropped it
        backend.destroy(h, "t-destroy").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(0, backend.status().containers());
        backend.destroy(h, "t-again").toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("c-6 t-destroy", "c-6 t-again"), daemon.removals, "idempotent");
    }

    @Test
    void reclaimRemovesTheInstancesLeftoversOnly() {
        FakeDaemon daemon = new FakeDaemon();
        daemon.leave("w1-a", "w1");
        daemon.leave("w1-b", "w1");
        daemon.leave("w2-a", "w2");
        FakeBackend backend = backend(daemon);
        assertEquals(2, backend.reclaim("w1"));
        assertEquals(List.of("w2-a"), List.copyOf(daemon.containers.keySet()));
        assertEquals(List.of("w1-a reclaim-w1", "w1-b reclaim-w1"), daemon.removals);
        assertEquals(0, backend.reclaim("w1"));
    }

    @Test
    void reclaimStartsNoPrivateDaemonThatNeverRan() {
        FakeDaemon daemon = new FakeDaemon();
        daemon.leave("w1-a", "w1");
        FakeBackend backend = backend("", NO_PRIVATE_DAEMON, daemon);
        assertEquals(0, backend.reclaim("w1"));
        assertEquals(0, backend.connects.get(), "nothing was started or connected");
        backend.close();
        assertEquals(0, backend.disconnects.get(), "closing a backend never connected does nothing");
    }

    @Test
    void withoutRootOrBinaryAPrivateDaemonIsUnavailableSayingWhatToDo() {
        BackendStatus status = backend("", NO_PRIVATE_DAEMON, new FakeDaemon()).status();
        assertFalse(status.available());
        assertTrue(status.reason().equals("/nonexistent/faked not found: apt-get install fake")
                || status.reason().contains("set socket in vireo.backend.fake or run the worker as root"), status.reason());
    }

    @Test
    void closeRemovesWhatIsStillHeldAndDisconnects() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        FakeBackend backend = backend(daemon);
        ContainerHandle a = create(backend, request("c-7"));
        create(backend, request("c-8"));
        backend.destroy(a, "t-d").toCompletableFuture().get(10, TimeUnit.SECONDS);
        backend.close();
        assertEquals(Map.of(), daemon.containers);
        assertTrue(daemon.removals.contains("c-8 shutdown"), daemon.removals.toString());
        assertEquals(1, backend.disconnects.get());
    }

    @Test
    void theTransportsDirectoriesAreHandedToTheContainersUser() throws Exception {
        assumeTrue("root".equals(ProcessHandle.current().info().user().orElse("")), "chown needs root");
        Path dir = Files.createDirectory(run.resolve("c-9"));
        create(backend(new FakeDaemon()), request("c-9", Compute.CPU, Map.of(dir.toString(), "/run/vireo")));
        assertEquals(65534, Files.getAttribute(dir, "unix:uid"));
        assertEquals(65534, Files.getAttribute(dir, "unix:gid"));
    }

    @Test
    void rootAsTheContainersUserIsRefused() {
        DaemonBackend.Settings settings = new DaemonBackend.Settings("fake", "/run/fake.sock", NO_PRIVATE_DAEMON, "0:0", 4,
                "hard", "", Duration.ofMillis(300), Duration.ofMillis(5), "disk");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FakeBackend(settings, Map.of(), time, new FakeDaemon()));
        assertEquals("user must not be root (uid 0)", e.getMessage());
    }

    /**
     * The instance's running leftovers are listed with their labels; one taken back is this run's from then on
     * (counted, removed at close) and never reclaimed; what was not taken back is.
     */
    @Test
    void survivorsAreListedTakenBackAndTheRestReclaimed() throws Exception {
        FakeDaemon daemon = new FakeDaemon();
        daemon.leave("c-7", "w1", "hello-1");
        daemon.leave("c-8", "w1", "hello-1");
        daemon.leave("c-9", "w1", "hello-1");
        daemon.leave("x-1", "w2", "hello-1");
        daemon.stopped.add("c-9");
        FakeBackend backend = backend(daemon);
        assertEquals(List.of(new dev.vireo.api.spi.backend.RunningContainer("c-7", daemon.containers.get("c-7")),
                new dev.vireo.api.spi.backend.RunningContainer("c-8", daemon.containers.get("c-8"))),
                backend.survivors("w1"), "running ones of w1 only");
        ContainerHandle h = backend.adopt(request("c-7")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals("c-7", h.id());
        assertEquals("hello-1", h.functionId());
        assertEquals("/run/c-7/agent.sock", h.endpoint().address(), "the binding's endpoint");
        assertEquals(daemon.containers.get("c-7"), h.labels());
        assertEquals(1, backend.status().containers());
        ExecutionException stopped = assertThrows(ExecutionException.class,
                () -> backend.adopt(request("c-9")).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals("fake container c-9 does not run", stopped.getCause().getMessage());
        daemon.leave("c-10", "w1", "other-1");
        ExecutionException other = assertThrows(ExecutionException.class,
                () -> backend.adopt(request("c-10")).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals("fake container c-10 is not w1's for hello-1", other.getCause().getMessage());
        assertEquals(List.of(), daemon.removals, "a refused one is left for the reclaim");
        assertEquals(List.of("c-8"), backend.survivors("w1").stream().map(r -> r.id()).filter(id -> !id.equals("c-10"))
                .toList(), "one taken back is no survivor any more");

        assertEquals(3, backend.reclaim("w1"));
        assertEquals(List.of("c-10 reclaim-w1", "c-8 reclaim-w1", "c-9 reclaim-w1"), daemon.removals.stream().sorted()
                .toList(), "all but the one taken back");
        backend.close();
        assertTrue(daemon.removals.contains("c-7 shutdown"), "taken back: removed at close as one of this run's");
    }

    /**
     * A private daemon whose pid file outlived its worker: at activation, the backend starts a new one; what its
     * worker takes back stays, everything else in it is removed at the worker's reclaim, whatever its instance. The
     * "daemon" is sleep (root only, as private daemons are).
     */
    @Test
    void whatACrashedPrivateDaemonLeftIsTakenBackOrReclaimed() throws Exception {
        assumeTrue("root".equals(ProcessHandle.current().info().user().orElse("")), "private daemons need root");
        assumeTrue(Files.isExecutable(Path.of("/bin/sleep")));
        PrivateDaemon.Recipe sleep = new PrivateDaemon.Recipe("sleep", "/bin/sleep", "coreutils", "fake.sock", "fake.pid",
                false, "sleep.log", Duration.ofSeconds(5), (dir, socket, pid) -> {
                    Files.writeString(dir.resolve("written-by-the-recipe"), socket.toString());
                    return List.of("/bin/sleep", "60");
                });
        Path dir = Files.createDirectories(run.resolve("fake"));
        Files.writeString(dir.resolve("fake.pid"), "not a pid"); // left by the crashed worker's daemon
        FakeDaemon daemon = new FakeDaemon();
        daemon.leave("w1-a", "w1");
        daemon.leave("w0-b", "w0");
        daemon.leave("c-1", "w1", "hello-1");
        FakeBackend backend = backend("", sleep, daemon);
        assertEquals(List.of("c-1", "w1-a"), backend.survivors("w1").stream().map(r -> r.id()).sorted().toList(),
                "the new daemon is started to list them");
        backend.adopt(request("c-1")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(2, backend.reclaim("w1"));
        assertEquals(Map.of("c-1", daemon.containers.get("c-1")), daemon.containers,
                "everything of the crashed run is removed, whatever its instance, but what was taken back");
        assertEquals(List.of("w0-b reclaim", "w1-a reclaim"), daemon.removals);
        assertEquals(0, backend.reclaim("w1"));
        assertTrue(backend.status().available());
        assertTrue(backend.privateDaemon());
        daemon.leave("w1-late", "w1"); // e.g. a removal that failed: the close empties the private daemon anyway
        assertEquals(dir.resolve("fake.sock").toString(), Files.readString(dir.resolve("written-by-the-recipe")));
        long pid = Long.parseLong(Files.readString(dir.resolve("fake.pid")).trim());
        ProcessHandle sleeper = ProcessHandle.of(pid).orElseThrow();
        assertTrue(sleeper.info().command().orElse("").endsWith("sleep"));
        backend.close();
        assertTrue(daemon.removals.contains("w1-late shutdown") && daemon.removals.contains("c-1 shutdown"),
                daemon.removals.toString());
        assertFalse(backend.status().available(), "closed");
        assertFalse(sleeper.isAlive(), "close stops the private daemon");
        assertFalse(Files.exists(dir.resolve("fake.pid")), "and removes its pid file: the next start is no crash");
    }
}
