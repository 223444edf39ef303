package dev.vireo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How runs look in the terminal: the progress bar, a status, the list, a result. */
class DagViewTest {
    /** A run's status as the API answers it (GET /dags/run-7, the worker.http tests' failed run). */
    static final String FAILED = """
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
                        "detail":"Traceback (most recent call last):\\n  File x"}},
              {"task":"report","function":"report-1","state":"skipped","worker":"","container":"","attempts":0,
               "items":0,"start_us":-1,"end_us":-1,"queued_us":0,"input_us":0,"execution_us":0,"output_us":0,
               "bytes_in":0,"bytes_out":0}]}""";

    static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    static JsonObject running(int tasks, int waiting, int running, int succeeded, int failed) {
        return json("{\"run\":\"run-1\",\"name\":\"\",\"state\":\"running\",\"submitted\":\"2026-11-22T20:50:13.646Z\","
                + "\"elapsed_us\":1500,\"tasks\":" + tasks + ",\"finished\":" + (succeeded + failed)
                + ",\"counts\":{\"waiting\":" + waiting + ",\"running\":" + running + ",\"succeeded\":" + succeeded
                + ",\"failed\":" + failed + ",\"skipped\":0,\"cancelled\":0}}");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "40|28|0|0|0|[..........] 0/40 tasks, 0 running, 0 failed",
        "40|25|3|12|0|[###.......] 12/40 tasks, 3 running, 0 failed",
        "40|0|1|38|1|[#########.] 39/40 tasks, 1 running, 1 failed",
        "3|0|0|1|0|[###.......] 1/3 tasks, 0 running, 0 failed"})
    void theBarFillsAsTasksFinishAndIsFullOnlyAtTheEnd(int tasks, int waiting, int running, int succeeded,
            int failed, String line) {
        assertEquals(line, DagView.progress(running(tasks, waiting, running, succeeded, failed), 10));
    }

    @Test
    void anEndedRunSaysHowItEndedAndWhatWasNotRun() {
        assertEquals("[##############################] 4/4 tasks, 0 running, 1 failed, 1 skipped: failed in 2.50 s",
                DagView.progress(json(FAILED), DagView.BAR_WIDTH));
        JsonObject cancelled = running(5, 0, 0, 2, 0);
        cancelled.addProperty("state", "cancelled");
        cancelled.addProperty("finished", 5);
        cancelled.getAsJsonObject("counts").addProperty("cancelled", 3);
        assertEquals("[##########] 5/5 tasks, 0 running, 0 failed, 3 cancelled: cancelled in 1.5 ms",
                DagView.progress(cancelled, 10));
    }

    @Test
    void aStatusShowsTheRunEachTaskAndEachError() {
        assertEquals("""
                run        run-7 (wc)
                state      failed: 4 of 4 tasks done (2 succeeded, 1 failed, 1 skipped)
                submitted  2026-11-22T20:50:13.646Z, took 2.50 s
                failure    sum: USER_ERROR: ValueError: bad

                TASK    FUNCTION  STATE     TRIES  ITEMS  WORKER       CONTAINER   START ms     END ms    EXEC ms       IN B      OUT B
                split   split-1   succeeded     1      0  worker-1     cold             0.0      120.0      100.0         20         31
                count   len-1     succeeded     4      3  worker-1     warm           120.0      300.0      150.0         60          6
                sum     sum-1     failed        3      0  worker-1     warm           300.0     2400.0        2.0          8          0
                report  report-1  skipped       0      0  -            -                  -          -        0.0          0          0

                error of sum: USER_ERROR: ValueError: bad
                  Traceback (most recent call last):
                    File x
                """, DagView.status(json(FAILED)).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aStatusWithoutRecordsIsItsHeader() {
        assertEquals("""
                run        run-1
                state      running: 12 of 40 tasks done (25 waiting, 3 running, 12 succeeded)
                submitted  2026-11-22T20:50:13.646Z, running for 1.5 ms
                """, DagView.status(running(40, 25, 3, 12, 0)).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void theListIsATableNewestFirst() {
        JsonObject failed = json(FAILED);
        failed.remove("records");
        com.google.gson.JsonArray runs = new com.google.gson.JsonArray();
        runs.add(running(40, 25, 3, 12, 0));
        runs.add(failed);
        assertEquals("""
                RUN    NAME  STATE        DONE/TASKS RUNNING  FAILED  SUBMITTED                   ELAPSED
                run-1  -     running           12/40       3       0  2026-11-22T20:50:13.646Z     1.5 ms
                run-7  wc    failed              4/4       0       1  2026-11-22T20:50:13.646Z     2.50 s
                """, DagView.list(runs).replace(System.lineSeparator(), "\n"));
        assertEquals("(no runs)\n", DagView.list(new com.google.gson.JsonArray()).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aResultIsEachOutputOnALine() {
        assertEquals("""
                run-1 succeeded: 2 outputs
                sum    42
                words  ["a","b"]
                """, DagView.result(json("{\"run\":\"run-1\",\"state\":\"succeeded\",\"outputs\":{\"sum\":42,"
                + "\"words\":[\"a\",\"b\"]}}")).replace(System.lineSeparator(), "\n"));
        assertEquals("run-2 failed: 0 outputs\n", DagView.result(json("{\"run\":\"run-2\",\"state\":\"failed\","
                + "\"outputs\":{}}")).replace(System.lineSeparator(), "\n"));
    }

    /** A run's plan as the API answers it (GET /dags/run-7/plan). */
    static final String PLAN = """
            {"run":"run-7","planner":"heft","sla":"p90","home":"worker-1","predicted_makespan_us":2400000,"steps":[
             {"task":"split","worker":"worker-1","group":"g1","prewarm":false,"priority":3,"start_us":0,
              "finish_us":120000},
             {"task":"count","worker":"worker-12","group":"g1","prewarm":true,"priority":2,"start_us":120000,
              "finish_us":300000},
             {"task":"sum","worker":"","group":"","prewarm":false,"priority":-1,"start_us":-1,"finish_us":-1}]}""";

    @Test
    void aPlanShowsThePlannerTheMakespanAndEachStepWithItsPredictedTimesInMs() {
        assertEquals("""
                run        run-7
                planner    heft, sla p90, home worker-1
                makespan   2.40 s predicted

                TASK   WORKER     GROUP  PREWARM PRIORITY   START ms  FINISH ms
                split  worker-1   g1     no             3        0.0      120.0
                count  worker-12  g1     yes            2      120.0      300.0
                sum    -          -      no            -1          -          -
                """, DagView.plan(json(PLAN)).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void aRunWithoutAKeptPlanSaysSo() {
        assertEquals("""
                run        old-1
                planner    -, sla -, home -
                makespan   not predicted
                (no steps: the run was submitted before plans were kept)
                """, DagView.plan(json("{\"run\":\"old-1\",\"planner\":\"\",\"sla\":\"\",\"predicted_makespan_us\":0,"
                + "\"steps\":[]}")).replace(System.lineSeparator(), "\n"));
    }

    @ParameterizedTest
    @CsvSource({"0,0 us", "999,999 us", "1500,1.5 ms", "2500000,2.50 s", "125000000,2 min 05 s",
        "7500000000,2 h 05 min"})
    void durationsReadAsPeopleSayThem(long us, String text) {
        assertEquals(text, DagView.duration(us));
    }
}
