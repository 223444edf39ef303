package dev.vireo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The workflow commands against a scripted HTTP API: what they send, print and exit with. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DagClientTest {
    static final String RESULT = "{\"run\":\"run-1\",\"state\":\"succeeded\",\"outputs\":{\"sum\":{ \"n\" : 1.50 }}}\n";

    HttpServer server;
    String base;
    /** "METHOD path?query" -> answers in order (the last one repeats). */
    final Map<String, Deque<String[]>> answers = new HashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream stdout;
    PrintStream stderr;

    @BeforeEach
    void setUp() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String key = ex.getRequestMethod() + " " + ex.getRequestURI();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(key + (body.isEmpty() ? "" : " " + body));
            Deque<String[]> queue = answers.get(key);
            String[] a = queue == null ? new String[] {"404", "{\"error\":{\"kind\":\"NOT_FOUND\",\"message\":\"no "
                    + key + "\"}}"} : queue.size() > 1 ? queue.poll() : queue.peek();
            byte[] bytes = a[1].getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(Integer.parseInt(a[0]), bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        stdout = System.out;
        stderr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        System.setOut(stdout);
        System.setErr(stderr);
        server.stop(0);
    }

    void answer(String request, String... statusAndBody) {
        Deque<String[]> queue = answers.computeIfAbsent(request, k -> new ArrayDeque<>());
        for (int i = 0; i < statusAndBody.length; i += 2) {
            queue.add(new String[] {statusAndBody[i], statusAndBody[i + 1]});
        }
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    String err() {
        return err.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }

    static String counts(String state, int finished, int running) {
        return "{\"run\":\"run-1\",\"name\":\"wc\",\"state\":\"" + state + "\",\"submitted\":\"2026-11-22T20:50:13.646Z\","
                + "\"elapsed_us\":1500,\"tasks\":2,\"finished\":" + finished + ",\"counts\":{\"waiting\":"
                + (2 - finished - running) + ",\"running\":" + running + ",\"succeeded\":" + finished
                + ",\"failed\":0,\"skipped\":0,\"cancelled\":0}}";
    }

    @Test
    void submitSendsTheSpecAndPrintsTheRun() throws Exception {
        answer("POST /dags?resume=run-0", "201", "{\"run\":\"run-1\"}\n");
        assertEquals(0, new DagClient(base, "", false, false).submit("{\"tasks\":[]}", "run-0", false));
        assertEquals("run-1\n", out());
        assertEquals(List.of("POST /dags?resume=run-0 {\"tasks\":[]}"), requests);
    }

    @Test
    void aRefusedSpecIsExit1WithTheApisMessage() throws Exception {
        answer("POST /dags", "400", "{\"error\":{\"kind\":\"INVALID_REQUEST\",\"message\":\"tasks: task 'a': function"
                + " 'nope-1' is not registered on worker-1\"}}");
        assertEquals(1, new DagClient(base, "", false, false).submit("{}", null, false));
        assertEquals("vireo: invalid request: tasks: task 'a': function 'nope-1' is not registered on worker-1"
                + " (HTTP 400)\n", err());
    }

    @Test
    void waitingOffATerminalPrintsNothingUntilTheResultAndItsJsonIsAsSent() throws Exception {
        answer("POST /dags", "201", "{\"run\":\"run-1\"}");
        answer("GET /dags/run-1?records=false", "200", counts("running", 0, 2), "200", counts("running", 1, 1),
                "200", counts("succeeded", 2, 0));
        answer("GET /dags/run-1/result", "200", RESULT);

        assertEquals(0, new DagClient(base, "", true, false).submit("{}", "", true));
        assertEquals(RESULT, out(), "the outputs exactly as the API sent them");
        assertEquals("", err());
        assertEquals(3, requests.stream().filter(r -> r.startsWith("GET /dags/run-1?records=false")).count());
    }

    @Test
    void aRunThatFailedIsExit1AfterWaiting() throws Exception {
        answer("POST /dags", "201", "{\"run\":\"run-1\"}");
        answer("GET /dags/run-1?records=false", "200", counts("failed", 2, 0));
        answer("GET /dags/run-1/result", "200", "{\"run\":\"run-1\",\"state\":\"failed\",\"outputs\":{}}");
        assertEquals(1, new DagClient(base, "", false, false).submit("{}", "", true));
        assertEquals("run-1\nrun-1 failed: 0 outputs\n", out());
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlace() throws Exception {
        answer("GET /dags/run-1?records=false", "200", counts("running", 1, 1), "200", counts("succeeded", 2, 0));
        answer("GET /dags/run-1", "200", counts("succeeded", 2, 0));
        assertEquals(0, new DagClient(base, "", false, true).status("run-1", true));
        assertEquals("\r[###############...............] 1/2 tasks, 1 running, 0 failed\033[K"
                + "\r[##############################] 2/2 tasks, 0 running, 0 failed: succeeded in 1.5 ms\033[K\n",
                err());
        assertTrue(out().startsWith("run        run-1 (wc)\nstate      succeeded: 2 of 2 tasks done"), out());
    }

    @Test
    void watchingOffATerminalPrintsALinePerChange() throws Exception {
        answer("GET /dags/run-1?records=false", "200", counts("running", 0, 1), "200", counts("running", 0, 1),
                "200", counts("running", 1, 1), "200", counts("succeeded", 2, 0));
        answer("GET /dags/run-1", "200", counts("succeeded", 2, 0));
        assertEquals(0, new DagClient(base, "", false, false).status("run-1", true));
        assertEquals("""
                [..............................] 0/2 tasks, 1 running, 0 failed
                [###############...............] 1/2 tasks, 1 running, 0 failed
                [##############################] 2/2 tasks, 0 running, 0 failed: succeeded in 1.5 ms
                """, err());
    }

    @Test
    void aResultBeforeTheEndIsExit1SayingHowFar() throws Exception {
        answer("GET /dags/run-1/result", "409", "{\"error\":{\"kind\":\"NOT_FINISHED\",\"message\":\"run: run 'run-1'"
                + " has not finished yet (1 of 2 tasks done)\"}}");
        assertEquals(1, new DagClient(base, "", false, false).result("run-1"));
        assertEquals("vireo: not finished: run: run 'run-1' has not finished yet (1 of 2 tasks done) (HTTP 409)\n",
                err());
    }

    @Test
    void cancelDeleteAndList() throws Exception {
        answer("DELETE /dags/run-1", "200", counts("cancelled", 1, 0).replace("\"finished\":1", "\"finished\":2")
                .replace("\"waiting\":1", "\"waiting\":0").replace("\"cancelled\":0", "\"cancelled\":1"));
        answer("DELETE /dags/run-1?purge=true", "200", "{\"deleted\":\"run-1\"}");
        answer("GET /dags", "200", "[]");
        DagClient client = new DagClient(base, "", false, false);
        assertEquals(0, client.cancel("run-1"));
        assertEquals(0, client.delete("run-1"));
        assertEquals(0, client.list());
        assertEquals("run-1 cancelled: 2 of 2 tasks done (1 succeeded, 1 cancelled)\ndeleted run-1\n(no runs)\n",
                out());
    }

    static final String REPORTED = """
            {"run":"r-7","name":"wc","state":"succeeded","submitted":"2026-11-22T20:50:13.646Z","elapsed_us":400000,
             "tasks":3,"finished":3,"counts":{"waiting":0,"running":0,"succeeded":3,"failed":0,"skipped":0,"cancelled":0},
             "records":[
              {"task":"split","function":"split-1","state":"succeeded","worker":"w1","container":"cold","attempts":1,
               "items":0,"start_us":0,"end_us":100000,"queued_us":0,"input_us":0,"execution_us":90000,"output_us":0,
               "bytes_in":1,"bytes_out":1},
              {"task":"count","function":"len-1","state":"succeeded","worker":"w2","container":"warm","attempts":3,
               "items":3,"start_us":100100,"end_us":300000,"queued_us":0,"input_us":0,"execution_us":150000,
               "output_us":0,"bytes_in":1,"bytes_out":1},
              {"task":"sum","function":"sum-1","state":"succeeded","worker":"w1","container":"warm","attempts":1,
               "items":0,"start_us":300100,"end_us":390000,"queued_us":0,"input_us":0,"execution_us":80000,
               "output_us":0,"bytes_in":1,"bytes_out":1}]}""";
    static final String REPORTED_SPEC = "{\"name\":\"wc\",\"tasks\":[{\"id\":\"split\",\"function\":\"split-1\"},"
            + "{\"id\":\"count\",\"function\":\"len-1\",\"map\":\"split\",\"args\":{\"w\":{\"$item\":true}}},"
            + "{\"id\":\"sum\",\"function\":\"sum-1\",\"args\":{\"xs\":{\"$ref\":\"count\"}}}]}";

    @Test
    void reportWritesTheRunsResultsFolderFromItsStatusAndSpec(@TempDir Path runs) throws Exception {
        answer("GET /dags/r-7", "200", REPORTED);
        answer("GET /dags/r-7/spec", "200", REPORTED_SPEC + "\n");
        assertEquals(0, new DagClient(base, "", false, false).report("r-7", runs, null));
        Path dir = runs.resolve("dag-r-7").toAbsolutePath();
        assertEquals("r-7 (wc) succeeded: 3 tasks (3 succeeded), makespan 390.0 ms\n"
                + "critical path: 3 tasks, 389.8 ms: split -> count -> sum\n"
                + "results: " + dir + "  (report: " + dir.resolve("report.html") + ")\n", out());
        assertEquals(List.of("GET /dags/r-7", "GET /dags/r-7/spec", "GET /dags/r-7/plan"), requests);
        assertEquals("vireo: " + base + " serves no plan for run r-7 (a node from before plans): the results have"
                + " none\n", err(), "the scripted API answers 404 to the plan: an older node");
        for (String f : List.of("records.duckdb", "tasks.parquet", "tasks.csv", "summary.json", "report.html",
                "dag.svg", "timeline.svg")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("records.duckdb"));
                Statement st = c.createStatement();
                ResultSet r = st.executeQuery("SELECT string_agg(task || ':' || worker || ':' || array_to_string("
                        + "depends_on, '+'), ' ' ORDER BY position) FROM tasks")) {
            r.next();
            assertEquals("split:w1: count:w2:split sum:w1:count", r.getString(1));
        }
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("records.duckdb"));
                Statement st = c.createStatement();
                ResultSet r = st.executeQuery("SELECT count(*) FROM tasks WHERE planned_worker IS NULL"
                        + " AND planned_start_us IS NULL AND planned_finish_us IS NULL")) {
            r.next();
            assertEquals(3, r.getLong(1), "no plan: the planned columns are NULL");
        }
        assertFalse(JsonParser.parseString(Files.readString(dir.resolve("summary.json"))).getAsJsonObject()
                .has("plan"));
        JsonObject run = JsonParser.parseString(Files.readString(dir.resolve("summary.json"))).getAsJsonObject()
                .getAsJsonObject("run");
        assertEquals("dag", run.get("kind").getAsString());
        assertEquals(base, run.get("target").getAsString());

        CliException full = assertThrows(CliException.class, () -> new DagClient(base, "", false, false)
                .report("r-7", runs, null));
        assertEquals(CliException.USAGE, full.code());
        assertTrue(full.getMessage().contains("exists and is not empty: choose another --name"), full.getMessage());
        assertEquals(CliException.USAGE, assertThrows(CliException.class, () -> new DagClient(base, "", false, false)
                .report("r-7", runs, "a/b")).code());
    }

    /** REPORTED's plan: count planned on w1 (it ran on w2), the others at home (w1); 312 ms predicted. */
    static final String REPORTED_PLAN = """
            {"run":"r-7","planner":"local","sla":"p50","home":"w1","predicted_makespan_us":312000,"steps":[
             {"task":"split","worker":"","group":"","prewarm":false,"priority":2,"start_us":0,"finish_us":100000},
             {"task":"count","worker":"w1","group":"","prewarm":true,"priority":1,"start_us":100000,"finish_us":250000},
             {"task":"sum","worker":"","group":"","prewarm":false,"priority":0,"start_us":250000,"finish_us":312000}]}
            """;

    @Test
    void reportFetchesTheRunsPlanAndWritesItBesideTheRecords(@TempDir Path runs) throws Exception {
        answer("GET /dags/r-7", "200", REPORTED);
        answer("GET /dags/r-7/spec", "200", REPORTED_SPEC + "\n");
        answer("GET /dags/r-7/plan", "200", REPORTED_PLAN);
        assertEquals(0, new DagClient(base, "", false, false).report("r-7", runs, "planned"));
        assertEquals(List.of("GET /dags/r-7", "GET /dags/r-7/spec", "GET /dags/r-7/plan"), requests);
        assertEquals("", err());
        Path dir = runs.resolve("planned").toAbsolutePath();
        // (390 - 312) / 390 = 20 %; split and sum ran where planned, count did not; count's 1 + 1 bytes away from w1
        assertEquals("r-7 (wc) succeeded: 3 tasks (3 succeeded), makespan 390.0 ms\n"
                + "critical path: 3 tasks, 389.8 ms: split -> count -> sum\n"
                + "plan: local, sla p50, home w1: predicted 312.0 ms, observed 390.0 ms (error +20.0 %); 2 of 3"
                + " tasks ran on their planned worker; 2 bytes moved off home\n"
                + "results: " + dir + "  (report: " + dir.resolve("report.html") + ")\n", out());
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("records.duckdb"));
                Statement st = c.createStatement();
                ResultSet r = st.executeQuery("SELECT string_agg(task || ':' || planned_worker || ':'"
                        + " || planned_start_us || '-' || planned_finish_us, ' ' ORDER BY position) FROM tasks")) {
            r.next();
            assertEquals("split:w1:0-100000 count:w1:100000-250000 sum:w1:250000-312000", r.getString(1));
        }
        JsonObject plan = JsonParser.parseString(Files.readString(dir.resolve("summary.json"))).getAsJsonObject()
                .getAsJsonObject("plan");
        assertEquals("local", plan.get("planner").getAsString());
        assertEquals(20.0, plan.get("error_pct").getAsDouble(), 1e-9);
        assertEquals(2, plan.get("bytes_moved").getAsLong());
        assertTrue(Files.readString(dir.resolve("report.html")).contains("Plan: planner local, SLA p50, home w1;"));

        // a node that fails to give the plan (not a 404): refused, nothing written
        answer("GET /dags/r-8", "200", REPORTED.replace("\"r-7\"", "\"r-8\""));
        answer("GET /dags/r-8/spec", "200", REPORTED_SPEC);
        answer("GET /dags/r-8/plan", "500", "{\"error\":{\"kind\":\"INTERNAL\",\"message\":\"store down\"}}");
        assertEquals(1, new DagClient(base, "", false, false).report("r-8", runs, "failed"));
        assertEquals("vireo: internal: store down (HTTP 500)\n", err());
        assertFalse(Files.exists(runs.resolve("failed")));
    }

    @Test
    void reportOfAnUnknownRunIsExit1AndWritesNothing(@TempDir Path runs) throws Exception {
        answer("GET /dags/zz", "404", "{\"error\":{\"kind\":\"UNKNOWN_FUNCTION\",\"message\":\"no run 'zz'\"}}");
        assertEquals(1, new DagClient(base, "", false, false).report("zz", runs, "x"));
        assertEquals("vireo: unknown function: no run 'zz' (HTTP 404)\n", err());
        assertFalse(Files.exists(runs.resolve("x")));
    }

    @Test
    void planPrintsThePlanAsATableOrWithJsonAsTheApiSentIt() throws Exception {
        answer("GET /dags/run-7/plan", "200", DagViewTest.PLAN + "\n");
        assertEquals(0, new DagClient(base, "", false, false).plan("run-7"));
        assertEquals(DagView.plan(JsonParser.parseString(DagViewTest.PLAN).getAsJsonObject())
                .replace(System.lineSeparator(), "\n"), out());
        assertTrue(out().contains("count  worker-12  g1     yes            2      120.0      300.0\n"), out());
        out.reset();
        assertEquals(0, new DagClient(base, "", true, false).plan("run-7"));
        assertEquals(DagViewTest.PLAN + "\n", out());
        assertEquals(List.of("GET /dags/run-7/plan", "GET /dags/run-7/plan"), requests);

        answer("GET /dags/zz/plan", "404", "{\"error\":{\"kind\":\"UNKNOWN_FUNCTION\",\"message\":\"no run 'zz'\"}}");
        assertEquals(1, new DagClient(base, "", false, false).plan("zz"));
        assertEquals("vireo: unknown function: no run 'zz' (HTTP 404)\n", err());
    }

    @Test
    void withSlaAddsOrReplacesTheSpecsSlaAndKeepsTheRest() {
        assertEquals("{\"name\":\"wc\",\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"args\":{\"n\":1.50,"
                + "\"big\":1e400,\"s\":\"<é>\"}}],\"sla\":\"p90\"}", DagClient.withSla("{ \"name\": \"wc\", \"tasks\":"
                + " [{\"id\": \"a\", \"function\": \"f-1\", \"args\": {\"n\": 1.50, \"big\": 1e400, \"s\":"
                + " \"<\\u00e9>\"}}] }", "p90"));
        assertEquals("{\"name\":\"wc\",\"sla\":\"mean\",\"tasks\":[]}",
                DagClient.withSla("{\"name\":\"wc\",\"sla\":\"p50\",\"tasks\":[]}", "mean"), "replaced where it was");
        for (String notAnObject : List.of("[]", "{\"tasks\":[],}", "{\"sla\":1,\"sla\":2}", "")) {
            assertEquals(notAnObject, DagClient.withSla(notAnObject, "p90"), "for the API to refuse: " + notAnObject);
        }
    }

    @Test
    void submitWithSlaSendsTheSpecWithItAndABadOneIsAUsageErrorSendingNothing(@TempDir Path dir) throws Exception {
        Path spec = Files.writeString(dir.resolve("wc.json"), "{\"name\":\"wc\",\"sla\":\"p50\",\"tasks\":[]}");
        answer("POST /dags", "201", "{\"run\":\"run-1\"}");
        assertEquals(0, Main.commandLine().execute("dag", "submit", spec.toString(), "--sla", "p90", "--worker", base));
        assertEquals("run-1\n", out());
        assertEquals(List.of("POST /dags {\"name\":\"wc\",\"sla\":\"p90\",\"tasks\":[]}"), requests);

        assertEquals(0, Main.commandLine().execute("dag", "submit", spec.toString(), "--worker", base));
        assertEquals("POST /dags {\"name\":\"wc\",\"sla\":\"p50\",\"tasks\":[]}", requests.get(1),
                "without --sla: the file as it is");

        java.io.StringWriter usage = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(usage, true));
        assertEquals(2, cl.execute("dag", "submit", spec.toString(), "--sla", "p42", "--worker", base));
        assertTrue(usage.toString().startsWith("vireo: Invalid value for option '--sla': 'p42' is not an SLA"
                + " statistic; use one of mean, p50, p90, p95, p99\n"), usage.toString());
        assertEquals(2, requests.size(), "nothing sent");
    }

    @Test
    void anUnknownRunIsExit1() throws Exception {
        answer("GET /dags/zz", "404", "{\"error\":{\"kind\":\"UNKNOWN_FUNCTION\",\"message\":\"no run 'zz'\"}}");
        assertEquals(1, new DagClient(base, "", false, false).status("zz", false));
        assertEquals("vireo: unknown function: no run 'zz' (HTTP 404)\n", err());
    }
}
