package dev.vireo.loadgen;

import dev.vireo.workload.TraceMapping;
import dev.vireo.workload.Row;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vireo.workload.FunctionTrace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsTest {
    private static Row row(int i, String fn, String state, long clientUs, boolean ok) {
        return new Row("t" + i, fn, "", 0, i * 1_000L, i * 1_000L, clientUs, ok, ok ? "" : "USER_ERROR",
                ok ? "" : "boom", i % 2 == 0 ? "w1" : "w2", state, 0, 0, 0, 0, 100, clientUs - 10,
                i % 3 == 0 ? -1 : i * 10L, i % 2 == 0 ? -1 : i * 100L, i == 5 ? 250_000L : -1, 1, 5, clientUs - 20,
                clientUs - 8);
    }

    @Test
    void theCpuWaitIsAColumnAfterTheWorkerTimingsAndNullWhereNotMeasured(@TempDir Path dir) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i <= 9; i++) {
            rows.add(row(i, "a-1", "warm", 1_000, true)); // rows 3, 6, 9 not measured
        }
        Results.write(dir, rows, new JsonObject());
        try (java.sql.Connection c = Results.open(dir); java.sql.Statement s = c.createStatement()) {
            for (String from : List.of("records", "'" + Results.sql(dir.resolve("records.parquet")) + "'",
                    "read_csv('" + Results.sql(dir.resolve("records.csv")) + "')")) {
                try (java.sql.ResultSet r = s.executeQuery("SELECT count(cpu_wait_us), sum(cpu_wait_us),"
                        + " count(*) FILTER (WHERE cpu_wait_us IS NULL) FROM " + from)) {
                    assertTrue(r.next());
                    assertEquals(6, r.getLong(1), from);
                    assertEquals(10 * (1 + 2 + 4 + 5 + 7 + 8), r.getLong(2), from);
                    assertEquals(3, r.getLong(3), from);
                }
            }
        }
        String header = Files.readAllLines(dir.resolve("records.csv")).get(0);
        assertTrue(header.contains(",worker_e2e_us,cpu_wait_us,cpu_time_us,energy_uj,attempts,"), header);
        try (java.sql.Connection c = Results.open(dir); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet r = s.executeQuery("SELECT count(cpu_time_us), sum(cpu_time_us), count(energy_uj),"
                        + " sum(energy_uj) FROM records")) {
            assertTrue(r.next());
            assertEquals(5, r.getLong(1), "CPU time of the odd rows: the others were not measured (NULL)");
            assertEquals(100 * (1 + 3 + 5 + 7 + 9), r.getLong(2));
            assertEquals(1, r.getLong(3));
            assertEquals(250_000, r.getLong(4));
        }
        assertTrue(header.endsWith(",overhead_us,seed"), "no seed in the run: an empty column, no policies: " + header);
        assertTrue(Files.readAllLines(dir.resolve("records.csv")).get(3).contains(",990,,300,,1,"),
                "row 3 has an empty cell: " + Files.readAllLines(dir.resolve("records.csv")).get(3));
    }

    @Test
    void exportedRowsCarryTheRunsSeedAndPolicies(@TempDir Path dir) throws Exception {
        JsonObject run = new JsonObject();
        run.addProperty("seed", 7);
        JsonObject policies = new JsonObject();
        policies.addProperty("queue", "sjf");
        policies.addProperty("keepalive", "greedy-dual");
        policies.addProperty("resource", "cpu,memory");
        run.add("policies", policies);
        Results.write(dir, List.of(row(1, "a-1", "warm", 1_000, true), row(2, "a-1", "cold", 2_000, true)), run);
        try (java.sql.Connection c = Results.open(dir); java.sql.Statement s = c.createStatement()) {
            for (String from : List.of("'" + Results.sql(dir.resolve("records.parquet")) + "'",
                    "read_csv('" + Results.sql(dir.resolve("records.csv")) + "')")) {
                try (java.sql.ResultSet r = s.executeQuery("SELECT count(*), min(seed), max(policy_queue),"
                        + " max(policy_keepalive), max(policy_resource) FROM " + from)) {
                    assertTrue(r.next());
                    assertEquals(2, r.getLong(1), from);
                    assertEquals(7, r.getLong(2), from);
                    assertEquals("sjf", r.getString(3), from);
                    assertEquals("greedy-dual", r.getString(4), from);
                    assertEquals("cpu,memory", r.getString(5), from);
                }
            }
            try (java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM records")) {
                assertTrue(r.next());
                assertEquals(2, r.getLong(1), "the database's records table is unchanged");
            }
        }
    }

    @Test
    void theSummaryIsComputedFromTheRecordsAndIsTheSameForTheSameRows(@TempDir Path dir) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            rows.add(row(i, i <= 60 ? "a-1" : "b-1", i % 10 == 0 ? "cold" : "warm", i * 100L, i != 50));
        }
        JsonObject run = new JsonObject();
        run.addProperty("name", "x");
        run.addProperty("kind", "bench");
        JsonObject s = Results.write(dir.resolve("one"), rows, run);
        JsonObject overall = s.getAsJsonObject("overall");
        assertEquals(100, overall.get("count").getAsLong());
        assertEquals(1, overall.get("errors").getAsLong());
        assertEquals(10.0, overall.get("cold_pct").getAsDouble(), 1e-9);
        assertEquals(5_000, overall.get("e2e_p50_us").getAsLong(), "the 50th of 100, 100..10,000 us");
        assertEquals(9_900, overall.get("e2e_p99_us").getAsLong());
        assertEquals(4_900, overall.get("overhead_p50_us").getAsLong(), "client time minus execution");
        assertEquals(60, s.getAsJsonObject("functions").getAsJsonObject("a-1").get("count").getAsLong());
        assertEquals(50, s.getAsJsonObject("workers").get("w1").getAsLong());
        assertEquals(1, s.getAsJsonObject("errors").get("USER_ERROR").getAsLong());
        // the same rows in another order give the same bytes
        List<Row> shuffled = new ArrayList<>(rows);
        java.util.Collections.shuffle(shuffled, new java.util.Random(3));
        Results.write(dir.resolve("two"), shuffled, run);
        assertArrayEquals(Files.readAllBytes(dir.resolve("one/summary.json")), Files.readAllBytes(dir.resolve("two/summary.json")));
        // a third run: the first 50 rows only (60 of a-1 and 40 of b-1 before; now fewer, and other percentiles)
        Results.write(dir.resolve("three"), rows.subList(0, 50), run);
        com.google.gson.JsonObject cmp = Results.compare(List.of(dir.resolve("one"), dir.resolve("two"),
                dir.resolve("three")));
        assertEquals(3, cmp.getAsJsonArray("runs").size());
        com.google.gson.JsonObject overallOfAll = cmp.getAsJsonArray("groups").get(0).getAsJsonObject();
        assertEquals("overall", overallOfAll.get("name").getAsString());
        var stats = overallOfAll.getAsJsonArray("stats");
        assertEquals(stats.get(0), stats.get(1), "the same rows compare equal");
        assertEquals(100, stats.get(0).getAsJsonObject().get("count").getAsLong());
        assertEquals(50, stats.get(2).getAsJsonObject().get("count").getAsLong(), "each run's own statistics");
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        Results.printComparison(cmp, new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        String table = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(table.contains("C = " + dir.resolve("three")) && table.contains("B vs A") && table.contains("C vs A"),
                table);
        assertTrue(table.matches("(?s).*count\\s+100\\s+100\\s+50\\s+=\\s+-50\\.0%.*"), table);
        IllegalArgumentException missing = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Results.compare(List.of(dir.resolve("one"), dir.resolve("nothing-here"))));
        assertTrue(missing.getMessage().contains("is not a results folder"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Results.compare(List.of(dir.resolve("one"))),
                "one run is nothing to compare");
        Report.write(dir.resolve("one"), s);
        assertTrue(Files.size(dir.resolve("one/latency-cdf.png")) > 1_000);
        assertTrue(Files.size(dir.resolve("one/latency-cdf.svg")) > 1_000, "a vector copy beside each PNG");
        String html = Files.readString(dir.resolve("one/report.html"));
        assertTrue(html.contains("<img src=\"latency-cdf.png\"") && html.contains("<a href=\"latency-cdf.svg\">"), html);
    }

    @Test
    void drawnExecutionTimesFollowTheTracesPercentiles() {
        FunctionTrace f = new FunctionTrace("o", "a", "f", "http", new int[] {1},
                new FunctionTrace.Durations(50, 1, 1, 1000, 1, 2, 10, 40, 80, 500, 1000), 128);
        SplittableRandom r = new SplittableRandom(1);
        long[] draws = new long[10_000];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = TraceMapping.drawMs(f, r);
            assertTrue(draws[i] >= 1 && draws[i] <= 1000);
        }
        java.util.Arrays.sort(draws);
        assertTrue(Math.abs(draws[5_000] - 40) <= 3, "median " + draws[5_000]);
        assertTrue(Math.abs(draws[2_500] - 10) <= 2, "p25 " + draws[2_500]);
        assertEquals(TraceMapping.drawMs(f, new SplittableRandom(9)), TraceMapping.drawMs(f, new SplittableRandom(9)));
    }
}
