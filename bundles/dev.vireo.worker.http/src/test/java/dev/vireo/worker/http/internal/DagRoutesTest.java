package dev.vireo.worker.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeDags;
import dev.vireo.testkit.FakeWorker;
import dev.vireo.testkit.TestTime;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The workflow endpoints (/dags) on the real HTTP API in front of an in-memory DagService. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DagRoutesTest {
    static final String SPEC = "{\"name\":\"wc\",\"tasks\":[{\"id\":\"a\",\"function\":\"hello-1\"},"
            + "{\"id\":\"b\",\"function\":\"hello-1\"}]}";

    TestTime time;
    FakeWorker worker;
    FakeDags dags;
    Components.Context context;
    HttpApi api;
    String base;
    HttpClient client;

    @BeforeEach
    void setUp() throws IOException {
        time = new TestTime();
        worker = new FakeWorker();
        dags = new FakeDags();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        start("");
    }

    void start(String token) throws IOException {
        context = new Components.Context();
        api = new HttpApi(context.bundleContext(), worker, time, Components.config(HttpApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0, "max_body_bytes", 1024, "max_dag_body_bytes", 4096,
                        "auth_token", token)));
        api.setDags(dags);
        base = ((WorkerEndpoint) context.registrations.get(0).service()).address();
    }

    @AfterEach
    void tearDown() {
        api.close();
        client.close();
        time.close();
    }

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonElement json(String text) {
        return JsonParser.parseString(text);
    }

    static String assertError(HttpResponse<String> r, int status, String kind) {
        assertEquals(status, r.statusCode(), r.body());
        JsonObject error = json(r.body()).getAsJsonObject().getAsJsonObject("error");
        assertEquals(kind, error.get("kind").getAsString(), r.body());
        return error.get("message").getAsString();
    }

    @Test
    void aSubmissionIs201WithTheRunAndWhereToWatchIt() throws Exception {
        HttpResponse<String> r = send("POST", "/dags", SPEC);

        assertEquals(201, r.statusCode(), r.body());
        assertEquals(json("{\"run\":\"run-1\"}"), json(r.body()));
        assertEquals("/dags/run-1", r.headers().firstValue("Location").orElseThrow());
        assertEquals(List.of("parse", "submit wc 2 tasks"), dags.calls);

        HttpResponse<String> resumed = send("POST", "/dags?resume=run-1", SPEC);
        assertEquals(201, resumed.statusCode(), resumed.body());
        assertEquals("submit wc 2 tasks resume run-1", dags.calls.get(dags.calls.size() - 1));
    }

    @Test
    void aRunMayBeSubmittedUnderAGivenIdWhichTheServiceChecks() throws Exception {
        HttpResponse<String> r = send("POST", "/dags?run=wc.2026-11_a", SPEC);
        assertEquals(201, r.statusCode(), r.body());
        assertEquals(json("{\"run\":\"wc.2026-11_a\"}"), json(r.body()));
        assertEquals("/dags/wc.2026-11_a", r.headers().firstValue("Location").orElseThrow());
        assertEquals("submit wc 2 tasks run wc.2026-11_a", dags.calls.get(dags.calls.size() - 1));

        assertEquals("run: 'wc.2026-11_a' is not a free run id (1-48 of A-Z a-z 0-9 . _ -)",
                assertError(send("POST", "/dags?run=wc.2026-11_a", SPEC), 400, "INVALID_REQUEST"), "taken");
        assertEquals("run: 'a b' is not a free run id (1-48 of A-Z a-z 0-9 . _ -)",
                assertError(send("POST", "/dags?run=a%20b", SPEC), 400, "INVALID_REQUEST"), "not an id");
        HttpResponse<String> resumed = send("POST", "/dags?resume=wc.2026-11_a&run=again", SPEC);
        assertEquals(201, resumed.statusCode(), resumed.body());
        assertEquals("submit wc 2 tasks resume wc.2026-11_a run again", dags.calls.get(dags.calls.size() - 1));
        assertEquals(List.of("again", "wc.2026-11_a"), dags.runs().stream().map(s -> s.run()).toList());
    }

    @Test
    void aBadSpecIs400NamingTheTaskAndNothingIsSubmitted() throws Exception {
        String unregistered = assertError(send("POST", "/dags", "{\"tasks\":[{\"id\":\"a\",\"function\":\"nope-1\"}]}"),
                400, "INVALID_REQUEST");
        assertEquals("tasks: task 'a': function 'nope-1' is not registered on worker-1", unregistered);
        assertEquals("tasks: task id 'a' appears twice", assertError(send("POST", "/dags",
                "{\"tasks\":[{\"id\":\"a\",\"function\":\"hello-1\"},{\"id\":\"a\",\"function\":\"hello-1\"}]}"), 400,
                "INVALID_REQUEST"));
        assertTrue(assertError(send("POST", "/dags", "{\"tasks\":[],}"), 400, "INVALID_REQUEST")
                .startsWith("body: not valid JSON"));
        assertEquals("resume: run 'run-9' is not in the store (never there, or removed after its retention)",
                assertError(send("POST", "/dags?resume=run-9", SPEC), 400, "INVALID_REQUEST"));
        assertTrue(dags.runs().isEmpty());
    }

    /** The refusal of a bad "sla": the real parser's (WorkflowJson via Sla.parse), which FakeDags gives. */
    static final String BAD_SLA = "sla: 'p42' is not an SLA statistic; use one of mean, p50, p90, p95, p99";

    /** {@link #SPEC} with {@code "sla": json} after its name. */
    static String withSla(String json) {
        return SPEC.replace("{\"name\":\"wc\",", "{\"name\":\"wc\",\"sla\":" + json + ",");
    }

    @Test
    void aBadSlaIs400NamingItAndListingTheValidOnesAndAGoodOneIsPassedOn() throws Exception {
        assertEquals(BAD_SLA, assertError(send("POST", "/dags", withSla("\"p42\"")), 400, "INVALID_REQUEST"));
        assertEquals("sla: 'P90' is not an SLA statistic; use one of mean, p50, p90, p95, p99", assertError(send("POST",
                "/dags", withSla("\"P90\"")), 400, "INVALID_REQUEST"), "spelled as in specs only");
        assertEquals("sla: must be a string", assertError(send("POST", "/dags", withSla("90")), 400,
                "INVALID_REQUEST"));
        assertEquals(List.of("parse", "parse", "parse"), dags.calls, "refused by parse: nothing submitted");
        assertTrue(dags.runs().isEmpty());

        HttpResponse<String> good = send("POST", "/dags", withSla("\"p90\""));
        assertEquals(201, good.statusCode(), good.body());
        assertEquals("submit wc 2 tasks sla p90", dags.calls.get(dags.calls.size() - 1));
        assertEquals(json(withSla("\"p90\"")), json(dags.spec("run-1")));
    }

    @Test
    void aSpecMayBeLargerThanOtherBodiesUpToItsOwnLimit() throws Exception {
        String big = "{\"name\":\"big\",\"pad\":\"" + "x".repeat(3000) + "\",\"tasks\":[{\"id\":\"a\",\"function\":"
                + "\"hello-1\"}]}";
        assertEquals(201, send("POST", "/dags", big).statusCode(), "over max.body.bytes, under max.dag.body.bytes");
        assertTrue(assertError(send("POST", "/functions", big), 413, "INVALID_REQUEST").contains("max.body.bytes 1024"));
        String huge = big.replace("x".repeat(3000), "x".repeat(5000));
        assertTrue(assertError(send("POST", "/dags", huge), 413, "INVALID_REQUEST")
                .contains("larger than max.dag.body.bytes 4096"));
    }

    @Test
    void aRunsStatusHasEveryFieldOfTheRunAndOfEachTask() throws Exception {
        dags.put(FakeDags.FAILED, Map.of());
        HttpResponse<String> r = send("GET", "/dags/run-7", null);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("""
                {"run":"run-7","name":"wc","state":"failed","submitted":"2026-11-22T20:50:13.646Z","elapsed_us":2500000,
                 "tasks":4,"finished":4,
                 "counts":{"waiting":0,"running":0,"succeeded":2,"failed":1,"skipped":1,"cancelled":0},
                 "failure":"sum: USER_ERROR: ValueError: bad",
                 "records":[
                  {"task":"split","function":"split-1","state":"succeeded","worker":"worker-1","container":"cold",
                   "attempts":1,"items":0,"start_us":0,"end_us":120000,"queued_us":5,"input_us":7,
                   "execution_us":100000,"output_us":9,"bytes_in":20,"bytes_out":31},
                  {"task":"count","function":"len-1","state":"succeeded","worker":"worker-1","container":"warm",
                   "attempts":4,"items":3,"start_us":120000,"end_us":300000,"queued_us":15,"input_us":21,
                   "execution_us":150000,"output_us":27,"bytes_in":60,"bytes_out":6},
                  {"task":"sum","function":"sum-1","state":"failed","worker":"worker-1","container":"warm",
                   "attempts":3,"items":0,"start_us":300000,"end_us":2400000,"queued_us":3,"input_us":4,
                   "execution_us":2000,"output_us":0,"bytes_in":8,"bytes_out":0,
                   "error":{"kind":"USER_ERROR","message":"ValueError: bad",
                            "detail":"Traceback (most recent call last):\\n  ..."}},
                  {"task":"report","function":"report-1","state":"skipped","worker":"","container":"","attempts":0,
                   "items":0,"start_us":-1,"end_us":-1,"queued_us":0,"input_us":0,"execution_us":0,"output_us":0,
                   "bytes_in":0,"bytes_out":0}]}"""), json(r.body()));

        JsonObject counts = json(send("GET", "/dags/run-7?records=false", null).body()).getAsJsonObject();
        JsonObject expected = json(r.body()).getAsJsonObject();
        expected.remove("records");
        assertEquals(expected, counts, "records=false: the same without the records");
        assertEquals("records: 'no' is invalid: use true (the status with every task's record) or false (without"
                + " them)", assertError(send("GET", "/dags/run-7?records=no", null), 400, "INVALID_REQUEST"));
    }

    @Test
    void theListIsNewestFirstWithoutRecords() throws Exception {
        dags.put(FakeDags.FAILED, Map.of());
        send("POST", "/dags", SPEC);
        HttpResponse<String> r = send("GET", "/dags", null);

        assertEquals(200, r.statusCode(), r.body());
        JsonArray runs = json(r.body()).getAsJsonArray();
        assertEquals(2, runs.size());
        JsonObject newest = runs.get(0).getAsJsonObject();
        assertEquals("run-1", newest.get("run").getAsString());
        assertEquals("running", newest.get("state").getAsString());
        assertEquals(2, newest.getAsJsonObject("counts").get("waiting").getAsInt());
        assertFalse(newest.has("records"));
        assertFalse(newest.has("failure"), "no failure, no field");
        JsonObject failed = DagRoutes.status(FakeDags.FAILED, true);
        failed.remove("records");
        assertEquals(failed, runs.get(1));
    }

    @Test
    void aResultIs409UntilTheRunEndsThenTheOutputsAsTheFunctionsWroteThem() throws Exception {
        send("POST", "/dags", SPEC);
        String early = assertError(send("GET", "/dags/run-1/result", null), 409, "NOT_FINISHED");
        assertEquals("run: run 'run-1' has not finished yet (0 of 2 tasks done)", early);

        String b = "{ \"n\" : 1.50, \"big\": 1e400, \"s\": \"\\ud83d\\ude00 é\" }";
        RunStatus done = new RunStatus("run-1", "wc", RunState.SUCCEEDED, FakeWorker.ARRIVAL, 9,
                FakeDags.counts(Map.of(TaskState.SUCCEEDED, 2)), List.of(), Optional.empty());
        dags.put(done, new java.util.LinkedHashMap<>(Map.of("b", b)));
        HttpResponse<String> r = send("GET", "/dags/run-1/result", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"run\":\"run-1\",\"state\":\"succeeded\",\"outputs\":{\"b\":" + b + "}}\n", r.body(),
                "embedded byte for byte, never re-serialized");
    }

    @Test
    void anOutputThatIsNotStrictJsonIsTheFunctionsErrorNotABrokenAnswer() throws Exception {
        dags.put(new RunStatus("run-3", "", RunState.SUCCEEDED, FakeWorker.ARRIVAL, 9,
                FakeDags.counts(Map.of(TaskState.SUCCEEDED, 1)), List.of(), Optional.empty()), Map.of("t", "NaN"));
        String message = assertError(send("GET", "/dags/run-3/result", null), 502, "USER_ERROR");
        assertTrue(message.startsWith("task 't' returned an output that cannot be passed on unchanged: output: not"
                + " valid JSON"), message);
    }

    @Test
    void aRunsSpecIsTheServicesTextAsItIs() throws Exception {
        send("POST", "/dags", SPEC);
        HttpResponse<String> r = send("GET", "/dags/run-1/spec", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(dags.spec("run-1") + "\n", r.body());
        assertEquals(json(SPEC), json(r.body()));
        dags.put(FakeDags.FAILED, Map.of());
        dags.putSpec("run-7", FakeDags.FAILED_SPEC);
        assertEquals(FakeDags.FAILED_SPEC + "\n", send("GET", "/dags/run-7/spec", null).body());
        assertEquals("GET, HEAD", send("DELETE", "/dags/run-7/spec", null).headers().firstValue("Allow").orElse(""));
    }

    @Test
    void aRunsPlanIsTheServicesPlanWithTheRunAndEveryFieldOfEachStep() throws Exception {
        send("POST", "/dags", SPEC);
        HttpResponse<String> r = send("GET", "/dags/run-1/plan", null);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(json("""
                {"run":"run-1","planner":"local","home":"worker-1","sla":"p50","predicted_makespan_us":1500,"steps":[
                 {"task":"a","worker":"worker-1","group":"g0","prewarm":false,"priority":1,"start_us":0,
                  "finish_us":100},
                 {"task":"b","worker":"worker-1","group":"","prewarm":true,"priority":0,"start_us":100,
                  "finish_us":200}]}"""), json(r.body()));
        assertEquals("plan run-1", dags.calls.get(dags.calls.size() - 1));

        dags.put(FakeDags.FAILED, Map.of());
        JsonObject failed = json(send("GET", "/dags/run-7/plan", null).body()).getAsJsonObject();
        assertEquals("run-7", failed.get("run").getAsString());
        assertEquals(List.of("split", "count", "sum", "report"), failed.getAsJsonArray("steps").asList().stream()
                .map(e -> e.getAsJsonObject().get("task").getAsString()).toList(), "one step per task, in order");
        assertEquals(DagRoutes.plan(dags.plan("run-7")), failed);
        assertEquals("GET, HEAD", send("DELETE", "/dags/run-7/plan", null).headers().firstValue("Allow").orElse(""));
        assertError(send("POST", "/dags/run-7/plan", "{}"), 405, "INVALID_REQUEST");
    }

    @Test
    void deleteCancelsAndWithPurgeRemoves() throws Exception {
        send("POST", "/dags", SPEC);
        HttpResponse<String> cancelled = send("DELETE", "/dags/run-1", null);
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        JsonObject s = json(cancelled.body()).getAsJsonObject();
        assertEquals("cancelled", s.get("state").getAsString());
        assertEquals(2, s.getAsJsonArray("records").size());
        assertEquals(2, s.getAsJsonObject("counts").get("cancelled").getAsInt());

        assertEquals("purge: 'yes' is invalid: use true (delete the run) or false (cancel it)",
                assertError(send("DELETE", "/dags/run-1?purge=yes", null), 400, "INVALID_REQUEST"));
        HttpResponse<String> deleted = send("DELETE", "/dags/run-1?purge=true", null);
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(json("{\"deleted\":\"run-1\"}"), json(deleted.body()));
        assertEquals(List.of("cancel run-1", "delete run-1"), dags.calls.subList(2, 4));
        assertTrue(assertError(send("GET", "/dags/run-1", null), 404, "UNKNOWN_FUNCTION").contains("no run 'run-1'"));
    }

    @Test
    void anUnknownRunIs404Everywhere() throws Exception {
        for (String[] call : new String[][] {{"GET", "/dags/zz"}, {"GET", "/dags/zz/result"}, {"GET", "/dags/zz/spec"},
            {"GET", "/dags/zz/plan"}, {"DELETE", "/dags/zz"},
            {"DELETE", "/dags/zz?purge=true"}}) {
            assertEquals("no run 'zz' (never submitted, or removed after its retention)",
                    assertError(send(call[0], call[1], null), 404, "UNKNOWN_FUNCTION"), call[0] + " " + call[1]);
        }
    }

    @Test
    void wrongMethodsAndPathsAreRefusedSayingWhatIsThere() throws Exception {
        HttpResponse<String> put = send("PUT", "/dags", SPEC);
        assertError(put, 405, "INVALID_REQUEST");
        assertEquals("GET, POST, HEAD", put.headers().firstValue("Allow").orElse(""));
        assertEquals("GET, DELETE, HEAD", send("POST", "/dags/run-1", "{}").headers().firstValue("Allow").orElse(""));
        assertEquals("GET, HEAD", send("DELETE", "/dags/run-1/result", null).headers().firstValue("Allow").orElse(""));
        String nowhere = assertError(send("GET", "/dags/run-1/outputs", null), 404, "NOT_FOUND");
        assertTrue(nowhere.contains("/dags/{run}/spec") && nowhere.contains("/dags/{run}/plan"), nowhere);
        assertTrue(assertError(send("GET", "/nope", null), 404, "NOT_FOUND").contains("/dags"));
    }

    @Test
    void withoutAWorkflowServiceDagsIs404SayingSo() throws Exception {
        api.unsetDags(dags);
        for (String path : new String[] {"/dags", "/dags/run-1", "/dags/run-1/result"}) {
            assertEquals("workflows are not served here: worker-1 has no workflow service (bundle dev.vireo.dag)",
                    assertError(send("GET", path, null), 404, "NOT_FOUND"), path);
        }
        assertFalse(assertError(send("GET", "/nope", null), 404, "NOT_FOUND").contains("/dags"));
        api.setDags(dags);
        assertEquals(200, send("GET", "/dags", null).statusCode());
    }

    @Test
    void aConfiguredTokenIsRequired() throws Exception {
        api.close();
        start("s3cret");
        assertError(send("POST", "/dags", SPEC), 401, "UNAUTHORIZED");
        assertEquals(201, send("POST", "/dags", SPEC, "Authorization", "Bearer s3cret").statusCode());
    }
}
