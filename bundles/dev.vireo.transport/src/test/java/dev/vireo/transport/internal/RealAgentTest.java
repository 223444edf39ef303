package dev.vireo.transport.internal;

import dev.vireo.testkit.Components;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Output;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.testkit.TestTime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent (agent/python/vireo_agent.py, run by python3) over the uds transport: what a function prints comes
 * back with its own invocation, bounded, also with concurrent invocations in one agent. Also runs the agent's own
 * Python unit tests (agent/python/test_vireo_agent.py), so they are part of the build's tests. Skipped without python3.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RealAgentTest {
    static final Path AGENT_DIR = Path.of("../../agent/python").toAbsolutePath().normalize();

    /** Prints its name three times on stdout and once on stderr; raise, big and surrogate add what they say. */
    static final String HANDLER = """
            import sys, time

            def handle(args):
                me = args.get("me", "")
                for i in range(3):
                    print(me, i)
                    time.sleep(0.005)  # the concurrent invocations interleave
                print("warning", me, file=sys.stderr)
                if args.get("big"):
                    print("é" * args["big"])
                if args.get("surrogate"):
                    print("bad \\udc80 name")
                if args.get("raise"):
                    raise ValueError("bad " + me)
                return me
            """;

    @TempDir
    Path tmp;
    TestTime time;
    Process agent;

    @BeforeEach
    void setUp() {
        time = new TestTime();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.destroy(); // SIGTERM: the agent exits
            agent.waitFor(10, SECONDS);
        }
        time.close();
    }

    static boolean hasPython() {
        try {
            return new ProcessBuilder("python3", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void theAgentsOwnPythonTestsPass() throws Exception {
        Assumptions.assumeTrue(hasPython(), "python3 is not installed");
        Process p = new ProcessBuilder("python3", "-B", "-m", "unittest", "discover", "-s", AGENT_DIR.toString(), "-p",
                "test_*.py").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("OK"), out);
    }

    /** Starts the real agent serving a uds binding with {@link #HANDLER}; returns the transport to open it with. */
    UdsTransport start(TransportBinding[] binding, long limitBytes) throws IOException {
        Assumptions.assumeTrue(hasPython(), "python3 is not installed");
        UdsTransport uds = new UdsTransport(Components.properties(Map.of()), time, time,
                Components.config(UdsTransport.Config.class, Map.of("socket_dir", tmp.resolve("s").toString(),
                        "connect_timeout_ms", 20_000, "max_frame_bytes", 1024 * 1024)));
        binding[0] = uds.bind("c1", "t-0");
        Path code = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(code.resolve("main.py"), HANDLER);
        ProcessBuilder pb = new ProcessBuilder("python3", "-B", "-u", AGENT_DIR.resolve("vireo_agent.py").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
        pb.environment().putAll(Map.of("VIREO_AGENT_SOCKET", binding[0].endpoint().address(), "VIREO_CODE_DIR",
                code.toString(), "VIREO_HANDLER", "main.handle", "VIREO_OUTPUT_LIMIT_BYTES", Long.toString(limitBytes)));
        agent = pb.start();
        return uds;
    }

    static AgentReply await(CompletionStage<AgentReply> stage) throws Exception {
        return stage.toCompletableFuture().get(20, SECONDS);
    }

    @Test
    void concurrentInvocationsOfOneAgentEachGetWhatTheirFunctionPrinted() throws Exception {
        TransportBinding[] b = new TransportBinding[1];
        UdsTransport uds = start(b, 65_536);
        List<AgentChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                channels.add(uds.open(b[0].endpoint(), "t-" + i));
            }
            List<CompletionStage<AgentReply>> replies = new ArrayList<>();
            for (int i = 0; i < channels.size(); i++) {
                replies.add(channels.get(i).invoke("t-" + i, "{\"me\":\"w" + i + "\",\"raise\":" + (i == 3) + "}",
                        Duration.ofSeconds(20)));
            }
            for (int i = 0; i < channels.size(); i++) {
                AgentReply r = await(replies.get(i));
                String me = "w" + i;
                assertEquals(new Output(me + " 0\n" + me + " 1\n" + me + " 2\n", "warning " + me + "\n", false),
                        r.output(), me);
                assertEquals(i != 3, r.success(), "the one that raised still returns its output");
                // the latency anatomy: the agent's stamps (Python's monotonic clock) fall between the transport's
                // (the JVM's): one kernel clock
                AgentReply.Stamps st = r.stamps();
                assertTrue(st.writeNs() > 0 && st.writeNs() <= st.agentInNs() && st.agentInNs() <= st.agentOutNs()
                        && st.agentOutNs() <= st.readNs(), st.toString());
            }
            assertEquals("bad w3", await(replies.get(3)).errorMessage());
        } finally {
            channels.forEach(AgentChannel::close);
        }
    }

    @Test
    void outputPastTheLimitIsCutAtACharacterAndALoneSurrogateCannotBreakTheFrame() throws Exception {
        TransportBinding[] b = new TransportBinding[1];
        UdsTransport uds = start(b, 64);
        try (AgentChannel ch = uds.open(b[0].endpoint(), "t-0")) {
            AgentReply big = await(ch.invoke("t-1", "{\"me\":\"big\",\"big\":100}", Duration.ofSeconds(20)));
            assertTrue(big.success());
            // 18 bytes of "big N\n" lines, then 46 bytes of room: 23 two-byte é
            assertEquals(new Output("big 0\nbig 1\nbig 2\n" + "é".repeat(23), "warning big\n", true), big.output());

            AgentReply odd = await(ch.invoke("t-2", "{\"me\":\"s\",\"surrogate\":true}", Duration.ofSeconds(20)));
            assertEquals("s 0\ns 1\ns 2\nbad \\udc80 name\n", odd.output().stdout());
            assertFalse(odd.output().truncated());
        }
    }
}
