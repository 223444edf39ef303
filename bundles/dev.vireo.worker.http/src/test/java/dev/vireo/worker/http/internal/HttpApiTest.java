package dev.vireo.worker.http.internal;

import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeWorker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.testkit.TestTime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The worker's HTTP API on a real JDK HttpServer on a loopback port, in front of an in-memory worker. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpApiTest {
    static final String HELLO = "{\"name\":\"hello\",\"image\":\"vireo/hello:1\",\"memory_mb\":256}";

    TestTime time;
    FakeWorker worker;
    Components.Context context;
    HttpApi api;
    String base;
    HttpClient client;

    @BeforeEach
    void setUp() throws IOException {
        time = new TestTime();
        worker = new FakeWorker();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        start("");
    }

    void start(String token) throws IOException {
        start(token, 1024);
    }

    void start(String token, int maxBody) throws IOException {
        start(token, maxBody, "");
    }

    void start(String token, int maxBody, String namespaceTokens) throws IOException {
        context = new Components.Context();
        api = new HttpApi(context.bundleContext(), worker, time, Components.config(HttpApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0, "max_body_bytes", maxBody, "auth_token", token,
                        "namespace_tokens", namespaceTokens)));
        base = ((WorkerEndpoint) context.registrations.get(0).service()).address();
    }

    @AfterEach
    void tearDown() {
        if (api != null) {
            api.close();
        }
        client.close();
        time.close();
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonElement json(String text) {
        return JsonParser.parseString(text);
    }

    static void assertError(HttpResponse<String> r, int status, String kind) {
        assertEquals(status, r.statusCode(), r.body());
        JsonObject error = json(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertEquals(kind, error.get("kind").getAsString(), r.body());
        assertFalse(error.get("message").getAsString().isBlank());
    }

    static String message(HttpResponse<String> r) {
        return json(r.body()).getAsJsonObject().getAsJsonObject("error").get("message").getAsString();
    }

    void registerHello() throws Exception {
        assertEquals(201, send("POST", "/functions", HELLO).statusCode());
    }

    @Test
    void itAnnouncesWhereItListensAndHealthNamesTheWorker() throws Exception {
        assertEquals(1, context.registrations.size());
        Components.Registration r = context.registrations.get(0);
        WorkerEndpoint endpoint = (WorkerEndpoint) r.service();
        assertEquals("http", endpoint.protocol());
        assertTrue(endpoint.address().matches("http://127\\.0\\.0\\.1:\\d+"), endpoint.address());
        assertEquals(Map.of(WorkerEndpoint.PROTOCOL, "http"), r.properties());

        HttpResponse<String> health = send("GET", "/health", null);
        assertEquals(200, health.statusCode());
        assertEquals("application/json", health.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(json("{\"status\":\"ok\",\"worker\":\"worker-1\"}"), json(health.body()));
    }

    @Test
    void theActivationLogListsNewestFirstAndRefusesBadQueriesByName() throws Exception {
        assertEquals(201, send("POST", "/functions", HELLO).statusCode());
        send("POST", "/functions/hello-1/invoke", "{\"n\":1}", "X-Vireo-Tid", "h-1");
        send("POST", "/functions/hello-1/invoke", "{\"raise\":1}", "X-Vireo-Tid", "h-2");
        HttpResponse<String> all = send("GET", "/activations", null);
        assertEquals(200, all.statusCode(), all.body());
        var o = com.google.gson.JsonParser.parseString(all.body()).getAsJsonObject();
        assertEquals(2, o.get("count").getAsInt());
        assertEquals("h-2", o.getAsJsonArray("activations").get(0).getAsJsonObject().get("tid").getAsString());
        assertEquals("USER_ERROR", o.getAsJsonArray("activations").get(0).getAsJsonObject().getAsJsonObject("error")
                .get("kind").getAsString());
        var ok = com.google.gson.JsonParser.parseString(send("GET",
                "/activations?function=hello-1&status=success&limit=5", null).body()).getAsJsonObject();
        assertEquals(1, ok.get("count").getAsInt());
        HttpResponse<String> one = send("GET", "/activations/h-1", null);
        assertEquals(200, one.statusCode());
        assertEquals("h-1", com.google.gson.JsonParser.parseString(one.body()).getAsJsonObject().get("tid").getAsString());
        assertEquals(404, send("GET", "/activations/nope", null).statusCode());
        assertEquals(405, send("POST", "/activations", "{}").statusCode());
        // a function's result that is not JSON cannot break or forge the list: it reads as the live answer does
        worker.result = "1,\"success\":true}, {\"tid\":\"forged\"";
        send("POST", "/functions/hello-1/invoke", "{}", "X-Vireo-Tid", "h-3");
        var forged = com.google.gson.JsonParser.parseString(send("GET", "/activations", null).body()).getAsJsonObject();
        assertEquals(3, forged.get("count").getAsInt());
        var h3 = forged.getAsJsonArray("activations").get(0).getAsJsonObject();
        assertEquals("h-3", h3.get("tid").getAsString());
        assertEquals("USER_ERROR", h3.getAsJsonObject("error").get("kind").getAsString());
        worker.result = null;
        for (var bad : java.util.Map.of("?limit=1001", "limit: 1001 must be 1-1000",
                "?status=failed", "status: 'failed' is not one of any, success, error",
                "?since=today", "since: 'today' is not an ISO-8601 instant (e.g. 2026-12-01T03:00:00Z)",
                "?limit=ten", "limit: 'ten' is not an integer (1-1000)",
                "?fn=hello-1", "fn: is not a parameter of /activations (function, since, until, status, limit)").entrySet()) {
            HttpResponse<String> r = send("GET", "/activations" + bad.getKey(), null);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains(bad.getValue()), r.body());
        }
    }

    @Test
    void registerAnswers201WithTheSpecAsTheWorkerRegisteredIt() throws Exception {
        HttpResponse<String> r = send("POST", "/functions", HELLO);

        assertEquals(201, r.statusCode(), r.body());
        FunctionSpec sent = new FunctionSpec("hello", "1", "vireo/hello:1", "", "", "", Compute.CPU, "uds", 256, 1.0,
                Duration.ofMillis(60_000), 1, ExpectedTimings.UNKNOWN);
        assertEquals(List.of("register " + sent), worker.calls);
        JsonObject answer = json(r.body()).getAsJsonObject();
        assertEquals("hello-1", answer.get("id").getAsString());
        assertEquals("sim", answer.get("backend").getAsString(), "the worker's answer, not the request echoed");
        assertEquals(Json.spec(worker.functions().get(0)), answer);
    }

    @Test
    void registeringATakenIdIs409() throws Exception {
        registerHello();
        assertError(send("POST", "/functions", HELLO), 409, "ALREADY_EXISTS");
    }

    @Test
    void functionsAreListedAndFetchedById() throws Exception {
        registerHello();
        assertEquals(201, send("POST", "/functions", "{\"name\":\"resize\",\"version\":\"2\",\"image\":\"vireo/r\"}")
                .statusCode());

        HttpResponse<String> list = send("GET", "/functions", null);
        assertEquals(200, list.statusCode());
        assertEquals(json("[" + Json.spec(worker.functions().get(0)) + "," + Json.spec(worker.functions().get(1)) + "]"),
                json(list.body()));
        HttpResponse<String> one = send("GET", "/functions/resize-2", null);
        assertEquals(200, one.statusCode());
        assertEquals("resize-2", json(one.body()).getAsJsonObject().get("id").getAsString());
        assertError(send("GET", "/functions/nope-1", null), 404, "UNKNOWN_FUNCTION");
    }

    @Test
    void invokeAnswersTheFunctionsResultAndTheTid() throws Exception {
        registerHello();
        HttpResponse<String> r = send("POST", "/functions/hello-1/invoke", "{\"x\":1}", "X-Vireo-Tid", "my-tid.1");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("{\"echo\":{\"x\":1}}"), json(r.body()));
        assertEquals("my-tid.1", r.headers().firstValue("X-Vireo-Tid").orElseThrow());
        assertEquals("invoke my-tid.1 hello-1 {\"x\":1}", worker.calls.get(1));
    }

    @Test
    void invokeWithoutATidOrAPayload() throws Exception {
        registerHello();
        HttpResponse<String> r = send("POST", "/functions/hello-1/invoke", null);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("{\"echo\":null}"), json(r.body()));
        assertEquals("worker-1-7", r.headers().firstValue("X-Vireo-Tid").orElseThrow(), "the worker's tid");
        assertEquals("invoke null hello-1 ", worker.calls.get(1));
    }

    @Test
    void enhancedInvokeAnswersTheRecordByQueryOrHeader() throws Exception {
        registerHello();
        JsonElement expected = json("""
                {"tid":"t-9","function":"hello-1","worker":"worker-1","backend":"sim","state":"warm",
                 "arrival":"2026-11-22T20:50:13.646Z","success":true,"result":{"echo":[1,2]},
                 "timings":{"queued_us":148,"acquire_us":1190,"cold_start_us":0,"transport_us":233,
                            "execution_us":2000,"e2e_us":3632,"overhead_us":1632,"cpu_wait_us":-1,"cpu_time_us":-1,
                            "energy_uj":-1}}""");

        HttpResponse<String> byQuery = send("POST", "/functions/hello-1/invoke?enhanced=true", "[1,2]",
                "X-Vireo-Tid", "t-9");
        assertEquals(200, byQuery.statusCode(), byQuery.body());
        assertEquals(expected, json(byQuery.body()));
        HttpResponse<String> byHeader = send("POST", "/functions/hello-1/invoke", "[1,2]", "X-Vireo-Tid", "t-9",
                "X-Vireo-Enhanced", "TRUE");
        assertEquals(expected, json(byHeader.body()));
        HttpResponse<String> notEnhanced = send("POST", "/functions/hello-1/invoke?enhanced=false", "[1,2]");
        assertEquals(json("{\"echo\":[1,2]}"), json(notEnhanced.body()));
    }

    @Test
    void aFunctionsErrorIs502WithItsKindAndEnhancedWithTheRecord() throws Exception {
        registerHello();
        HttpResponse<String> plain = send("POST", "/functions/hello-1/invoke", "{\"raise\":1}");
        assertEquals(502, plain.statusCode());
        assertEquals(json("{\"error\":{\"kind\":\"USER_ERROR\",\"message\":\"ValueError: bad\"}}"), json(plain.body()));

        HttpResponse<String> enhanced = send("POST", "/functions/hello-1/invoke?enhanced=true", "{\"raise\":1}");
        assertEquals(502, enhanced.statusCode());
        JsonObject record = json(enhanced.body()).getAsJsonObject();
        assertFalse(record.get("success").getAsBoolean());
        assertEquals(json("{\"kind\":\"USER_ERROR\",\"message\":\"ValueError: bad\","
                + "\"detail\":\"Traceback (most recent call last):\\nValueError: bad\"}"), record.get("error"));
    }

    @Test
    void anEnhancedRecordCarriesWhatTheFunctionPrintedAndAPlainAnswerDoesNot() throws Exception {
        registerHello();
        for (String payload : new String[] {"{\"print\":1}", "{\"print\":1,\"raise\":1}"}) {
            HttpResponse<String> enhanced = send("POST", "/functions/hello-1/invoke?enhanced=true", payload);
            assertEquals(json("{\"stdout\":\"printed " + payload.replace("\"", "\\\"")
                    + "\\n\",\"stderr\":\"warning ✓\\n\",\"truncated\":false}"),
                    json(enhanced.body()).getAsJsonObject().get("output"), enhanced.body());
            assertFalse(send("POST", "/functions/hello-1/invoke", payload).body().contains("printed"));
        }
    }

    @Test
    void invokingAnUnknownFunctionIs404() throws Exception {
        HttpResponse<String> r = send("POST", "/functions/nope-1/invoke", "{}");
        assertError(r, 404, "UNKNOWN_FUNCTION");
        assertEquals("function nope-1 is not registered", message(r));
    }

    @Test
    void aWrongMethodIs405NamingIt() throws Exception {
        HttpResponse<String> put = send("PUT", "/functions", HELLO);
        assertError(put, 405, "INVALID_REQUEST");
        assertTrue(message(put).contains("PUT"), message(put));
        HttpResponse<String> get = send("GET", "/functions/hello-1/invoke", null);
        assertError(get, 405, "INVALID_REQUEST");
        assertTrue(message(get).contains("GET"), message(get));
        assertTrue(worker.calls.isEmpty(), worker.calls.toString());
    }

    @Test
    void malformedJsonIs400AndReachesNoWorker() throws Exception {
        HttpResponse<String> register = send("POST", "/functions", "{\"name\": \"hello\",");
        assertError(register, 400, "INVALID_REQUEST");
        assertEquals("body: not valid JSON: unterminated object at line 1,"
                + " column 18", message(register));
        registerHello();
        HttpResponse<String> invoke = send("POST", "/functions/hello-1/invoke", "{x:1}");
        assertError(invoke, 400, "INVALID_REQUEST");
        assertEquals("payload: not valid JSON: unexpected 'x', expected a key in double quotes at line 1, column 2",
                message(invoke));
        assertEquals(1, worker.calls.size(), "only the valid registration: " + worker.calls);
    }

    @Test
    void aSpecTheModelRefusesIs400() throws Exception {
        assertError(send("POST", "/functions", "{\"name\":\"Not_A_Name\",\"image\":\"x\"}"), 400, "INVALID_REQUEST");
        assertError(send("POST", "/functions", "{\"name\":\"a\",\"image\":\"x\",\"compute\":\"tpu\"}"), 400,
                "INVALID_REQUEST");
        assertTrue(worker.calls.isEmpty(), worker.calls.toString());
    }

    @Test
    void namesWithUnderscoresUpTo63CharactersRegisterAndLongerOnesAre400OnTheNameField() throws Exception {
        String longest = "a_long_function_name_with_underscores_that_takes_63_characters_";
        assertEquals(63, longest.length());
        assertEquals(201, send("POST", "/functions", "{\"name\":\"" + longest + "\",\"image\":\"x\"}").statusCode());
        assertEquals(201, send("POST", "/functions", "{\"name\":\"x--y\",\"image\":\"x\"}").statusCode());
        HttpResponse<String> tooLong = send("POST", "/functions", "{\"name\":\"" + longest + "x\",\"image\":\"x\"}");
        assertError(tooLong, 400, "INVALID_REQUEST");
        assertTrue(message(tooLong).startsWith("name: "), message(tooLong));
        assertEquals(2, worker.calls.size(), worker.calls.toString());
    }

    @Test
    void anUnknownEndpointIs404() throws Exception {
        assertError(send("GET", "/nothing/here", null), 404, "NOT_FOUND");
        registerHello();
        assertError(send("POST", "/functions/hello-1/explode", null), 404, "NOT_FOUND");
    }

    @Test
    void aBodyOverMaxBodyBytesIs413() throws Exception {
        registerHello();
        HttpResponse<String> r = send("POST", "/functions/hello-1/invoke", "\"" + "x".repeat(2_000) + "\"");
        assertError(r, 413, "INVALID_REQUEST");
        assertEquals(1, worker.calls.size(), worker.calls.toString());
    }

    @Test
    void putReplacesARegistrationInPlaceAndAnswersSecretsByNameOnly() throws Exception {
        registerHello();
        String next = "{\"name\":\"hello\",\"image\":\"vireo/hello:2\",\"env\":{\"MODE\":\"prod\"},"
                + "\"parameters\":{\"n\":1},\"secrets\":{\"TOKEN\":\"s3cret\"}}";
        HttpResponse<String> r = send("PUT", "/functions/hello-1", next);
        assertEquals(200, r.statusCode(), r.body());
        JsonObject answer = json(r.body()).getAsJsonObject();
        assertEquals("vireo/hello:2", answer.get("image").getAsString());
        assertEquals(json("[\"TOKEN\"]"), answer.get("secrets"));
        assertEquals(json("{\"n\":1}"), answer.get("parameters"));
        assertEquals("s3cret", worker.functions().get(0).config().secrets().get("TOKEN"), "the worker has the value");
        for (String path : List.of("/functions", "/functions/hello-1")) {
            HttpResponse<String> read = send("GET", path, null);
            assertEquals(200, read.statusCode());
            assertTrue(read.body().contains("TOKEN") && !read.body().contains("s3cret"), read.body());
        }
        assertError(send("PUT", "/functions/other-1", next), 400, "INVALID_REQUEST");
        assertEquals("name: the body registers hello-1 (name and version), not other-1 as the path says",
                message(send("PUT", "/functions/other-1", next)));
        assertError(send("PUT", "/functions/nope-1", "{\"name\":\"nope\",\"image\":\"x\"}"), 404,
                "UNKNOWN_FUNCTION");
        assertError(send("PUT", "/functions/hello-1", "{\"name\":\"hello\",\"image\":\"x\",\"env\":{\"VIREO_X\":\"1\"}}"),
                400, "INVALID_REQUEST");
        assertEquals("vireo/hello:2", worker.functions().get(0).image(), "a refused update changes nothing");
    }

    @Test
    void aTraceparentHeaderIsHandedToTheWorkerAndAMalformedOneIsNoTraceNotAnError() throws Exception {
        registerHello();
        String header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assertEquals(200, send("POST", "/functions/hello-1/invoke", "{}", "traceparent", header).statusCode());
        assertEquals(202, send("POST", "/functions/hello-1/invoke-async", "{}", "traceparent", header).statusCode());
        assertEquals(200, send("POST", "/functions/hello-1/invoke", "{}", "traceparent", "00-XYZ").statusCode());
        assertEquals(200, send("POST", "/functions/hello-1/invoke", "{}").statusCode());
        assertEquals(List.of(header, header, "none", "none"), worker.traces);
    }

    @Test
    void openFaasRoutesInvokeByNameTakeTextAndAnswerWithTheCallId() throws Exception {
        registerHello();
        HttpResponse<String> json = send("POST", "/function/hello", "{\"n\":1}");
        assertEquals(200, json.statusCode(), json.body());
        assertEquals("{\"echo\":{\"n\":1}}", json.body());
        String callId = json.headers().firstValue("X-Call-Id").orElseThrow();
        assertTrue(json.headers().firstValue("X-Duration-Seconds").isPresent());
        assertEquals("invoke " + callId + " hello-1 {\"n\":1}", worker.calls.get(worker.calls.size() - 1));
        HttpResponse<String> text = send("POST", "/function/hello-1", "plain text, not JSON", "X-Call-Id", "call-7");
        assertEquals("{\"echo\":\"plain text, not JSON\"}", text.body(), "a text body is a JSON string");
        assertEquals("call-7", text.headers().firstValue("X-Call-Id").orElseThrow());
        assertEquals(200, send("GET", "/function/hello", null).statusCode(), "GET: no payload");
        assertError(send("POST", "/function/nope", "{}"), 404, "UNKNOWN_FUNCTION");
        assertError(send("DELETE", "/function/hello", null), 405, "INVALID_REQUEST");
        int calls = worker.calls.size();
        assertEquals(405, send("HEAD", "/function/hello", null).statusCode());
        assertEquals(calls, worker.calls.size(), "a HEAD runs nothing");
        assertEquals("{\"echo\":\"42\"}", send("POST", "/function/hello", "42", "Content-Type", "text/plain").body(),
                "declared text is text");
        assertError(send("POST", "/function/hello", "{\"a\":1,\"a\":2}", "Content-Type", "application/json"), 400,
                "INVALID_REQUEST");
        assertEquals(201, send("POST", "/functions", "{\"name\":\"hello\",\"version\":\"2\",\"image\":\"x\"}")
                .statusCode());
        HttpResponse<String> two = send("POST", "/function/hello", "{}");
        assertError(two, 400, "INVALID_REQUEST");
        assertEquals("name: several versions of hello are registered (hello-1, hello-2): name one by its id, e.g."
                + " /function/hello-2", message(two));
    }

    @Test
    void anAsyncFunctionAnswers202AndPostsItsResultToTheCallback() throws Exception {
        registerHello();
        java.util.concurrent.LinkedBlockingQueue<String[]> calls = new java.util.concurrent.LinkedBlockingQueue<>();
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/done", ex -> {
            calls.add(new String[] {ex.getRequestHeaders().getFirst("X-Call-Id"),
                ex.getRequestHeaders().getFirst("X-Function-Status"), ex.getRequestHeaders().getFirst("X-Function-Name"),
                new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)});
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
        try {
            String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/done";
            HttpResponse<String> r = send("POST", "/async-function/hello", "{\"n\":2}", "X-Callback-Url", url);
            assertEquals(202, r.statusCode(), r.body());
            String callId = r.headers().firstValue("X-Call-Id").orElseThrow();
            String[] got = calls.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(List.of(callId, "200", "hello-1", "{\"echo\":{\"n\":2}}"), List.of(got));
            send("POST", "/async-function/hello", "\"raise\"", "X-Callback-Url", url);
            got = calls.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("502", got[1], "the function's error, with its status");
            assertTrue(got[3].contains("USER_ERROR"), got[3]);
            assertEquals(202, send("POST", "/async-function/hello", "{}").statusCode(), "no callback: the log has it");
            HttpResponse<String> bad = send("POST", "/async-function/hello", "{}", "X-Callback-Url", "ftp://x/y");
            assertError(bad, 400, "INVALID_REQUEST");
            assertEquals("X-Callback-Url: 'ftp://x/y' is not an absolute http(s) URL", message(bad));
            assertError(send("POST", "/async-function/nope", "{}", "X-Callback-Url", url), 404, "UNKNOWN_FUNCTION");
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void unregisterRemovesTheFunction() throws Exception {
        registerHello();
        HttpResponse<String> r = send("DELETE", "/functions/hello-1", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("{\"unregistered\":\"hello-1\"}"), json(r.body()));
        assertTrue(worker.functions().isEmpty());
        assertError(send("DELETE", "/functions/hello-1", null), 404, "UNKNOWN_FUNCTION");
    }

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void eachRejectionKindHasItsDocumentedStatus(ErrorKind kind) throws Exception {
        Map<ErrorKind, Integer> documented = Map.ofEntries(Map.entry(ErrorKind.INVALID_REQUEST, 400),
                Map.entry(ErrorKind.UNKNOWN_FUNCTION, 404), Map.entry(ErrorKind.ALREADY_EXISTS, 409),
                Map.entry(ErrorKind.OVERLOADED, 429), Map.entry(ErrorKind.USER_ERROR, 502),
                Map.entry(ErrorKind.TIMEOUT, 504), Map.entry(ErrorKind.OUT_OF_MEMORY, 502),
                Map.entry(ErrorKind.CONTAINER_FAILED, 502), Map.entry(ErrorKind.START_FAILED, 503),
                Map.entry(ErrorKind.NO_RESOURCES, 503), Map.entry(ErrorKind.CANCELLED, 503),
                Map.entry(ErrorKind.UNREACHABLE, 503), Map.entry(ErrorKind.FORBIDDEN, 403),
                Map.entry(ErrorKind.INTERNAL, 500));
        worker.refuseUnregister = kind;
        HttpResponse<String> r = send("DELETE", "/functions/hello-1", null);
        assertError(r, documented.get(kind), kind.name());
        assertEquals("refused: " + kind, message(r));
        int status = documented.get(kind);
        assertEquals(status == 429 || status == 503 ? java.util.Optional.of("1") : java.util.Optional.empty(),
                r.headers().firstValue("Retry-After"), "a client may retry a 429 or 503 after a second");
    }

    @Test
    void aBugInTheWorkerIs500NotADroppedConnection() throws Exception {
        worker.statusFails = new IllegalStateException("boom");
        HttpResponse<String> r = send("GET", "/status", null);
        assertError(r, 500, "INTERNAL");
        assertTrue(message(r).contains("boom"), message(r));
    }

    @Test
    void asyncInvocationAnswers202WithWhereToPollThenTheRecord() throws Exception {
        registerHello();
        HttpResponse<String> r = send("POST", "/functions/hello-1/invoke-async", "7", "X-Vireo-Tid", "a-1");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals(json("{\"id\":\"a-1\"}"), json(r.body()));
        assertEquals("/invocations/a-1", r.headers().firstValue("Location").orElseThrow());
        assertEquals("a-1", r.headers().firstValue("X-Vireo-Tid").orElseThrow());

        HttpResponse<String> result = send("GET", "/invocations/a-1", null);
        assertEquals(200, result.statusCode(), result.body());
        JsonObject o = json(result.body()).getAsJsonObject();
        assertEquals("a-1", o.get("id").getAsString());
        assertTrue(o.get("done").getAsBoolean());
        assertEquals(json(Json.recordText(FakeWorker.record("a-1", "hello-1", "7"))), o.get("record"));
        assertError(send("GET", "/invocations/zzz", null), 404, "UNKNOWN_FUNCTION");
    }

    @Test
    void prewarmSaysHowManyStarted() throws Exception {
        registerHello();
        HttpResponse<String> r = send("POST", "/functions/hello-1/prewarm", "{\"count\":3}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("{\"function\":\"hello-1\",\"requested\":3,\"started\":2}"), json(r.body()));
        assertEquals(200, send("POST", "/functions/hello-1/prewarm", null).statusCode());
        assertEquals(List.of("prewarm hello-1 3", "prewarm hello-1 1"), worker.calls.subList(1, 3),
                "an empty body asks for one");
    }

    @Test
    void statusIsTheWorkersStatus() throws Exception {
        HttpResponse<String> r = send("GET", "/status", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(Json.status(FakeWorker.STATUS), json(r.body()));
    }

    @Test
    void settingsAreTheNodesConfigurationAndItsWorkers() throws Exception {
        assertError(send("GET", "/settings", null), 400, "INVALID_REQUEST");
        worker.settings = new dev.vireo.api.worker.NodeSettings("ctl", "controller",
                Map.of("vireo.controller", Map.of("heartbeat.ms", "500")), Map.of("balancer", "ch-bl"), Map.of(),
                List.of(new dev.vireo.api.worker.NodeSettings("w1", "worker", Map.of("vireo.worker.http",
                        Map.of("auth.token", "s3cret")), Map.of("queue", "sjf"), Map.of("cpu", 2.0), List.of())));
        HttpResponse<String> r = send("GET", "/settings", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("{\"node\":\"ctl\",\"role\":\"controller\",\"configuration\":{\"vireo.controller\":"
                + "{\"heartbeat.ms\":\"500\"}},\"policies\":{\"balancer\":\"ch-bl\"},\"capacities\":{},"
                + "\"workers\":[{\"node\":\"w1\",\"role\":\"worker\",\"configuration\":{\"vireo.worker.http\":"
                + "{\"auth.token\":\"(redacted)\"}},\"policies\":{\"queue\":\"sjf\"},\"capacities\":{\"cpu\":2.0},"
                + "\"workers\":[]}]}"), json(r.body()));
        assertFalse(r.body().contains("s3cret"), "a secret is redacted whoever made the settings");
        assertError(send("POST", "/settings", "{}"), 405, "INVALID_REQUEST");
    }

    @Test
    void anEstimateIsTheWorkersAndAnUnknownFunctionIsNotFound() throws Exception {
        assertEquals(201, send("POST", "/functions", "{\"name\":\"hello\",\"image\":\"vireo/hello\"}").statusCode());
        HttpResponse<String> r = send("GET", "/functions/hello-1/estimate", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("{\"function\":\"hello-1\",\"worker\":\"worker-1\",\"state\":\"cold\",\"queue_us\":4000,"
                + "\"cold_start_us\":300000,\"execution_us\":2000,\"e2e_us\":306000,\"ahead\":2,\"running\":1}"),
                json(r.body()));
        assertError(send("GET", "/functions/nope-1/estimate", null), 404, "UNKNOWN_FUNCTION");
        assertError(send("POST", "/functions/hello-1/estimate", "{}"), 405, "INVALID_REQUEST");
    }

    @Test
    void aPolicyIsPutInForceAtAPoint() throws Exception {
        HttpResponse<String> r = send("PUT", "/policies/queue", "{\"use\":\"sjf\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("{\"policies\":{\"queue\":\"sjf\"}}"), json(r.body()));
        assertEquals(List.of("use queue sjf"), worker.calls);
        HttpResponse<String> point = send("PUT", "/policies/dag", "{\"use\":\"heft\"}");
        assertError(point, 400, "INVALID_REQUEST");
        assertTrue(point.body().contains("point: 'dag' is not a point"), point.body());
        HttpResponse<String> missing = send("PUT", "/policies/queue", "{}");
        assertError(missing, 400, "INVALID_REQUEST");
        assertTrue(missing.body().contains("use: a plugin's name is required"), missing.body());
        assertError(send("PUT", "/policies/queue", "[1]"), 400, "INVALID_REQUEST");
        assertError(send("GET", "/policies/queue", null), 405, "INVALID_REQUEST");
        assertError(send("PUT", "/policies", "{\"use\":\"sjf\"}"), 404, "NOT_FOUND");
    }

    @Test
    void noMetricsExporterIs503() throws Exception {
        assertError(send("GET", "/metrics", null), 503, "UNAVAILABLE");
    }

    @Test
    void aConfiguredTokenIsRequiredEverywhereButHealth() throws Exception {
        api.close();
        start("s3cret");
        registerWithToken();

        assertError(send("GET", "/functions", null), 401, "UNAUTHORIZED");
        assertError(send("GET", "/functions", null, "Authorization", "Bearer wrong"), 401, "UNAUTHORIZED");
        assertError(send("GET", "/functions", null, "Authorization", "s3cret"), 401, "UNAUTHORIZED");
        assertError(send("POST", "/functions/hello-1/invoke", "{}"), 401, "UNAUTHORIZED");
        HttpResponse<String> ok = send("GET", "/functions", null, "Authorization", "Bearer s3cret");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(1, json(ok.body()).getAsJsonArray().size());
        assertEquals(200, send("GET", "/health", null).statusCode());
        assertEquals(1, worker.calls.size(), "the refused invocation reached no worker: " + worker.calls);
    }

    @Test
    void aNamespacesTokenActsInItsNamespaceOnlyOverHttpAsOverGrpc() throws Exception {
        api.close();
        api = null;
        assertThrows(IllegalArgumentException.class, () -> start("", 1024, "team-a:team-a-token-0123456789"));
        start("node-token-0123456789", 4096, "team-a:team-a-token-0123456789");
        String[] teamA = {"Authorization", "Bearer team-a-token-0123456789"};
        String[] node = {"Authorization", "Bearer node-token-0123456789"};
        HttpResponse<String> mine = send("POST", "/functions", HELLO, teamA);
        assertEquals(201, mine.statusCode(), mine.body());
        assertEquals("team-a:hello-1", json(mine.body()).getAsJsonObject().get("id").getAsString());
        assertEquals("team-a", json(mine.body()).getAsJsonObject().get("namespace").getAsString());
        assertEquals(201, send("POST", "/functions", HELLO, node).statusCode());
        assertEquals(1, json(send("GET", "/functions", null, teamA).body()).getAsJsonArray().size());
        assertEquals(2, json(send("GET", "/functions", null, node).body()).getAsJsonArray().size());
        assertEquals(1, json(send("GET", "/functions", null, "Authorization", "Bearer node-token-0123456789",
                "X-Vireo-Namespace", "team-a").body()).getAsJsonArray().size(), "the node's token acting as team-a");
        assertEquals(200, send("POST", "/functions/team-a:hello-1/invoke", "{}", teamA).statusCode());
        HttpResponse<String> put = send("PUT", "/functions/team-a:hello-1", HELLO, teamA);
        assertEquals(200, put.statusCode(), "the body lands in the caller's namespace, as a registration: " + put.body());
        HttpResponse<String> elsewhere = send("PUT", "/functions/team-a:hello-1", HELLO, node);
        assertError(elsewhere, 400, "INVALID_REQUEST");
        assertTrue(message(elsewhere).startsWith("namespace: the body registers hello-1"), message(elsewhere));
        assertEquals(200, send("POST", "/function/hello", "{}", node).statusCode(), "a name means the default"
                + " namespace's function for the node's token, not team-a's as well");
        assertEquals(200, send("POST", "/function/hello", "{}", teamA).statusCode());
        assertTrue(worker.calls.stream().anyMatch(c -> c.startsWith("invoke") && c.contains(" team-a:hello-1 ")),
                worker.calls.toString());
        assertError(send("POST", "/functions/hello-1/invoke", "{}", teamA), 404, "UNKNOWN_FUNCTION");
        assertError(send("DELETE", "/functions/hello-1", null, teamA), 404, "UNKNOWN_FUNCTION");
        HttpResponse<String> other = send("POST", "/functions",
                HELLO.replace("{", "{\"namespace\":\"team-b\","), teamA);
        assertError(other, 400, "INVALID_REQUEST");
        assertTrue(message(other).startsWith("namespace: 'team-b' is not the caller's namespace"), message(other));
        for (String path : List.of("/settings", "/metrics", "/workers", "/dags")) {
            assertError(send("GET", path, null, teamA), 403, "FORBIDDEN");
        }
        assertError(send("PUT", "/policies/queue", "{\"use\":\"fcfs\"}", teamA), 403, "FORBIDDEN");
        assertError(send("GET", "/functions", null, "Authorization", "Bearer team-a-token-0123456789",
                "X-Vireo-Namespace", "team-b"), 403, "FORBIDDEN");
        assertError(send("GET", "/functions", null, "Authorization", "Bearer team-b-token-0123456789"), 401,
                "UNAUTHORIZED");
        assertEquals(200, send("GET", "/health", null).statusCode());
    }

    @Test
    void withACertificateTheApiServesHttpsOnlyAndABadFileIsRefusedNamingItsKey(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        api.close();
        api = null;
        dev.vireo.testkit.TestCertificates.Pem pem = dev.vireo.testkit.TestCertificates.selfSigned(dir);
        context = new Components.Context();
        api = new HttpApi(context.bundleContext(), worker, time, Components.config(HttpApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0, "tls_cert_file", pem.cert().toString(), "tls_key_file",
                        pem.key().toString())));
        base = ((WorkerEndpoint) context.registrations.get(0).service()).address();
        assertTrue(base.startsWith("https://127.0.0.1:"), base);
        try (HttpClient trusting = HttpClient.newBuilder().sslContext(dev.vireo.api.tls.PemTls.client("ca",
                pem.cert())).build()) {
            HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(201, trusting.send(HttpRequest.newBuilder(URI.create(base + "/functions"))
                    .POST(HttpRequest.BodyPublishers.ofString(HELLO)).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
        }
        assertThrows(IOException.class, () -> send("GET", "/health", null), "the JDK's own trust refuses it");
        URI plain = URI.create(base.replace("https://", "http://") + "/health");
        assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(plain).build(),
                HttpResponse.BodyHandlers.ofString()), "no plain HTTP on a TLS port");

        java.nio.file.Path notPem = java.nio.file.Files.writeString(dir.resolve("bad.pem"), "not a certificate");
        dev.vireo.testkit.TestCertificates.Pem other = dev.vireo.testkit.TestCertificates.selfSigned(dir.resolve("b"));
        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of("tls_cert_file", pem.cert().toString(), "tls_key_file", other.key().toString()),
                Map.of("tls_cert_file", pem.cert().toString()),
                Map.of("tls_cert_file", notPem.toString(), "tls_key_file", pem.key().toString()),
                Map.of("tls_cert_file", pem.cert().toString(), "tls_key_file", pem.cert().toString()))) {
            Map<String, Object> config = new java.util.HashMap<>(Map.of("bind", "127.0.0.1", "port", 0));
            config.putAll(bad);
            dev.vireo.api.model.ValidationException e = assertThrows(dev.vireo.api.model.ValidationException.class,
                    () -> new HttpApi(new Components.Context().bundleContext(), worker, time,
                            Components.config(HttpApi.Config.class, config)), bad.toString());
            assertTrue(e.field().startsWith("tls."), e.getMessage());
        }
    }

    private void registerWithToken() throws Exception {
        HttpResponse<String> r = send("POST", "/functions", HELLO, "Authorization", "Bearer s3cret");
        assertEquals(201, r.statusCode(), r.body());
    }

    @Test
    void closingUnregistersTheEndpointAndStopsListening() throws Exception {
        api.close();
        api = null;
        assertTrue(context.registrations.get(0).unregistered().get());
        assertThrows(IOException.class, () -> send("GET", "/health", null));
    }

    HttpResponse<String> sendBytes(String path, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPayloadThatIsNotStrictUtf8JsonIs400NamingThePayloadAndNeverRuns() throws Exception {
        registerHello();
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("NaN", "payload: not valid JSON: NaN and Infinity are not JSON numbers at line 1, column 1");
        cases.put("{\"a\":1,\"a\":2}", "payload: not valid JSON: duplicate key \"a\" at line 1, column 8");
        cases.put("\"\\ud800\"", "payload: not valid JSON: lone surrogate U+D800 (not valid Unicode) at line 1, column 8");
        cases.put("{} x", "payload: not valid JSON: text after the JSON value at line 1, column 4");
        cases.put("[".repeat(129) + "]".repeat(129), "payload: not valid JSON: nested deeper than 128 arrays and objects"
                + " at line 1, column 129");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> r = send("POST", "/functions/hello-1/invoke", c.getKey());
            assertError(r, 400, "INVALID_REQUEST");
            assertEquals(c.getValue(), message(r));
        }
        HttpResponse<String> invalid = sendBytes("/functions/hello-1/invoke", new byte[] {'"', (byte) 0xff, '"'});
        assertError(invalid, 400, "INVALID_REQUEST");
        assertEquals("payload: invalid UTF-8 at byte 1 (0xFF)", message(invalid));
        // an overlong '"' (C0 A2) and an encoded surrogate (ED A0 80)
        assertError(sendBytes("/functions/hello-1/invoke", new byte[] {'"', (byte) 0xC0, (byte) 0xA2}), 400,
                "INVALID_REQUEST");
        assertError(sendBytes("/functions/hello-1/invoke-async", new byte[] {'"', (byte) 0xED, (byte) 0xA0,
                (byte) 0x80, '"'}), 400, "INVALID_REQUEST");
        assertError(sendBytes("/functions", new byte[] {'{', (byte) 0xff, '}'}), 400, "INVALID_REQUEST");
        assertEquals(1, worker.calls.size(), "only the registration: " + worker.calls);
    }

    @Test
    void nestingTenThousandDeepIs400NotACrash() throws Exception {
        api.close();
        start("", 1 << 20);
        registerHello();
        HttpResponse<String> r = send("POST", "/functions/hello-1/invoke", "[".repeat(10_000) + "]".repeat(10_000));
        assertError(r, 400, "INVALID_REQUEST");
        assertError(send("POST", "/functions", "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000)), 400,
                "INVALID_REQUEST");
    }

    @Test
    void numbersInRegistrationsAndPrewarmAreExactAndNamedAsSent() throws Exception {
        HttpResponse<String> r = send("POST", "/functions", HELLO.replace("256", "128.9"));
        assertError(r, 400, "INVALID_REQUEST");
        assertEquals("memory_mb: 128.9 is not an integer", message(r));
        r = send("POST", "/functions", HELLO.replace("256", "1e12"));
        assertEquals("memory_mb: 1e12 is out of range [16, 65536] MB", message(r));
        r = send("POST", "/functions", HELLO.replace("256", "256,\"memory_mb\":512"));
        assertEquals("body: not valid JSON: duplicate key \"memory_mb\" at line 1, column 57", message(r));
        r = send("POST", "/functions", HELLO.replace("256", "8"));
        assertEquals("memory_mb: 8 is out of range [16, 65536] MB", message(r), "the model's message, same spelling");
        r = send("POST", "/functions", HELLO.replace("}", ",\"timeout_ms\":0.5}"));
        assertEquals("timeout_ms: 0.5 is not an integer", message(r));
        registerHello();
        r = send("POST", "/functions/hello-1/prewarm", "{\"count\":1.5}");
        assertError(r, 400, "INVALID_REQUEST");
        assertEquals("count: 1.5 is not an integer", message(r));
        assertEquals("count: 1e3000 is out of range [1, 1000] containers",
                message(send("POST", "/functions/hello-1/prewarm", "{\"count\":1e3000}")));
        assertEquals(1, worker.calls.size(), worker.calls.toString());
    }

    @Test
    void aResultGoesBackByteForByte() throws Exception {
        registerHello();
        String result = "{\"big\":1e400,\"n\":-0,\"x\":1.0,\"long\":" + "7".repeat(5000)
                + ",\"s\":\"\\ud83d\\ude00 é \\u00e9\",\"nested\":[[[]]]}";
        worker.result = result;
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(base + "/functions/hello-1/invoke"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals(result, new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
        HttpResponse<String> enhanced = send("POST", "/functions/hello-1/invoke?enhanced=true", "{}");
        assertTrue(enhanced.body().contains("\"result\":" + result + ","), enhanced.body());
    }

    @Test
    void aResultThatIsNotStrictJsonFailsAsAUserError() throws Exception {
        registerHello();
        for (String bad : new String[] {"NaN", "{\"x\":Infinity}", "\"\\ud800\"", "not json", "{\"a\":1,\"a\":2}"}) {
            worker.result = bad;
            HttpResponse<String> r = send("POST", "/functions/hello-1/invoke", "{}");
            assertError(r, 502, "USER_ERROR");
            assertTrue(message(r).startsWith("the function returned a result that cannot be passed on unchanged:"
                    + " result: not valid JSON: "), message(r));
            JsonObject record = json(send("POST", "/functions/hello-1/invoke?enhanced=true", "{}").body())
                    .getAsJsonObject();
            assertFalse(record.get("success").getAsBoolean());
            assertEquals("USER_ERROR", record.getAsJsonObject("error").get("kind").getAsString());
        }
    }

    @Test
    void anEmptyPathSegmentIsAMissingIdNotAnotherEndpoint() throws Exception {
        HttpResponse<String> r = send("POST", "/functions//invoke", "{}");
        assertError(r, 404, "NOT_FOUND");
        assertFalse(message(r).contains("DELETE"), message(r));
        assertTrue(worker.calls.isEmpty(), worker.calls.toString());
    }

    @Test
    void a405SaysWhatIsAllowedAndHeadAnswersWithoutABody() throws Exception {
        HttpResponse<String> put = send("PUT", "/functions", HELLO);
        assertError(put, 405, "INVALID_REQUEST");
        assertEquals("GET, POST, HEAD", put.headers().firstValue("Allow").orElse(""));
        assertEquals("POST", send("GET", "/functions/hello-1/invoke", null).headers().firstValue("Allow").orElse(""));
        HttpResponse<String> head = send("HEAD", "/health", null);
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    /** Sends raw bytes on a fresh connection and reads everything the server answers until it closes. */
    String raw(String request, int readTimeoutMs) throws Exception {
        URI uri = URI.create(base);
        try (java.net.Socket s = new java.net.Socket(uri.getHost(), uri.getPort())) {
            s.setSoTimeout(readTimeoutMs);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aBadChunkSizeIs400AndTheConnectionCloses() throws Exception {
        registerHello();
        String answer = raw("POST /functions/hello-1/invoke HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\n{}\r\n0\r\n\r\n", 10_000);
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("malformed request body"), answer);
        assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
        assertTrue(worker.calls.stream().noneMatch(c -> c.startsWith("invoke")), "nothing ran");
    }

    @Test
    void tooManyHeadersIs431NotAReset() throws Exception {
        for (int fields : new int[] {HttpApi.MAX_HEADERS + 1, 250, 1_000}) {
            StringBuilder req = new StringBuilder("GET /status HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < fields; i++) {
                req.append("X-H").append(i).append(": v\r\n");
            }
            String answer = raw(req.append("\r\n").toString(), 10_000);
            assertTrue(answer.startsWith("HTTP/1.1 431"), fields + " fields: " + answer);
            assertTrue(answer.contains("header fields"), answer);
        }
        // one very long header: over the byte limit, still an answer
        String answer = raw("GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(HttpApi.MAX_HEADER_BYTES)
                + "\r\n\r\n", 10_000);
        assertTrue(answer.startsWith("HTTP/1.1 431"), answer);
        // up to the limit is fine
        StringBuilder ok = new StringBuilder("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (int i = 0; i < HttpApi.MAX_HEADERS - 2; i++) {
            ok.append("X-H").append(i).append(": v\r\n");
        }
        assertTrue(raw(ok.append("\r\n").toString(), 10_000).startsWith("HTTP/1.1 200"));
    }

    @Test
    void aHalfSentBodyIsDroppedAfterTheRequestDeadlineAndOthersAreServedMeanwhile() throws Exception {
        registerHello();
        // surefire sets sun.net.httpserver.maxReqTime=2 (s) for this module; the default is 30
        assertEquals("2", System.getProperty("sun.net.httpserver.maxReqTime"));
        URI uri = URI.create(base);
        try (java.net.Socket s = new java.net.Socket(uri.getHost(), uri.getPort())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("POST /functions/hello-1/invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            assertEquals(200, send("GET", "/health", null).statusCode(), "other clients are served meanwhile");
            long t0 = System.nanoTime();
            byte[] rest = s.getInputStream().readAllBytes(); // returns when the server closes the connection
            double waited = (System.nanoTime() - t0) / 1e9;
            assertTrue(waited < 15, "closed after the deadline, not held: " + waited + " s, got " + rest.length);
        } catch (java.net.SocketException reset) {
            // a reset is also the server letting go
        }
        assertTrue(worker.calls.stream().noneMatch(c -> c.startsWith("invoke")), "a half-sent invocation never runs");
    }
}
