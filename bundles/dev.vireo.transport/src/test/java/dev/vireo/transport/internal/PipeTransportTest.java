package dev.vireo.transport.internal;

import dev.vireo.testkit.Components;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Output;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.testkit.TestTime;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The pipe transport over real FIFOs (mkfifo through JNA) served by a fake agent speaking vireo_agent.py's protocol. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PipeTransportTest {
    @TempDir
    Path tmp;
    Path pipes;
    TestTime time;
    FakePipeAgent agent;

    @BeforeEach
    void setUp() {
        pipes = tmp.resolve("p");
        time = new TestTime();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        time.close();
    }

    PipeTransport transport(int channels, long connectTimeoutMs, int maxFrameBytes) throws IOException {
        return new PipeTransport(Components.properties(Map.of()), time, time, Components.config(PipeTransport.Config.class,
                Map.of("pipe_dir", pipes.toString(), "channels", channels, "connect_timeout_ms", connectTimeoutMs,
                        "max_frame_bytes", maxFrameBytes)));
    }

    static Throwable failure(java.util.concurrent.CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, SECONDS));
        return e.getCause();
    }

    static AgentReply await(java.util.concurrent.CompletionStage<AgentReply> stage) throws Exception {
        return stage.toCompletableFuture().get(10, SECONDS);
    }

    static boolean isFifo(Path p) throws IOException {
        return (((Integer) Files.getAttribute(p, "unix:mode")) & 0170000) == 0010000;
    }

    @Test
    void bindMakesTheFifoPairsInAPrivateDirectoryMountedAtRunVireo() throws IOException {
        PipeTransport pipe = transport(2, 1_000, 1024);
        TransportBinding b = pipe.bind("w1-hello-1", "t-1");

        Path dir = pipes.resolve("w1-hello-1");
        assertEquals(new AgentEndpoint("pipe", dir.toString(), Map.of("channels", "2")), b.endpoint());
        assertEquals(Map.of(dir.toString(), "/run/vireo"), b.mounts());
        assertEquals(Map.of("VIREO_AGENT_PIPES", "/run/vireo", "VIREO_AGENT_PIPE_COUNT", "2"), b.environment());
        assertEquals("", b.network());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        try (var files = Files.list(dir)) {
            assertEquals(java.util.Set.of("in-0", "out-0", "in-1", "out-1"),
                    files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
        for (String name : new String[] {"in-0", "out-0", "in-1", "out-1"}) {
            assertTrue(isFifo(dir.resolve(name)), name);
            assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))),
                    "the agent runs as another uid; the 0700 directory is the access control");
        }

        pipe.unbind(b);
        assertFalse(Files.exists(dir));
    }

    /**
     * After a restart (a new transport on the same pipe.dir, configured for another count) a container's FIFO pairs
     * are bound as many as it was made with, and its agent is reached again; a folder missing a FIFO of its first pair
     * is not rebound.
     */
    @Test
    void aContainerThatOutlivedTheWorkerIsReboundWithItsOwnPairsAndReachedAgain() throws Exception {
        TransportBinding before = transport(2, 5_000, 1024 * 1024).bind("c1", "t-0");
        PipeTransport pipe = transport(4, 5_000, 1024 * 1024); // the next run
        assertEquals(java.util.Optional.of(before), pipe.rebind("c1", "t-1", null));
        agent = new FakePipeAgent(Path.of(before.endpoint().address()), 2, new AgentScript.Python(false));
        try (AgentChannel ch = pipe.open(before.endpoint(), "t-1")) {
            assertEquals("{\"echo\":[]}", await(ch.invoke("t-2", "[]", Duration.ofSeconds(5))).result());
        }
        assertEquals(java.util.Optional.empty(), pipe.rebind("c2", "t-3", null), "no folder");
        TransportBinding broken = pipe.bind("c3", "t-3");
        Files.delete(Path.of(broken.endpoint().address()).resolve("out-0"));
        assertEquals(java.util.Optional.empty(), pipe.rebind("c3", "t-3", null));
        Files.createSymbolicLink(Path.of(broken.endpoint().address()).resolve("out-0"),
                Path.of(broken.endpoint().address()).resolve("in-0"));
        assertEquals(java.util.Optional.empty(), pipe.rebind("c3", "t-3", null), "a link in place of a FIFO is not one");
    }

    @Test
    void openSaysHelloGetsReadyThenInvocationsGoAndComeBack() throws Exception {
        PipeTransport pipe = transport(1, 5_000, 1024 * 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        AgentScript.Python script = new AgentScript.Python(false);
        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 1, script);

        try (AgentChannel ch = pipe.open(b.endpoint(), "t-0")) {
            assertEquals("{\"type\":\"hello\"}", script.received.poll(5, SECONDS).toString());
            AgentReply first = await(ch.invoke("t-1", "{\"s\":\"Zoë ✓\"}", Duration.ofSeconds(5)));
            assertEquals(new AgentReply(1_700_000_000_000_000L, 1_700_000_000_000_250L, 250, true, true,
                    "{\"echo\":{\"s\":\"Zoë ✓\"}}", "", "", ""), first.withStamps(AgentReply.Stamps.NONE));
            assertTrue(first.stamps().writeNs() > 0 && first.stamps().writeNs() <= first.stamps().readNs(),
                    "the transport stamps the exchange: " + first.stamps());
            AgentReply error = await(ch.invoke("t-2", "{\"raise\":\"nope\"}", Duration.ofSeconds(5)));
            assertFalse(error.success());
            assertEquals("ValueError", error.errorType());
            assertEquals("nope", error.errorMessage());
            assertFalse(error.cold());
            AgentReply printed = await(ch.invoke("t-3", "{\"print\":\"Zoë ✓\",\"raise\":\"x\"}",
                    Duration.ofSeconds(5)));
            assertEquals(new Output("Zoë ✓\n", "warning: Zoë ✓\n", false), printed.output(),
                    "what the function printed comes back with its error too");
        }
        assertEquals("t-1", script.received.poll(5, SECONDS).get("tid").getAsString());
        assertEquals("t-2", script.received.poll(5, SECONDS).get("tid").getAsString());
        assertEquals("t-3", script.received.poll(5, SECONDS).get("tid").getAsString());
    }

    @Test
    void eachChannelTakesItsOwnPairAndAllPairsInUseIsSaidPlainly() throws Exception {
        PipeTransport pipe = transport(2, 5_000, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        AgentScript.Python script = new AgentScript.Python(false);
        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 2, script);

        try (AgentChannel a = pipe.open(b.endpoint(), "t-a"); AgentChannel c = pipe.open(b.endpoint(), "t-c")) {
            IOException e = assertThrows(IOException.class, () -> pipe.open(b.endpoint(), "t-x"));
            assertTrue(e.getMessage().startsWith("all 2 FIFO pairs of " + b.endpoint().address() + " are in use"),
                    e.getMessage());
            assertEquals("{\"echo\":\"a\"}", await(a.invoke("t-a", "\"a\"", Duration.ofSeconds(5))).result());
            assertEquals("{\"echo\":\"c\"}", await(c.invoke("t-c", "\"c\"", Duration.ofSeconds(5))).result());
        }
    }

    @Test
    void closingAChannelFreesItsPairForTheNextOpen() throws Exception {
        PipeTransport pipe = transport(1, 5_000, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 1, new AgentScript.Python(false));

        AgentChannel first = pipe.open(b.endpoint(), "t-1");
        assertThrows(IOException.class, () -> pipe.open(b.endpoint(), "t-2"));
        first.close();
        // the agent reopens the pair once it has closed its ends of the previous session
        assertTrue(agent.sessionsEnded.tryAcquire(5, SECONDS));
        try (AgentChannel again = pipe.open(b.endpoint(), "t-2")) {
            assertEquals("{\"echo\":2}", await(again.invoke("t-2", "2", Duration.ofSeconds(5))).result());
        }
    }

    @Test
    void noAgentFailsOpenAfterTheConnectTimeoutAndReleasesThePair() throws Exception {
        PipeTransport pipe = transport(1, 200, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");

        IOException e = assertThrows(IOException.class, () -> pipe.open(b.endpoint(), "t-0"));
        assertEquals("agent did not open " + Path.of(b.endpoint().address()).resolve("in-0") + " within 200 ms",
                e.getMessage());

        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 1, new AgentScript.Python(false));
        try (AgentChannel ch = pipe.open(b.endpoint(), "t-1")) {
            assertEquals("{\"echo\":1}", await(ch.invoke("t-1", "1", Duration.ofSeconds(5))).result());
        }
    }

    @Test
    void anAgentThatOpensThePairButNeverAnswersHelloFailsOpenAfterTheConnectTimeout() throws Exception {
        PipeTransport pipe = transport(1, 300, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        LinkedBlockingQueue<String> agentSaw = new LinkedBlockingQueue<>();
        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 1, (in, out) -> {
            agentSaw.add(AgentFrames.read(in).toString());
            agentSaw.add(AgentFrames.read(in) == null ? "eof" : "another frame");
        });

        IOException e = assertThrows(IOException.class, () -> pipe.open(b.endpoint(), "t-0"));
        assertTrue(e.getMessage().endsWith("did not answer hello on pair 0: no answer in time"), e.getMessage());
        assertEquals("{\"type\":\"hello\"}", agentSaw.poll(5, SECONDS));
        assertEquals("eof", agentSaw.poll(5, SECONDS), "the worker closed its ends");
    }

    @Test
    void aHandlerThatCannotLoadFailsOpenWithTheAgentsError() throws Exception {
        PipeTransport pipe = transport(1, 60_000, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 1, (in, out) -> {
            if (AgentFrames.read(in) != null) {
                AgentFrames.write(out, AgentFrames.loadError("SyntaxError", "invalid syntax (main.py, line 3)"));
            }
        });

        IOException e = assertThrows(IOException.class, () -> pipe.open(b.endpoint(), "t-0"));
        assertEquals("the function's handler could not be loaded: SyntaxError: invalid syntax (main.py, line 3)",
                e.getMessage());
    }

    @Test
    void theAgentClosingMidCallFailsTheInvocationWithEof() throws Exception {
        PipeTransport pipe = transport(1, 5_000, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        agent = FakePipeAgent.dyingAfterOneSession(Path.of(b.endpoint().address()), (in, out) -> {
            AgentFrames.read(in);
            AgentFrames.write(out, AgentFrames.ready());
            AgentFrames.read(in); // the invocation arrives; the agent dies without answering
        });

        try (AgentChannel ch = pipe.open(b.endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "{}", Duration.ofSeconds(10)));
            assertInstanceOf(EOFException.class, t);
            assertEquals("the agent closed the connection", t.getMessage());
        }
    }

    @Test
    void aReplyThatIsNotUtf8FailsTheInvocationRatherThanArriveChanged() throws Exception {
        PipeTransport pipe = transport(1, 5_000, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 1, (in, out) -> {
            AgentFrames.read(in);
            AgentFrames.write(out, AgentFrames.ready());
            JsonObject m = AgentFrames.read(in);
            if (m != null) { // null: the pair reopened at the end of the test
                AgentFrames.write(out, AgentFrames.resultWithRawBytes(m, new byte[] {'o', 'k', (byte) 0xC3}));
            }
        });

        try (AgentChannel ch = pipe.open(b.endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "{}", Duration.ofSeconds(10)));
            assertInstanceOf(IOException.class, t);
            assertTrue(t.getMessage().matches("agent sent invalid UTF-8 at byte \\d+ \\(0xC3\\)"), t.getMessage());
        }
    }

    @Test
    void anInvocationTimesOutAndClosingTheChannelHangsUpOnTheAgent() throws Exception {
        PipeTransport pipe = transport(1, 5_000, 1024);
        TransportBinding b = pipe.bind("c1", "t-0");
        LinkedBlockingQueue<String> agentSaw = new LinkedBlockingQueue<>();
        agent = new FakePipeAgent(Path.of(b.endpoint().address()), 1, (in, out) -> {
            AgentFrames.read(in);
            AgentFrames.write(out, AgentFrames.ready());
            JsonObject m = AgentFrames.read(in);
            agentSaw.add(m.get("tid").getAsString());
            agentSaw.add(AgentFrames.read(in) == null ? "eof" : "another frame");
        });

        AgentChannel ch = pipe.open(b.endpoint(), "t-0");
        assertInstanceOf(TimeoutException.class, failure(ch.invoke("t-1", "{}", Duration.ofMillis(100))));
        assertEquals("t-1", agentSaw.poll(5, SECONDS));
        ch.close();
        assertFalse(ch.isOpen());
        assertEquals("eof", agentSaw.poll(5, SECONDS));
    }

    @Test
    void configurationOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> transport(0, 1_000, 1024));
        assertThrows(IllegalArgumentException.class, () -> transport(257, 1_000, 1024));
    }
}
