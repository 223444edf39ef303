package dev.vireo.transport.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.TestTime;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The openwhisk transport against a runtime of the OpenWhisk action protocol on loopback: the real one the image
 * {@code openwhisk-python3} runs (agent/openwhisk/ow_python_runtime.py, by python3), and a raw-socket one for what a
 * runtime may do on the wire (close after each answer, chunk its answers). A binding needs root, namespaces and
 * bridges (RealFunctionsIT runs it in containers); open() and its channels need none.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OpenWhiskTransportTest {
    static final Path RUNTIME = Path.of("../../agent/openwhisk/ow_python_runtime.py").toAbsolutePath().normalize();
    static final Path OW_MAIN = Path.of("../../examples/ow-main").toAbsolutePath().normalize();

    @TempDir
    Path tmp;
    TestTime time;
    Process runtime;
    FakeHttpAgent fake;

    @BeforeEach
    void setUp() {
        time = new TestTime();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (runtime != null) {
            runtime.destroy();
            runtime.waitFor(10, SECONDS);
        }
        if (fake != null) {
            fake.close();
        }
        time.close();
    }

    OpenWhiskTransport transport(Map<String, Object> config) {
        NoSweep scheduler = new NoSweep(time);
        OpenWhiskTransport t = new OpenWhiskTransport(Components.properties(Map.of("vireo.run.dir",
                "/nonexistent/vireo-unit-test")), time, scheduler, Components.config(OpenWhiskTransport.Config.class,
                config));
        scheduler.armed = true;
        return t;
    }

    static AgentEndpoint endpoint(String address, Path code, String main, long timeoutMs) {
        return new AgentEndpoint("openwhisk", address, Map.of(OpenWhiskTransport.CODE_DIR, code == null ? "" : code.toString(),
                OpenWhiskTransport.MAIN, main, OpenWhiskTransport.ACTION, "greet", OpenWhiskTransport.TIMEOUT_MS,
                Long.toString(timeoutMs)));
    }

    /** Starts the real runtime on a free loopback port; returns its address. */
    String startRuntime() throws Exception {
        Assumptions.assumeTrue(RealAgentTest.hasPython(), "python3 is not installed");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        runtime = new ProcessBuilder("python3", "-B", "-u", RUNTIME.toString(), "--host", "127.0.0.1", "--port",
                Integer.toString(port)).redirectOutput(tmp.resolve("runtime.log").toFile()).redirectErrorStream(true)
                .start();
        return "127.0.0.1:" + port;
    }

    static AgentReply await(java.util.concurrent.CompletionStage<AgentReply> stage) throws Exception {
        return stage.toCompletableFuture().get(20, SECONDS);
    }

    Path code(String main) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("code-" + Integer.toHexString(main.hashCode())));
        Files.writeString(dir.resolve("__main__.py"), main);
        return dir;
    }

    @Test
    void theRealRuntimeRunsAnUnchangedOpenWhiskActionFromItsCodeDirectory() throws Exception {
        String address = startRuntime();
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 20_000));
        try (AgentChannel ch = ow.open(endpoint(address, OW_MAIN, "main", 20_000), "t-0")) {
            AgentReply first = await(ch.invoke("t-1", "{\"name\":\"vireo\"}", Duration.ofSeconds(20)));
            assertTrue(first.success(), first.errorMessage());
            assertEquals(JsonParser.parseString("{\"greeting\":\"hello, vireo\"}"), JsonParser.parseString(first.result()));
            assertTrue(first.cold(), "the first activation after /init is the cold one");
            assertTrue(first.durationUs() >= 0 && first.endUs() >= first.startUs());
            AgentReply second = await(ch.invoke("t-2", "", Duration.ofSeconds(20)));
            assertEquals(JsonParser.parseString("{\"greeting\":\"hello, stranger\"}"), JsonParser.parseString(second.result()),
                    "no payload is the empty object");
            assertFalse(second.cold());
        }
    }

    @Test
    void theActivationSeesItsIdNamespaceAndDeadlineAndErrorsAreTheRuntimes() throws Exception {
        String address = startRuntime();
        Path code = code("""
                import os

                def handle(args):
                    if args.get("boom"):
                        raise ValueError("boom " + args["boom"])
                    if args.get("list"):
                        return [1, 2]
                    if args.get("error"):
                        return {"error": {"reason": args["error"]}}
                    return {k: os.environ.get(k) for k in
                            ("__OW_ACTIVATION_ID", "__OW_TRANSACTION_ID", "__OW_NAMESPACE", "__OW_ACTION_NAME", "__OW_DEADLINE")}
                """);
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 20_000));
        try (AgentChannel ch = ow.open(endpoint(address, code, "handle", 20_000), "t-0")) {
            AgentReply ok = await(ch.invoke("tid-7", "{}", Duration.ofSeconds(20)));
            assertTrue(ok.success(), ok.errorMessage());
            JsonObject env = JsonParser.parseString(ok.result()).getAsJsonObject();
            assertEquals("tid-7", env.get("__OW_ACTIVATION_ID").getAsString());
            assertEquals("tid-7", env.get("__OW_TRANSACTION_ID").getAsString());
            assertEquals("vireo", env.get("__OW_NAMESPACE").getAsString());
            assertEquals("/vireo/greet", env.get("__OW_ACTION_NAME").getAsString());
            long deadline = Long.parseLong(env.get("__OW_DEADLINE").getAsString());
            assertEquals(time.now().toEpochMilli() + 20_000, deadline, 1_000.0, "now + the function's timeout");

            AgentReply raised = await(ch.invoke("t-2", "{\"boom\":\"x\"}", Duration.ofSeconds(20)));
            assertFalse(raised.success());
            assertEquals(OpenWhiskTransport.ACTION_ERROR, raised.errorType());
            assertTrue(raised.errorMessage().contains("ValueError: boom x"), raised.errorMessage());

            AgentReply list = await(ch.invoke("t-3", "{\"list\":true}", Duration.ofSeconds(20)));
            assertFalse(list.success());
            assertTrue(list.errorMessage().contains("did not return a dictionary"), list.errorMessage());

            AgentReply error = await(ch.invoke("t-4", "{\"error\":\"no stock\"}", Duration.ofSeconds(20)));
            assertFalse(error.success(), "an answer with an error member is OpenWhisk's application error");
            assertEquals("{\"reason\":\"no stock\"}", error.errorMessage());

            assertTrue(await(ch.invoke("t-5", "{}", Duration.ofSeconds(20))).success(), "the runtime serves on");
        }
    }

    @Test
    void codeThatDoesNotLoadFailsTheColdStartWithTheRuntimesError() throws Exception {
        String address = startRuntime();
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 20_000));
        IOException e = assertThrows(IOException.class,
                () -> ow.open(endpoint(address, code("def main(args:\n"), "main", 20_000), "t-0"));
        assertTrue(e.getMessage().startsWith("the OpenWhisk runtime refused the action's code (/init answered 502): "
                + "the action failed to initialize: SyntaxError"), e.getMessage());
    }

    @Test
    void aRuntimeThatIsNotListeningFailsTheColdStartAfterTheConnectTimeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 300));
        IOException e = assertThrows(IOException.class,
                () -> ow.open(endpoint("127.0.0.1:" + port, OW_MAIN, "main", 20_000), "t-0"));
        assertTrue(e.getMessage().startsWith("OpenWhisk runtime at 127.0.0.1:" + port + " not listening within 300 ms"),
                e.getMessage());
    }

    /** A runtime that closes the connection after each answer (HTTP/1.0) and chunks its /run answers. */
    static byte[] closingRuntime(FakeHttpAgent.Request r) {
        if (r.path().equals("/init")) {
            return "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}"
                    .getBytes(StandardCharsets.US_ASCII);
        }
        JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
        String value = body.get("value").toString();
        if (value.contains("text")) {
            return "HTTP/1.0 200 OK\r\n\r\nnot json".getBytes(StandardCharsets.US_ASCII);
        }
        String json = "{\"got\":" + value + "}";
        String half = json.substring(0, json.length() / 2);
        String rest = json.substring(json.length() / 2);
        return ("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + Integer.toHexString(half.length()) + "\r\n" + half + "\r\n"
                + Integer.toHexString(rest.length()) + ";ext=1\r\n" + rest + "\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRuntimeClosingAfterEachAnswerIsReconnectedWithoutASecondInitAndChunksAreRead() throws Exception {
        fake = new FakeHttpAgent(OpenWhiskTransportTest::closingRuntime);
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 5_000));
        try (AgentChannel ch = ow.open(endpoint(fake.address(), OW_MAIN, "main", 5_000), "t-0")) {
            for (int i = 1; i <= 3; i++) {
                AgentReply r = await(ch.invoke("t-" + i, "{\"n\":" + i + "}", Duration.ofSeconds(5)));
                assertTrue(r.success(), r.errorMessage());
                assertEquals("{\"got\":{\"n\":" + i + "}}", r.result());
            }
            AgentReply text = await(ch.invoke("t-4", "{\"text\":1}", Duration.ofSeconds(5)));
            assertFalse(text.success());
            assertEquals("the runtime answered /run with what is not a JSON object: not json", text.errorMessage());
        }
        List<String> paths = new ArrayList<>();
        fake.requests.forEach(r -> paths.add(r.path()));
        assertEquals(List.of("/init", "/run", "/run", "/run", "/run"), paths);
        assertEquals(5, fake.accepted.get(), "a connection per answer");
        JsonObject init = JsonParser.parseString(fake.requests.get(0).body()).getAsJsonObject().getAsJsonObject("value");
        assertEquals("greet", init.get("name").getAsString());
        assertEquals("main", init.get("main").getAsString());
        assertTrue(init.get("binary").getAsBoolean());
        assertArrayEquals(CodeArchive.zip(OW_MAIN, 1 << 20), Base64.getDecoder().decode(init.get("code").getAsString()));
        JsonObject run = JsonParser.parseString(fake.requests.get(1).body()).getAsJsonObject();
        assertTrue(run.get("deadline").getAsJsonPrimitive().isString(), "a string, as OpenWhisk's invoker sends it: "
                + run.get("deadline"));
        assertEquals("/vireo/greet", run.get("action_name").getAsString());
        assertEquals("t-1", run.get("activation_id").getAsString());
    }

    @Test
    void aKeptConnectionTheRuntimeClosedWhileIdleIsOpenedAgainWithoutLosingOrRepeatingTheRequest() throws Exception {
        fake = new FakeHttpAgent(r -> r.path().equals("/init") ? FakeHttpAgent.response(200, "{\"ok\":true}")
                : FakeHttpAgent.response(200, "{\"n\":" + JsonParser.parseString(r.body()).getAsJsonObject()
                        .getAsJsonObject("value").get("n") + "}"));
        fake.closeAfterEachAnswer = true; // it says keep-alive (HTTP/1.1), then closes: an idle timeout
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 5_000));
        try (AgentChannel ch = ow.open(endpoint(fake.address(), OW_MAIN, "main", 5_000), "t-0")) {
            for (int i = 1; i <= 3; i++) {
                Thread.sleep(50); // the close reaches this side first
                AgentReply r = await(ch.invoke("t-" + i, "{\"n\":" + i + "}", Duration.ofSeconds(5)));
                assertTrue(r.success(), r.errorMessage());
                assertEquals("{\"n\":" + i + "}", r.result());
            }
        }
        List<String> paths = new ArrayList<>();
        fake.requests.forEach(r -> paths.add(r.path()));
        assertEquals(List.of("/init", "/run", "/run", "/run"), paths, "each request once");
    }

    @Test
    void aStatusOtherThan200IsTheContainerFailingAndA200ThatIsNoObjectFailsTheInvocation() throws Exception {
        fake = new FakeHttpAgent(r -> {
            if (r.path().equals("/init")) {
                return FakeHttpAgent.response(200, "{\"ok\":true}");
            }
            String body = r.body();
            return body.contains("broken") ? FakeHttpAgent.response(502, "{\"error\":\"command exited\"}")
                    : body.contains("list") ? FakeHttpAgent.response(200, "[1,2]")
                    : FakeHttpAgent.response(200, "OK");
        });
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 5_000));
        try (AgentChannel ch = ow.open(endpoint(fake.address(), OW_MAIN, "main", 5_000), "t-0")) {
            AgentReply list = await(ch.invoke("t-1", "{\"list\":1}", Duration.ofSeconds(5)));
            assertFalse(list.success());
            assertEquals("the runtime answered /run with what is not a JSON object: [1,2]", list.errorMessage());
            AgentReply ok = await(ch.invoke("t-2", "{}", Duration.ofSeconds(5)));
            assertFalse(ok.success(), "a bare word is no JSON: " + ok.result());
            ExecutionException broken = assertThrows(ExecutionException.class, () -> ch.invoke("t-3",
                    "{\"broken\":1}", Duration.ofSeconds(5)).toCompletableFuture().get(10, SECONDS));
            assertInstanceOf(IOException.class, broken.getCause());
            assertEquals("the OpenWhisk runtime answered /run with 502: command exited", broken.getCause().getMessage());
        }
    }

    @Test
    void aCodeDirectoryGivenAsALinkIsFollowedAndFilesOthersMayNotReadAreLeftOut() throws Exception {
        Path real = code("def main(args):\n    return {}\n");
        Path secret = real.resolve("secret.txt");
        Files.writeString(secret, "s3cret");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path link = Files.createSymbolicLink(tmp.resolve("linked-code"), real);
        assertEquals(List.of(Path.of("__main__.py")), CodeArchive.files(link));
        assertArrayEquals(CodeArchive.zip(real, 1 << 20), CodeArchive.zip(link, 1 << 20));
    }

    @Test
    void anActivationPastItsTimeoutFails() throws Exception {
        fake = new FakeHttpAgent(r -> {
            if (r.path().equals("/init")) {
                return FakeHttpAgent.response(200, "{\"ok\":true}");
            }
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        OpenWhiskTransport ow = transport(Map.of("connect_timeout_ms", 5_000));
        try (AgentChannel ch = ow.open(endpoint(fake.address(), OW_MAIN, "main", 5_000), "t-0")) {
            var stage = ch.invoke("t-1", "{}", Duration.ofMillis(200));
            ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
        }
    }

    static FunctionSpec spec(String image, String codeDir, String handler, String backend, int concurrency) {
        return new FunctionSpec("greet", "1", image, codeDir, handler, backend, Compute.CPU, "openwhisk", 128, 1,
                Duration.ofSeconds(30), concurrency, ExpectedTimings.UNKNOWN);
    }

    static FunctionSpec spec(String image, String codeDir, String backend, int concurrency) {
        return spec(image, codeDir, codeDir.isEmpty() ? "" : "__main__.main", backend, concurrency);
    }

    @Test
    void registrationRefusesWhatTheProtocolCannotServeNamingTheField() throws Exception {
        OpenWhiskTransport ow = transport(Map.of());
        ow.check(spec("vireo/openwhisk-python3:latest", OW_MAIN.toString(), "containerd", 1));
        ow.check(spec("img", "", "docker", 1)); // an image that carries its action: nothing to send
        assertEquals("image", assertThrows(ValidationException.class,
                () -> ow.check(spec("", OW_MAIN.toString(), "containerd", 1))).field());
        assertEquals("concurrency", assertThrows(ValidationException.class,
                () -> ow.check(spec("img", OW_MAIN.toString(), "docker", 4))).field());
        assertEquals("backend", assertThrows(ValidationException.class,
                () -> ow.check(spec("img", OW_MAIN.toString(), "process", 1))).field());
        Path big = Files.createDirectories(tmp.resolve("big"));
        Files.write(big.resolve("__main__.py"), new byte[101]);
        OpenWhiskTransport small = transport(Map.of("max_code_bytes", 100));
        ValidationException tooBig = assertThrows(ValidationException.class,
                () -> small.check(spec("img", big.toString(), "docker", 1)));
        assertEquals("code", tooBig.field());
        assertTrue(tooBig.getMessage().contains("more than max.code.bytes 100"), tooBig.getMessage());
        Path small80 = Files.createDirectories(tmp.resolve("small"));
        Files.write(small80.resolve("__main__.py"), new byte[10]);
        ValidationException encoded = assertThrows(ValidationException.class,
                () -> small.check(spec("img", small80.toString(), "docker", 1)));
        assertTrue(encoded.getMessage().matches("code: .* is \\d+ bytes zipped and encoded, more than transport"
                + " openwhisk sends to /init \\(max.code.bytes 100\\)"), encoded.getMessage());
        assertEquals("backend", assertThrows(ValidationException.class,
                () -> ow.check(spec("img", OW_MAIN.toString(), "sim", 1))).field());
        assertEquals("handle", OpenWhiskTransport.main(spec("img", OW_MAIN.toString(), "pkg.mod.handle", "docker", 1)));
        assertEquals("main", OpenWhiskTransport.main(spec("img", "", "docker", 1)));
    }

    @Test
    void theCodeArchiveHoldsTheRegularFilesInOrderTheSameBytesEachTime() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("code"));
        Files.writeString(dir.resolve("b.py"), "B");
        Files.createDirectories(dir.resolve("pkg/__pycache__"));
        Files.writeString(dir.resolve("pkg/a.py"), "A");
        Files.writeString(dir.resolve("pkg/__pycache__/a.cpython.pyc"), "compiled");
        Files.createSymbolicLink(dir.resolve("link.py"), dir.resolve("b.py"));
        byte[] zip = CodeArchive.zip(dir, 1 << 20);
        assertArrayEquals(zip, CodeArchive.zip(dir, 1 << 20));
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName() + "=" + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of("b.py=B", "pkg/a.py=A"), names);
        assertEquals(2, CodeArchive.size(dir));
        IOException over = assertThrows(IOException.class, () -> CodeArchive.zip(dir, 1));
        assertTrue(over.getMessage().endsWith("holds more than max.code.bytes 1"), over.getMessage());
    }
}
