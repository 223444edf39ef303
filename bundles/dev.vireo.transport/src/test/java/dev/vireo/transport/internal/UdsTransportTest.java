package dev.vireo.transport.internal;

import dev.vireo.testkit.Components;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Output;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Clock;
import dev.vireo.testkit.TestTime;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The uds transport against a real Unix socket served by a fake agent speaking agent/python/vireo_agent.py's protocol. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UdsTransportTest {
    @TempDir
    Path tmp;
    Path sockets;
    TestTime time;
    FakeUdsAgent agent;

    @BeforeEach
    void setUp() {
        sockets = tmp.resolve("s");
        time = new TestTime();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        time.close();
    }

    UdsTransport transport(long connectTimeoutMs, int maxFrameBytes) throws IOException {
        return transport(time, connectTimeoutMs, maxFrameBytes);
    }

    UdsTransport transport(Clock clock, long connectTimeoutMs, int maxFrameBytes) throws IOException {
        return new UdsTransport(Components.properties(Map.of()), clock, time, Components.config(UdsTransport.Config.class,
                Map.of("socket_dir", sockets.toString(), "connect_timeout_ms", connectTimeoutMs,
                        "max_frame_bytes", maxFrameBytes)));
    }

    static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, SECONDS);
    }

    /** The failure of a stage that must fail. */
    static Throwable failure(java.util.concurrent.CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(stage));
        return e.getCause();
    }

    @Test
    void bindMakesAPrivateDirectoryMountedAtRunVireoWithTheSocketPath() throws IOException {
        UdsTransport uds = transport(1_000, 1024);
        TransportBinding b = uds.bind("w1-hello-1", "t-1");

        Path dir = sockets.resolve("w1-hello-1");
        assertEquals(new AgentEndpoint("uds", dir.resolve("agent.sock").toString(), Map.of()), b.endpoint());
        assertEquals(Map.of(dir.toString(), "/run/vireo"), b.mounts());
        assertEquals(Map.of("VIREO_AGENT_SOCKET", "/run/vireo/agent.sock"), b.environment());
        assertEquals("", b.network());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sockets)));

        uds.unbind(b);
        assertFalse(Files.exists(dir));
        uds.unbind(b); // idempotent
        assertTrue(Files.isDirectory(sockets), "the base directory stays");
    }

    /** A socket dir of 45 bytes holds the worker's longest container ids (50), one byte more does not. */
    @Test
    void theLongestContainerIdFitsUnderASocketDirOf45Bytes() throws IOException {
        String longestId = "w".repeat(10) + "-" + "f".repeat(16) + "-0123abcd-" + "1y2p0ij32e8e7";
        assertEquals(UdsTransport.MAX_CONTAINER_ID, longestId.length());
        int pad = 45 - tmp.toString().length() - 1;
        org.junit.jupiter.api.Assumptions.assumeTrue(pad > 1, "the temporary folder " + tmp + " is too long");
        sockets = tmp.resolve("s".repeat(pad));
        assertEquals(UdsTransport.MAX_CONTAINER_ID, UdsTransport.idRoom(sockets));
        TransportBinding b = transport(1_000, 1024).bind(longestId, "t-1");
        assertEquals(107, b.endpoint().address().length());
        sockets = tmp.resolve("s".repeat(pad + 1));
        UdsTransport tooLong = transport(1_000, 1024);
        IOException e = assertThrows(IOException.class, () -> tooLong.bind(longestId, "t-2"));
        assertTrue(e.getMessage().endsWith("is longer than 107 bytes; set a shorter socket.dir"), e.getMessage());
    }

    @Test
    void unbindLeavesDirectoriesOutsideItsBaseAlone() throws IOException {
        UdsTransport uds = transport(1_000, 1024);
        Path elsewhere = Files.createDirectories(tmp.resolve("not-ours"));
        uds.unbind(new TransportBinding(new AgentEndpoint("uds", "x", Map.of()), Map.of(elsewhere.toString(), "/run/vireo"),
                Map.of(), ""));
        assertTrue(Files.isDirectory(elsewhere));
    }

    @Test
    void aSocketPathOverTheKernelLimitIsRefusedAtBind() throws IOException {
        UdsTransport uds = transport(1_000, 1024);
        IOException e = assertThrows(IOException.class, () -> uds.bind("c".repeat(120), "t-1"));
        assertTrue(e.getMessage().contains("longer than 107 bytes"), e.getMessage());
        assertFalse(Files.exists(sockets.resolve("c".repeat(120))));
    }

    /**
     * After a restart (a new transport on the same socket.dir) a container whose agent's socket is still there is
     * bound as before and reached again; one whose socket or folder is gone, or an id naming another folder, is not.
     */
    @Test
    void aContainerThatOutlivedTheWorkerIsReboundAndReachedAgain() throws Exception {
        TransportBinding before = transport(5_000, 1024 * 1024).bind("c1", "t-0");
        UdsTransport uds = transport(5_000, 1024 * 1024); // the next run
        assertEquals(java.util.Optional.empty(), uds.rebind("c1", "t-1", null), "no socket: its agent never listened");
        agent = FakeUdsAgent.start(Path.of(before.endpoint().address()), new AgentScript.Python(true));
        assertEquals(java.util.Optional.of(before), uds.rebind("c1", "t-1", null));
        try (AgentChannel ch = uds.open(uds.rebind("c1", "t-1", null).orElseThrow().endpoint(), "t-1")) {
            assertEquals("{\"echo\":[]}", await(ch.invoke("t-2", "[]", Duration.ofSeconds(5))).result());
        }
        Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createFile(tmp.resolve("elsewhere/agent.sock"));
        assertEquals(java.util.Optional.empty(), uds.rebind("../elsewhere", "t-3", null), "never outside socket.dir");
        assertEquals(java.util.Optional.empty(), uds.rebind("c2", "t-3", null), "no folder");
        uds.unbind(before);
        assertEquals(java.util.Optional.empty(), uds.rebind("c1", "t-3", null));
    }

    /**
     * After a restart, reclaim removes the folders the crashed run made for containers not taken back, and only those
     * (never one this run made or took back, never another instance's in a shared socket.dir).
     */
    @Test
    void reclaimRemovesTheFoldersOfContainersNotTakenBack() throws Exception {
        java.util.function.Function<String, UdsTransport> run = runDir -> {
            try {
                return new UdsTransport(Components.properties(Map.of("vireo.run.dir", tmp.resolve(runDir).toString())),
                        time, time, Components.config(UdsTransport.Config.class, Map.of("socket_dir",
                                sockets.toString(), "connect_timeout_ms", 1_000L, "max_frame_bytes", 1024)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        UdsTransport crashed = run.apply("w1");
        for (String id : java.util.List.of("a", "b")) {
            crashed.bind(id, "t-0");
            Files.createFile(sockets.resolve(id).resolve("agent.sock"));
        }
        run.apply("w2").bind("other", "t-0"); // another instance sharing socket.dir
        UdsTransport next = run.apply("w1");
        assertTrue(next.rebind("a", "t-1", null).isPresent());
        next.bind("c", "t-1");
        next.reclaim();
        assertTrue(Files.isDirectory(sockets.resolve("a")), "taken back");
        assertFalse(Files.exists(sockets.resolve("b")), "not taken back: removed");
        assertTrue(Files.isDirectory(sockets.resolve("c")), "this run's");
        assertTrue(Files.isDirectory(sockets.resolve("other")), "another instance's");
        next.reclaim(); // nothing more
        assertTrue(Files.isDirectory(sockets.resolve("a")));
    }

    @Test
    void openWaitsForReadyThenInvocationsGoAndComeBackOnTheSameConnection() throws Exception {
        UdsTransport uds = transport(5_000, 1024 * 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        AgentScript.Python script = new AgentScript.Python(true);
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), script);

        try (AgentChannel ch = uds.open(b.endpoint(), "t-0")) {
            assertTrue(ch.isOpen());
            AgentReply first = await(ch.invoke("t-1", "{\"x\":1,\"s\":\"Zoë\"}", Duration.ofSeconds(5)));
            assertEquals(new AgentReply(1_700_000_000_000_000L, 1_700_000_000_000_250L, 250, true, true,
                    "{\"echo\":{\"x\":1,\"s\":\"Zoë\"}}", "", "", ""), first.withStamps(AgentReply.Stamps.NONE));
            assertTrue(first.stamps().writeNs() > 0 && first.stamps().writeNs() <= first.stamps().readNs(),
                    "the transport stamps the exchange: " + first.stamps());
            AgentReply second = await(ch.invoke("t-2", "[]", Duration.ofSeconds(5)));
            assertFalse(second.cold(), "only the agent's first invocation is cold");
            assertEquals("{\"echo\":[]}", second.result());
        }
        JsonObject sent = script.received.poll(5, SECONDS);
        assertEquals("{\"type\":\"invoke\",\"tid\":\"t-1\",\"payload\":\"{\\\"x\\\":1,\\\"s\\\":\\\"Zoë\\\"}\"}", sent.toString());
        assertEquals("t-2", script.received.poll(5, SECONDS).get("tid").getAsString());
        assertNull(script.received.poll(), "nothing but the two invocations");
    }

    @Test
    void aFunctionErrorIsAReplyNotAFailure() throws Exception {
        UdsTransport uds = transport(5_000, 1024 * 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), new AgentScript.Python(true));

        try (AgentChannel ch = uds.open(b.endpoint(), "t-0")) {
            AgentReply r = await(ch.invoke("t-1", "{\"raise\":\"bad input\"}", Duration.ofSeconds(5)));
            assertFalse(r.success());
            assertEquals("ValueError", r.errorType());
            assertEquals("bad input", r.errorMessage());
            assertTrue(r.traceback().startsWith("Traceback (most recent call last):"), r.traceback());
            assertEquals("", r.result());
            assertTrue(ch.isOpen(), "the agent is fine");
            assertTrue(await(ch.invoke("t-2", "1", Duration.ofSeconds(5))).success());
        }
    }

    @Test
    void whatTheFunctionPrintedComesBackWithTheReplyOfItsOwnInvocation() throws Exception {
        UdsTransport uds = transport(5_000, 1024 * 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), new AgentScript.Python(true));

        try (AgentChannel ch = uds.open(b.endpoint(), "t-0")) {
            AgentReply ok = await(ch.invoke("t-1", "{\"print\":\"héllo\"}", Duration.ofSeconds(5)));
            assertTrue(ok.success());
            assertEquals(new Output("héllo\n", "warning: héllo\n", false), ok.output());
            AgentReply failed = await(ch.invoke("t-2", "{\"print\":\"step 1\",\"raise\":\"bad\"}",
                    Duration.ofSeconds(5)));
            assertEquals("bad", failed.errorMessage());
            assertEquals(new Output("step 1\n", "warning: step 1\n", false), failed.output());
            assertEquals(Output.NONE, await(ch.invoke("t-3", "{}", Duration.ofSeconds(5))).output());
        }
    }

    @Test
    void aReplyThatIsNotUtf8FailsTheInvocationRatherThanArriveChanged() throws Exception {
        UdsTransport uds = transport(5_000, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), (in, out) -> {
            AgentFrames.write(out, AgentFrames.ready());
            JsonObject m = AgentFrames.read(in);
            AgentFrames.write(out, AgentFrames.resultWithRawBytes(m, new byte[] {'a', (byte) 0xFF, 'b'}));
        });

        try (AgentChannel ch = uds.open(b.endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "{}", Duration.ofSeconds(10)));
            assertInstanceOf(IOException.class, t);
            assertFalse(t instanceof EOFException);
            assertTrue(t.getMessage().matches("agent sent invalid UTF-8 at byte \\d+ \\(0xFF\\)"), t.getMessage());
        }
    }

    @Test
    void channelsToOneAgentAreIndependent() throws Exception {
        UdsTransport uds = transport(5_000, 1024 * 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        CountDownLatch bothArrived = new CountDownLatch(2);
        // each connection answers only once both invocations arrived: one connection cannot wait behind the other
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), (in, out) -> {
            AgentFrames.write(out, AgentFrames.ready());
            JsonObject m = AgentFrames.read(in);
            bothArrived.countDown();
            try {
                if (!bothArrived.await(10, SECONDS)) {
                    throw new IOException("the other invocation never arrived");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            AgentFrames.write(out, AgentFrames.result(m, "\"" + m.get("tid").getAsString() + "\"", false));
        });

        try (AgentChannel a = uds.open(b.endpoint(), "t-a"); AgentChannel c = uds.open(b.endpoint(), "t-c")) {
            var ra = a.invoke("t-a", "1", Duration.ofSeconds(10));
            var rc = c.invoke("t-c", "2", Duration.ofSeconds(10));
            assertEquals("\"t-a\"", await(ra).result());
            assertEquals("\"t-c\"", await(rc).result());
        }
    }

    @Test
    void openRetriesUntilTheAgentListens() throws Exception {
        // open() reads the clock once for its deadline and at most twice per attempt: after seven reads a third
        // attempt has begun, so at least two failed
        CountDownLatch retried = new CountDownLatch(7);
        Clock counting = new Clock() {
            @Override
            public long nanoTime() {
                retried.countDown();
                return time.nanoTime();
            }

            @Override
            public Instant now() {
                return time.now();
            }
        };
        UdsTransport uds = transport(counting, 10_000, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        CompletableFuture<AgentChannel> opening = time.supply(() -> {
            try {
                return uds.open(b.endpoint(), "t-0");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(retried.await(10, SECONDS), "open() tried before the agent listened");
        assertFalse(opening.isDone());
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), new AgentScript.Python(true));

        try (AgentChannel ch = opening.get(10, SECONDS)) {
            assertEquals("{\"echo\":7}", await(ch.invoke("t-1", "7", Duration.ofSeconds(5))).result());
        }
    }

    @Test
    void aHandlerThatCannotLoadFailsOpenAtOnceWithTheAgentsError() throws Exception {
        UdsTransport uds = transport(60_000, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()),
                (in, out) -> AgentFrames.write(out, AgentFrames.loadError("ModuleNotFoundError", "No module named 'main'")));

        // not retried until the 60 s connect timeout: the class timeout would fail this test first
        IOException e = assertThrows(IOException.class, () -> uds.open(b.endpoint(), "t-0"));
        assertEquals("the function's handler could not be loaded: ModuleNotFoundError: No module named 'main'",
                e.getMessage());
    }

    @Test
    void noAgentFailsOpenAfterTheConnectTimeout() throws IOException {
        UdsTransport uds = transport(200, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        IOException e = assertThrows(IOException.class, () -> uds.open(b.endpoint(), "t-0"));
        assertTrue(e.getMessage().startsWith("agent at " + b.endpoint().address() + " not ready within 200 ms"),
                e.getMessage());
    }

    @Test
    void anAgentThatConnectsButNeverSaysReadyFailsOpenAfterTheConnectTimeout() throws Exception {
        UdsTransport uds = transport(300, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.deaf(Path.of(b.endpoint().address()));

        CompletableFuture<AgentChannel> opening = time.supply(() -> {
            try {
                return uds.open(b.endpoint(), "t-0");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> opening.get(10, SECONDS),
                "open() must give up after connect.timeout.ms, not wait for the agent forever");
        assertInstanceOf(java.io.UncheckedIOException.class, e.getCause());
        assertEquals("agent at " + b.endpoint().address() + " not ready within 300 ms: no ready message in time",
                e.getCause().getCause().getMessage());
    }

    @Test
    void theAgentClosingMidCallFailsTheInvocationWithEof() throws Exception {
        UdsTransport uds = transport(5_000, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), (in, out) -> {
            AgentFrames.write(out, AgentFrames.ready());
            AgentFrames.read(in); // the invocation arrives; the agent dies without answering
        });

        try (AgentChannel ch = uds.open(b.endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "{}", Duration.ofSeconds(10)));
            assertInstanceOf(EOFException.class, t);
            assertEquals("the agent closed the connection", t.getMessage());
        }
    }

    @Test
    void anAgentThatDiesHalfWayThroughAReplyFailsTheInvocationWithEof() throws Exception {
        UdsTransport uds = transport(5_000, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), (in, out) -> {
            AgentFrames.write(out, AgentFrames.ready());
            AgentFrames.read(in);
            out.write(new byte[] {0, 0, 0, 100, '{', '"'}); // 100 bytes announced, 2 sent
            out.flush();
        });

        try (AgentChannel ch = uds.open(b.endpoint(), "t-0")) {
            assertInstanceOf(EOFException.class, failure(ch.invoke("t-1", "{}", Duration.ofSeconds(10))));
        }
    }

    @Test
    void anInvocationTimesOutAndClosingTheChannelHangsUpOnTheAgent() throws Exception {
        UdsTransport uds = transport(5_000, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        LinkedBlockingQueue<String> agentSaw = new LinkedBlockingQueue<>();
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), (in, out) -> {
            AgentFrames.write(out, AgentFrames.ready());
            agentSaw.add(AgentFrames.read(in).get("tid").getAsString());
            // never answers; the next read sees the worker hang up
            agentSaw.add(AgentFrames.read(in) == null ? "eof" : "another frame");
        });

        AgentChannel ch = uds.open(b.endpoint(), "t-0");
        assertInstanceOf(TimeoutException.class, failure(ch.invoke("t-1", "{}", Duration.ofMillis(100))));
        assertEquals("t-1", agentSaw.poll(5, SECONDS));
        ch.close();
        assertFalse(ch.isOpen());
        assertEquals("eof", agentSaw.poll(5, SECONDS));
    }

    @Test
    void aReplyOverMaxFrameBytesFailsTheInvocationNamingTheSetting() throws Exception {
        UdsTransport uds = transport(5_000, 1024);
        TransportBinding b = uds.bind("c1", "t-0");
        agent = FakeUdsAgent.start(Path.of(b.endpoint().address()), (in, out) -> {
            AgentFrames.write(out, AgentFrames.ready());
            JsonObject m = AgentFrames.read(in);
            AgentFrames.write(out, AgentFrames.result(m, "\"" + "x".repeat(2_000) + "\"", false));
        });

        try (AgentChannel ch = uds.open(b.endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "{}", Duration.ofSeconds(5)));
            assertInstanceOf(IOException.class, t);
            assertTrue(t.getMessage().endsWith("exceeds max.frame.bytes 1024"), t.getMessage());
        }
    }

    @Test
    void configurationOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> transport(0, 1024));
        assertThrows(IllegalArgumentException.class, () -> transport(1_000, 1023));
    }
}
