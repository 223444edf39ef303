package dev.vireo.transport.internal;

import dev.vireo.testkit.Components;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Output;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.testkit.TestTime;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The http transport's pure parts and its HTTP/1.1 exchange with an agent. A real binding needs root, network
 * namespaces and bridges, which a unit test does not make: here the agent listens on loopback and the transport's
 * open() and channels, which need no namespace, speak to it.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpTransportTest {
    TestTime time;
    FakeHttpAgent agent;

    @BeforeEach
    void setUp() {
        time = new TestTime();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.close();
        }
        time.close();
    }

    HttpTransport transport(long connectTimeoutMs, int maxFrameBytes) {
        NoSweep scheduler = new NoSweep(time);
        HttpTransport t = new HttpTransport(Components.properties(Map.of("vireo.run.dir", "/nonexistent/vireo-unit-test")),
                time, scheduler, Components.config(HttpTransport.Config.class,
                        Map.of("connect_timeout_ms", connectTimeoutMs, "max_frame_bytes", maxFrameBytes)));
        scheduler.armed = true;
        return t;
    }

    AgentEndpoint endpoint() {
        return new AgentEndpoint("http", agent.address(), Map.of("netns", "vireo-test-0"));
    }

    static byte[] ready() {
        return FakeHttpAgent.response(200, AgentFrames.ready().toString());
    }

    /** vireo_agent.py's http handler with an echoing function. */
    static byte[] python(FakeHttpAgent.Request r) {
        if (r.method().equals("GET") && r.path().equals("/ready")) {
            return ready();
        }
        JsonObject m = JsonParser.parseString(r.body()).getAsJsonObject();
        return FakeHttpAgent.response(200, AgentFrames.result(m, AgentFrames.echo(m), false).toString());
    }

    static Throwable failure(java.util.concurrent.CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, SECONDS));
        return e.getCause();
    }

    static AgentReply await(java.util.concurrent.CompletionStage<AgentReply> stage) throws Exception {
        return stage.toCompletableFuture().get(10, SECONDS);
    }

    @Test
    void theTagIsSixHexDigitsStablePerRunDirectory() {
        String tag = HttpTransport.tag("/var/lib/vireo/run");
        assertTrue(tag.matches("[0-9a-f]{6}"), tag);
        assertEquals(tag, HttpTransport.tag("/var/lib/vireo/run"));
        assertNotEquals(tag, HttpTransport.tag("/var/lib/vireo/run2"));
        assertEquals("000000", HttpTransport.tag(""));
    }

    @Test
    void theSubnetBaseIsAnIpv4AddressStartingASlash22() {
        assertEquals((10 << 24) | (213 << 16), NetworkSlots.parseBase("10.213.0.0"));
        assertEquals((10 << 24) | (213 << 16) | (4 << 8), NetworkSlots.parseBase(" 10.213.4.0 "));
        assertEquals((192 << 24) | (168 << 16) | (252 << 8), NetworkSlots.parseBase("192.168.252.0"));
        for (String bad : new String[] {"10.213.1.0", "10.213.0.4", "10.213.0", "10.213.0.0.0", "10.256.0.0", "10.x.0.0"}) {
            assertThrows(IllegalArgumentException.class, () -> NetworkSlots.parseBase(bad), bad);
        }
    }

    @Test
    void openAsksReadyThenInvocationsArePostsOnOneKeepAliveConnection() throws Exception {
        agent = new FakeHttpAgent(HttpTransportTest::python);
        HttpTransport http = transport(5_000, 1024 * 1024);

        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            AgentReply r = await(ch.invoke("t-1", "{\"s\":\"Zoë ✓\"}", Duration.ofSeconds(5)));
            assertEquals(new AgentReply(1_700_000_000_000_000L, 1_700_000_000_000_250L, 250, false, true,
                    "{\"echo\":{\"s\":\"Zoë ✓\"}}", "", "", ""), r.withStamps(AgentReply.Stamps.NONE));
            assertTrue(r.stamps().writeNs() > 0 && r.stamps().writeNs() <= r.stamps().readNs(),
                    "the transport stamps the exchange: " + r.stamps());
            assertEquals("{\"echo\":2}", await(ch.invoke("t-2", "2", Duration.ofSeconds(5))).result());
        }
        assertEquals(1, agent.accepted.get(), "one connection for the readiness check and both invocations");
        assertEquals(3, agent.requests.size());
        FakeHttpAgent.Request ready = agent.requests.get(0);
        assertEquals("GET /ready", ready.method() + " " + ready.path());
        assertEquals(agent.address(), ready.headers().get("host"));
        assertEquals("0", ready.headers().get("content-length"));
        FakeHttpAgent.Request invoke = agent.requests.get(1);
        assertEquals("POST /invoke", invoke.method() + " " + invoke.path());
        assertEquals("application/json", invoke.headers().get("content-type"));
        assertEquals("{\"type\":\"invoke\",\"tid\":\"t-1\",\"payload\":\"{\\\"s\\\":\\\"Zoë ✓\\\"}\"}", invoke.body());
        assertEquals(Integer.toString(invoke.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length),
                invoke.headers().get("content-length"), "Content-Length counts UTF-8 bytes");
    }

    @Test
    void aFunctionErrorIsAReplyNotAFailure() throws Exception {
        agent = new FakeHttpAgent(r -> r.path().equals("/ready") ? ready() : FakeHttpAgent.response(200,
                AgentFrames.userError(JsonParser.parseString(r.body()).getAsJsonObject(), "ZeroDivisionError",
                        "division by zero", "Traceback ...").toString()));
        HttpTransport http = transport(5_000, 1024 * 1024);

        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            AgentReply r = await(ch.invoke("t-1", "0", Duration.ofSeconds(5)));
            assertFalse(r.success());
            assertEquals("ZeroDivisionError", r.errorType());
            assertEquals("division by zero", r.errorMessage());
            assertEquals("Traceback ...", r.traceback());
        }
    }

    @Test
    void whatTheFunctionPrintedComesBackWithTheReply() throws Exception {
        agent = new FakeHttpAgent(r -> r.path().equals("/ready") ? ready() : FakeHttpAgent.response(200,
                AgentFrames.printed(AgentFrames.userError(JsonParser.parseString(r.body()).getAsJsonObject(),
                        "ZeroDivisionError", "division by zero", "Traceback ..."), "n = 0 ✓\n", "", true).toString()));
        HttpTransport http = transport(5_000, 1024 * 1024);

        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            AgentReply r = await(ch.invoke("t-1", "0", Duration.ofSeconds(5)));
            assertEquals("ZeroDivisionError", r.errorType());
            assertEquals(new Output("n = 0 ✓\n", "", true), r.output());
        }
    }

    @Test
    void aReplyBodyThatIsNotUtf8FailsTheInvocationRatherThanArriveChanged() throws Exception {
        agent = new FakeHttpAgent(r -> {
            if (r.path().equals("/ready")) {
                return ready();
            }
            byte[] body = AgentFrames.resultWithRawBytes(JsonParser.parseString(r.body()).getAsJsonObject(),
                    new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}); // an encoded surrogate
            byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            return java.nio.ByteBuffer.allocate(head.length + body.length).put(head).put(body).array();
        });
        HttpTransport http = transport(5_000, 1024);

        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "1", Duration.ofSeconds(5)));
            assertInstanceOf(IOException.class, t);
            assertTrue(t.getMessage().matches("agent sent invalid UTF-8 at byte \\d+ \\(0xED\\)"), t.getMessage());
        }
    }

    @Test
    void aHandlerThatCannotLoadFailsOpenAtOnceWithTheAgentsError() throws Exception {
        agent = new FakeHttpAgent(r -> FakeHttpAgent.response(500,
                AgentFrames.loadError("ImportError", "cannot import name 'handle'").toString()));
        HttpTransport http = transport(60_000, 1024);

        IOException e = assertThrows(IOException.class, () -> http.open(endpoint(), "t-0"));
        assertEquals("the function's handler could not be loaded: ImportError: cannot import name 'handle'",
                e.getMessage());
        assertEquals(1, agent.requests.size(), "not retried");
    }

    @Test
    void noAgentFailsOpenAfterTheConnectTimeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // free once closed: connections are refused
        }
        HttpTransport http = transport(200, 1024);
        AgentEndpoint nobody = new AgentEndpoint("http", "127.0.0.1:" + port, Map.of());
        IOException e = assertThrows(IOException.class, () -> http.open(nobody, "t-0"));
        assertTrue(e.getMessage().startsWith("agent at http://127.0.0.1:" + port + " not ready within 200 ms"),
                e.getMessage());
    }

    @Test
    void anAgentThatConnectsButNeverAnswersReadyFailsOpenAfterTheConnectTimeout() throws Exception {
        agent = new FakeHttpAgent(null);
        HttpTransport http = transport(300, 1024);

        CompletableFuture<AgentChannel> opening = time.supply(() -> {
            try {
                return http.open(endpoint(), "t-0");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> opening.get(10, SECONDS),
                "open() must give up after connect.timeout.ms, not wait for the agent forever");
        assertInstanceOf(java.io.UncheckedIOException.class, e.getCause());
        assertEquals("agent at http://" + agent.address() + " not ready within 300 ms: no answer to GET /ready in time",
                e.getCause().getCause().getMessage());
    }

    @Test
    void aReplyBeyondMaxFrameBytesOrWithoutALengthFailsTheInvocation() throws Exception {
        agent = new FakeHttpAgent(r -> {
            if (r.path().equals("/ready")) {
                return ready();
            }
            if (r.body().contains("big")) {
                JsonObject m = JsonParser.parseString(r.body()).getAsJsonObject();
                return FakeHttpAgent.response(200, AgentFrames.result(m, "\"" + "x".repeat(2_000) + "\"", false)
                        .toString());
            }
            return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII);
        });
        HttpTransport http = transport(5_000, 1024);

        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "\"big\"", Duration.ofSeconds(5)));
            assertInstanceOf(IOException.class, t);
            assertTrue(t.getMessage().matches("agent reply of \\d+ bytes: missing or beyond max.frame.bytes 1024"),
                    t.getMessage());
        }
        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-2", "\"small\"", Duration.ofSeconds(5)));
            assertEquals("agent reply of -1 bytes: missing or beyond max.frame.bytes 1024", t.getMessage());
        }
    }

    @Test
    void aReplyThatIsNotAResultFrameFailsTheInvocationQuotingIt() throws Exception {
        agent = new FakeHttpAgent(r -> r.path().equals("/ready") ? ready()
                : FakeHttpAgent.response(502, "upstream went away"));
        HttpTransport http = transport(5_000, 1024);

        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "1", Duration.ofSeconds(5)));
            assertEquals("agent sent a malformed reply (HTTP 502): upstream went away", t.getMessage());
        }
    }

    @Test
    void theAgentClosingMidCallFailsTheInvocationWithEof() throws Exception {
        agent = new FakeHttpAgent(r -> r.path().equals("/ready") ? ready() : null);
        HttpTransport http = transport(5_000, 1024);

        try (AgentChannel ch = http.open(endpoint(), "t-0")) {
            Throwable t = failure(ch.invoke("t-1", "1", Duration.ofSeconds(10)));
            assertInstanceOf(EOFException.class, t);
            assertEquals("the agent closed the connection", t.getMessage());
        }
    }

    @Test
    void anInvocationTimesOutAndClosingTheChannelClosesTheConnection() throws Exception {
        CountDownLatch invoked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        agent = new FakeHttpAgent(r -> {
            if (r.path().equals("/ready")) {
                return ready();
            }
            invoked.countDown();
            try {
                release.await(10, SECONDS);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return null;
        });
        HttpTransport http = transport(5_000, 1024);

        AgentChannel ch = http.open(endpoint(), "t-0");
        try {
            assertInstanceOf(TimeoutException.class, failure(ch.invoke("t-1", "1", Duration.ofMillis(100))));
            assertTrue(invoked.await(5, SECONDS));
            assertTrue(ch.isOpen(), "a timeout alone does not close the channel; the worker does");
            ch.close();
            assertFalse(ch.isOpen());
        } finally {
            release.countDown();
        }
    }

    @Test
    void configurationOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> transport(0, 1024));
        assertThrows(IllegalArgumentException.class, () -> transport(1_000, 1023));
    }
}
