package dev.vireo.loadgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DagResultsTest {
    /** The word count of docs/dag.md: split -> count (a map over split) -> total, and notify after total. */
    static final String SPEC = """
            {"name":"wc","on_error":"continue","retries":0,"retry_backoff_ms":100,"tasks":[
             {"id":"split","function":"wc-split-1","args":{"text":"a b","lines":1}},
             {"id":"count","function":"wc-count-1","map":"split","args":{"chunk":{"$item":true},"nested":[{"$ref":"split"}]}},
             {"id":"total","function":"wc-sum-1","args":{"counts":{"$ref":"count"},"top":10}},
             {"id":"notify","function":"mail-1","args":{},"after":["total"]},
             {"id":"late","function":"mail-1","args":{"x":{"$ref":"notify"}}}]}""";

    static final String STATUS = """
            {"run":"r-1","name":"wc","state":"failed","submitted":"2026-11-22T20:50:13.646Z","elapsed_us":2600000,
             "tasks":5,"finished":5,
             "counts":{"waiting":0,"running":0,"succeeded":3,"failed":1,"skipped":1,"cancelled":0},
             "failure":"notify: USER_ERROR: ValueError: bad",
             "records":[
              {"task":"split","function":"wc-split-1","state":"succeeded","worker":"worker-1","container":"cold",
               "attempts":1,"items":0,"start_us":0,"end_us":120000,"queued_us":5,"input_us":7,"execution_us":100000,
               "output_us":9,"bytes_in":20,"bytes_out":31},
              {"task":"count","function":"wc-count-1","state":"succeeded","worker":"worker-2","container":"warm",
               "attempts":4,"items":3,"start_us":120100,"end_us":300000,"queued_us":15,"input_us":21,
               "execution_us":150000,"output_us":27,"bytes_in":60,"bytes_out":6},
              {"task":"total","function":"wc-sum-1","state":"succeeded","worker":"worker-1","container":"warm",
               "attempts":1,"items":0,"start_us":300200,"end_us":400000,"queued_us":3,"input_us":4,
               "execution_us":90000,"output_us":2,"bytes_in":8,"bytes_out":5},
              {"task":"notify","function":"mail-1","state":"failed","worker":"worker-2","container":"warm",
               "attempts":3,"items":0,"start_us":400100,"end_us":2500000,"queued_us":3,"input_us":4,
               "execution_us":2000,"output_us":0,"bytes_in":8,"bytes_out":0,
               "error":{"kind":"USER_ERROR","message":"ValueError: bad <b>","detail":"Traceback ...\\n  x"}},
              {"task":"late","function":"mail-1","state":"skipped","worker":"","container":"","attempts":0,
               "items":0,"start_us":-1,"end_us":-1,"queued_us":0,"input_us":0,"execution_us":0,"output_us":0,
               "bytes_in":0,"bytes_out":0}]}""";

    /**
     * STATUS's plan: split at home (no worker named), count and total on worker-2 (total ran on worker-1), notify on
     * worker-1 with no predicted times (it ran on worker-2), late (never ran) at home.
     */
    static final String PLAN = """
            {"run":"r-1","planner":"local","home":"worker-1","sla":"p90","predicted_makespan_us":2000000,"steps":[
             {"task":"split","worker":"","group":"g0","prewarm":false,"priority":4,"start_us":0,"finish_us":100000},
             {"task":"count","worker":"worker-2","group":"","prewarm":true,"priority":3,"start_us":100000,
              "finish_us":280000},
             {"task":"total","worker":"worker-2","group":"","prewarm":false,"priority":2,"start_us":280000,
              "finish_us":380000},
             {"task":"notify","worker":"worker-1","group":"","prewarm":false,"priority":1,"start_us":-1,
              "finish_us":-1},
             {"task":"late","worker":"","group":"","prewarm":false,"priority":0,"start_us":2000000,
              "finish_us":2100000}]}""";

    static JsonObject run(String name) {
        return RunMetadata.live(name, "dag", "http://127.0.0.1:8070", Instant.parse("2026-11-22T20:50:13.646Z"))
                .put("run", "r-1").put("workflow", "wc").json();
    }

    @Test
    void dependenciesAreReadFromTheSpecAsTheRuntimeCountsThem() {
        Map<String, List<String>> deps = DagTask.dependencies(SPEC);
        assertEquals(List.of(), deps.get("split"));
        assertEquals(List.of("split"), deps.get("count"), "map source and a reference to it: once");
        assertEquals(List.of("count"), deps.get("total"));
        assertEquals(List.of("total"), deps.get("notify"), "after");
        assertEquals(List.of("notify"), deps.get("late"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DagTask.of(
                JsonParser.parseString(STATUS).getAsJsonObject(), SPEC.replace("\"late\"", "\"later\"")
                        .replace("{\"$ref\":\"notify\"}", "1")));
        assertEquals("task 'late' of the status is not in the run's spec", e.getMessage());
    }

    @Test
    void theTasksTableHasEveryRecordWithItsDependenciesAndTheSummaryIsSqlOverIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("one");
        JsonObject summary = DagResults.write(out, JsonParser.parseString(STATUS).getAsJsonObject(), SPEC,
                run("one"));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + out.resolve(Results.DB));
                Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT task, function, state, worker, container, attempts, items,"
                    + " start_us, end_us, queued_us, input_us, execution_us, output_us, bytes_in, bytes_out, error_kind,"
                    + " error_message, error_detail, depends_on, depth, critical FROM tasks ORDER BY position")) {
                List<String> rows = new ArrayList<>();
                while (r.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= 21; i++) {
                        Object v = r.getObject(i);
                        row.append(i > 1 ? "|" : "").append(v instanceof java.sql.Array a
                                ? Arrays.toString((Object[]) a.getArray()) : String.valueOf(v));
                    }
                    rows.add(row.toString());
                }
                assertEquals(List.of(
                        "split|wc-split-1|succeeded|worker-1|cold|1|0|0|120000|5|7|100000|9|20|31||||[]|0|true",
                        "count|wc-count-1|succeeded|worker-2|warm|4|3|120100|300000|15|21|150000|27|60|6||||[split]|1|true",
                        "total|wc-sum-1|succeeded|worker-1|warm|1|0|300200|400000|3|4|90000|2|8|5||||[count]|2|true",
                        "notify|mail-1|failed|worker-2|warm|3|0|400100|2500000|3|4|2000|0|8|0|USER_ERROR|ValueError:"
                                + " bad <b>|Traceback ...\n  x|[total]|3|true",
                        "late|mail-1|skipped|||0|0|-1|-1|0|0|0|0|0|0||||[notify]|4|false"), rows);
            }
            try (ResultSet r = s.executeQuery("SELECT value FROM run WHERE key = 'run'")) {
                assertTrue(r.next());
                assertEquals("r-1", r.getString(1));
            }
            try (ResultSet r = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE list_contains(depends_on,"
                    + " 'split')) FROM read_parquet('" + Results.sql(out.resolve("tasks.parquet")) + "')")) {
                r.next();
                assertEquals(5, r.getLong(1), "the same rows as Parquet");
                assertEquals(1, r.getLong(2), "depends_on stays a list");
            }
        }
        assertTrue(Files.readString(out.resolve("tasks.csv")).startsWith("position,task,function,state,"));

        assertEquals("failed", summary.get("state").getAsString());
        assertEquals(5, summary.get("tasks").getAsLong());
        assertEquals(2_500_000, summary.get("makespan_us").getAsLong(), "submission to the last task's end");
        assertEquals(2_600_000, summary.get("elapsed_us").getAsLong());
        assertEquals(JsonParser.parseString("{\"waiting\":0,\"running\":0,\"succeeded\":3,\"failed\":1,\"skipped\":1,"
                + "\"cancelled\":0}"), summary.get("counts"));
        JsonObject critical = summary.getAsJsonObject("critical_path");
        assertEquals(120_000 + 179_900 + 99_800 + 2_099_900, critical.get("length_us").getAsLong());
        assertEquals(JsonParser.parseString("[\"split\",\"count\",\"total\",\"notify\"]"), critical.get("tasks"));
        JsonObject w2 = summary.getAsJsonObject("workers").getAsJsonObject("worker-2");
        assertEquals(2, w2.get("tasks").getAsLong());
        assertEquals(1, w2.get("failed").getAsLong());
        assertEquals(179_900 + 2_099_900, w2.get("busy_us").getAsLong());
        assertFalse(summary.getAsJsonObject("workers").has(""), "a task that never ran has no worker");
        assertEquals(2, summary.getAsJsonObject("functions").getAsJsonObject("mail-1").get("tasks").getAsLong());
        assertEquals(1, summary.getAsJsonObject("errors").get("USER_ERROR").getAsLong());
        assertEquals("notify: USER_ERROR: ValueError: bad", summary.get("failure").getAsString());
        assertEquals(summary, JsonParser.parseString(Files.readString(out.resolve("summary.json"))));
        assertTrue(DagResults.isDagFolder(out));

        // the same inputs give the same bytes
        DagResults.write(dir.resolve("two"), JsonParser.parseString(STATUS).getAsJsonObject(), SPEC, run("one"));
        assertArrayEquals(Files.readAllBytes(out.resolve("summary.json")),
                Files.readAllBytes(dir.resolve("two/summary.json")));
    }

    private static List<String> planned(Path dir) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(Results.DB));
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT task, planned_worker, planned_start_us, planned_finish_us"
                        + " FROM tasks ORDER BY position")) {
            List<String> rows = new ArrayList<>();
            while (r.next()) {
                rows.add(r.getString(1) + "|" + r.getString(2) + "|" + r.getObject(3) + "|" + r.getObject(4));
            }
            return rows;
        }
    }

    @Test
    void withAPlanEachTaskHasItsPlannedWorkerAndTimesAndTheSummaryComparesPlanAndRun(@TempDir Path dir)
            throws Exception {
        JsonObject summary = DagResults.write(dir, JsonParser.parseString(STATUS).getAsJsonObject(), SPEC,
                JsonParser.parseString(PLAN).getAsJsonObject(), run("p"));
        assertEquals(List.of(
                "split|worker-1|0|100000",
                "count|worker-2|100000|280000",
                "total|worker-2|280000|380000",
                "notify|worker-1|null|null",
                "late|worker-1|2000000|2100000"), planned(dir), "a step with no worker: the home; -1: NULL");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(Results.DB));
                Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT planner, sla, home, predicted_makespan_us FROM plan")) {
                assertTrue(r.next());
                assertEquals("local|p90|worker-1|2000000", r.getString(1) + "|" + r.getString(2) + "|"
                        + r.getString(3) + "|" + r.getLong(4));
                assertFalse(r.next(), "one row");
            }
            try (ResultSet r = s.executeQuery("SELECT count(planned_start_us) FROM read_parquet('"
                    + Results.sql(dir.resolve("tasks.parquet")) + "')")) {
                r.next();
                assertEquals(4, r.getLong(1), "the planned columns in Parquet too, NULL stays NULL");
            }
        }
        assertTrue(Files.readString(dir.resolve("tasks.csv")).lines().findFirst().orElseThrow()
                .endsWith(",depends_on,depth,critical,planned_worker,planned_start_us,planned_finish_us"));

        JsonObject plan = summary.getAsJsonObject("plan");
        assertEquals("local", plan.get("planner").getAsString());
        assertEquals("p90", plan.get("sla").getAsString());
        assertEquals("worker-1", plan.get("home").getAsString());
        assertEquals(2_000.0, plan.get("predicted_makespan_ms").getAsDouble());
        assertEquals(2_500.0, plan.get("observed_makespan_ms").getAsDouble(), "the last end: notify's 2,500,000 us");
        assertEquals(20.0, plan.get("error_pct").getAsDouble(), 1e-9, "(2,500 - 2,000) / 2,500");
        // ran with a planned worker: split, count, total, notify (late never ran); where planned: split, count
        assertEquals(JsonParser.parseString("{\"on_plan\":2,\"planned\":4}"), plan.get("tasks_where_planned"));
        // away from home (worker-1): count 60 + 6, notify 8 + 0
        assertEquals(74, plan.get("bytes_moved").getAsLong());
        assertEquals(summary, JsonParser.parseString(Files.readString(dir.resolve("summary.json"))));
        assertEquals(2_500_000, summary.get("makespan_us").getAsLong(), "the fields before stay as they were");

        // nothing predicted: no error; no home: no bytes moved; all at home: 0 moved
        JsonObject none = JsonParser.parseString(PLAN).getAsJsonObject();
        none.addProperty("predicted_makespan_us", 0);
        none.addProperty("home", "");
        JsonObject p2 = DagResults.write(dir.resolve("none"), JsonParser.parseString(STATUS).getAsJsonObject(), SPEC,
                none, run("p")).getAsJsonObject("plan");
        assertTrue(p2.get("predicted_makespan_ms").isJsonNull());
        assertTrue(p2.get("error_pct").isJsonNull());
        assertTrue(p2.get("bytes_moved").isJsonNull());
        assertTrue(Files.readString(dir.resolve("none/summary.json")).contains("\"error_pct\": null"));
        assertEquals("split|null|0|100000", planned(dir.resolve("none")).get(0), "no worker and no home: NULL");
        String allHome = STATUS.replace("\"worker-2\"", "\"worker-1\"");
        JsonObject p3 = DagResults.write(dir.resolve("home"), JsonParser.parseString(allHome).getAsJsonObject(), SPEC,
                JsonParser.parseString(PLAN).getAsJsonObject(), run("p")).getAsJsonObject("plan");
        assertEquals(0, p3.get("bytes_moved").getAsLong());
        assertEquals(JsonParser.parseString("{\"on_plan\":2,\"planned\":4}"), p3.get("tasks_where_planned"));
    }

    @Test
    void withoutAPlanThePlannedColumnsAreNullAndTheSummaryHasNone(@TempDir Path dir) throws Exception {
        JsonObject summary = DagResults.write(dir, JsonParser.parseString(STATUS).getAsJsonObject(), SPEC, null,
                run("old"));
        assertEquals(List.of("split|null|null|null", "count|null|null|null", "total|null|null|null",
                "notify|null|null|null", "late|null|null|null"), planned(dir));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(Results.DB));
                Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM plan")) {
            r.next();
            assertEquals(0, r.getLong(1), "the table is there, empty");
        }
        assertFalse(summary.has("plan"));
        assertFalse(Files.readString(dir.resolve("summary.json")).contains("\"plan\""));
        DagReport.write(dir, summary);
        String timeline = Files.readString(dir.resolve("timeline.svg"));
        assertFalse(timeline.contains("planned"), "no planned bars, no key");
        assertTrue(timeline.contains(">2 tasks<"), "the lane's count as before");
        assertTrue(Files.readString(dir.resolve("report.html")).contains("<p class=\"plan\">Plan: none (a run from"
                + " before plans were kept, or from a node that does not serve them).</p>"));
    }

    @Test
    void theReportOverlaysThePlannedBarsAndStatesThePlanInItsHeader(@TempDir Path dir) throws Exception {
        JsonObject summary = DagResults.write(dir, JsonParser.parseString(STATUS).getAsJsonObject(), SPEC,
                JsonParser.parseString(PLAN).getAsJsonObject(), run("p"));
        DagReport.write(dir, summary);
        wellFormed(dir.resolve("timeline.svg"));
        String timeline = Files.readString(dir.resolve("timeline.svg"));
        // split, count, total and late have predicted times (notify has none): four thin unfilled bars
        List<String> bars = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<rect x=\"([0-9.]+)\" y=\"[0-9.]+\" width=\""
                + "([0-9.]+)\" height=\"6\" fill=\"none\" stroke=\"#[0-9a-f]+\" stroke-width=\"1\"><title>planned: "
                + "(\\w+)").matcher(timeline);
        while (m.find()) {
            bars.add(m.group(3) + "@" + m.group(1) + "+" + m.group(2));
        }
        // 1,000 pixels for 2,500 ms after a 170-pixel label: 0.4 px/ms
        assertEquals(List.of("split@170+40", "late@970+40", "count@210+72", "total@282+40"), bars);
        assertTrue(timeline.contains("planned: total (wc-sum-1) on worker-2, 280.0 ms to 380.0 ms\nran: on worker-1,"
                + " 300.2 ms to 400.0 ms"), "the tooltip sets plan and run side by side");
        assertTrue(timeline.contains("planned: late (mail-1) on worker-1, 2,000.0 ms to 2,100.0 ms\nskipped"));
        assertTrue(timeline.contains(">2 tasks, 2 planned<"), "the lane counts both");
        assertTrue(timeline.contains(">" + DagPictures.PLANNED_KEY + "<"), "the legend");
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<p class=\"plan\">Plan: planner local, SLA p90, home worker-1; makespan predicted"
                + " 2,000.0 ms, observed 2,500.0 ms, error +20.0 % (observed - predicted, of observed); 2 of 4 tasks"
                + " ran on their planned worker; 74 bytes in and out of tasks away from home.</p>"), html);
        assertTrue(html.contains("thin outlined ones: the plan's"));

        // drawn again from the folder alone: the same timeline, the planned bars from the table
        byte[] before = Files.readAllBytes(dir.resolve("timeline.svg"));
        DagReport.write(dir, JsonParser.parseString(Files.readString(dir.resolve("summary.json"))).getAsJsonObject());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("timeline.svg")));
    }

    private static void wellFormed(Path svg) throws Exception {
        assertEquals("svg", DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile())
                .getDocumentElement().getNodeName());
    }

    @Test
    void theReportDrawsTheGraphAndTheTimelineFromTheTable(@TempDir Path dir) throws Exception {
        JsonObject summary = DagResults.write(dir, JsonParser.parseString(STATUS).getAsJsonObject(), SPEC, run("x"));
        DagReport.write(dir, summary);
        wellFormed(dir.resolve("dag.svg"));
        wellFormed(dir.resolve("timeline.svg"));
        String graph = Files.readString(dir.resolve("dag.svg"));
        assertEquals(5, graph.split("<rect x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"150\"", -1).length - 1, "a box a task");
        assertTrue(graph.contains("stroke=\"" + DagPictures.CRITICAL + "\" stroke-width=\"3\""), "the critical path");
        assertTrue(graph.contains("<circle") && graph.contains("fill=\"" + DagPictures.FAILED + "\""), "a failure");
        assertTrue(graph.contains("stroke-dasharray"), "the skipped task");
        assertTrue(graph.contains("ValueError: bad &lt;b&gt;"), "tooltips, escaped");
        String timeline = Files.readString(dir.resolve("timeline.svg"));
        assertTrue(timeline.contains(">worker-1<") && timeline.contains(">worker-2<"), "a lane per worker");
        assertFalse(timeline.contains("late (mail-1)"), "a task that never ran has no bar");
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains(graph) && html.contains(timeline), "both inline");
        assertTrue(html.contains("<a href=\"dag.svg\">") && html.contains("<a href=\"timeline.svg\">"));
        assertTrue(html.contains("Traceback ...\n  x"), "the failure's traceback");

        // drawn again from the folder alone: the same pictures
        byte[] before = Files.readAllBytes(dir.resolve("dag.svg"));
        DagReport.write(dir, JsonParser.parseString(Files.readString(dir.resolve("summary.json"))).getAsJsonObject());
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("dag.svg")));
    }

    @Test
    void aLargeRunIsDrawnCondensedWithBoundedPictures(@TempDir Path dir) throws Exception {
        int n = 5_000;
        JsonArray tasks = new JsonArray();
        JsonArray records = new JsonArray();
        StringBuilder refs = new StringBuilder();
        tasks.add(JsonParser.parseString("{\"id\":\"root\",\"function\":\"split-1\"}"));
        records.add(record("root", "split-1", "w0", 0, 1_000));
        for (int i = 0; i < n; i++) {
            tasks.add(JsonParser.parseString("{\"id\":\"b" + i + "\",\"function\":\"count-1\",\"args\":{\"x\":"
                    + "{\"$ref\":\"root\"}}}"));
            records.add(record("b" + i, "count-1", "w" + (i % 4), 1_000 + i * 10L, 1_500 + i * 10L));
            refs.append(i == 0 ? "" : ",").append("{\"$ref\":\"b").append(i).append("\"}");
        }
        tasks.add(JsonParser.parseString("{\"id\":\"sum\",\"function\":\"sum-1\",\"args\":{\"xs\":[" + refs + "]}}"));
        records.add(record("sum", "sum-1", "w1", 51_000, 52_000));
        JsonObject spec = new JsonObject();
        spec.add("tasks", tasks);
        JsonObject status = JsonParser.parseString("{\"run\":\"r-2\",\"state\":\"succeeded\",\"elapsed_us\":52100}")
                .getAsJsonObject();
        status.add("records", records);
        JsonObject summary = DagResults.write(dir, status, spec.toString(), run("big"));
        DagReport.write(dir, summary);
        wellFormed(dir.resolve("dag.svg"));
        wellFormed(dir.resolve("timeline.svg"));
        String graph = Files.readString(dir.resolve("dag.svg"));
        assertTrue(graph.contains("count-1 \u00d75,000"), "one box for the branches, with their count");
        assertTrue(graph.length() < 20_000, "three boxes, two edges: " + graph.length());
        assertTrue(Files.size(dir.resolve("timeline.svg")) < 400_000, "bars that touch are drawn as one: "
                + Files.size(dir.resolve("timeline.svg")));
        assertEquals(3, summary.getAsJsonObject("critical_path").getAsJsonArray("tasks").size());
    }

    private static JsonObject record(String task, String fn, String worker, long start, long end) {
        JsonObject r = new JsonObject();
        r.addProperty("task", task);
        r.addProperty("function", fn);
        r.addProperty("state", "succeeded");
        r.addProperty("worker", worker);
        r.addProperty("start_us", start);
        r.addProperty("end_us", end);
        return r;
    }
}
