package dev.vireo.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeedStatsTest {
    @Test
    void seedsAreARangeOrAList() {
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), SeedStats.parse("1-5"));
        assertEquals(List.of(7L, 3L), SeedStats.parse("7, 3"));
        assertEquals(List.of(Long.MAX_VALUE - 1, Long.MAX_VALUE),
                SeedStats.parse((Long.MAX_VALUE - 1) + "-" + Long.MAX_VALUE), "the last long ends the range");
        for (String bad : List.of("5-1", "1", "1-1", "a-b", "1,1", "1,-2", "0-100", "")) {
            assertThrows(IllegalArgumentException.class, () -> SeedStats.parse(bad), bad);
        }
    }

    @Test
    void theIntervalIsStudentsTOverTheSeeds() {
        // 10, 12, 14: mean 12, sd 2, t(0.975, 2) = 4.303: half-width 4.303 * 2 / sqrt(3) = 4.969
        double[] m = SeedStats.meanAndHalfWidth(new double[] {10, 12, 14});
        assertEquals(12, m[0], 1e-9);
        assertEquals(4.9686, m[1], 1e-3);
        assertEquals(0, SeedStats.meanAndHalfWidth(new double[] {5, 5})[1], 1e-12, "no spread, no interval");
        // five seeds: t(0.975, 4) = 2.776
        assertEquals(2.776 * Math.sqrt(2.5) / Math.sqrt(5), SeedStats.meanAndHalfWidth(new double[] {1, 2, 3, 4, 5})[1],
                1e-3);
    }

    @Test
    void linesAreGroupedByPointInTheirOrder() {
        JsonArray lines = new JsonArray();
        long[][] p50 = {{100, 120}, {300, 280}};
        String[] points = {"queue=fcfs", "queue=sjf"};
        for (int p = 0; p < 2; p++) {
            for (int s = 0; s < 2; s++) {
                JsonObject overall = new JsonObject();
                for (String stat : SeedStats.STATS) {
                    overall.addProperty(stat, 1.0);
                }
                overall.addProperty("e2e_p50_us", p50[p][s]);
                JsonObject l = new JsonObject();
                l.addProperty("point", points[p]);
                l.addProperty("seed", s + 1);
                l.add("policies", new JsonObject());
                l.add("overall", overall);
                lines.add(l);
            }
        }
        JsonArray by = SeedStats.byPoint(lines);
        assertEquals(2, by.size());
        JsonObject fcfs = by.get(0).getAsJsonObject();
        assertEquals("queue=fcfs", fcfs.get("point").getAsString());
        assertEquals(110, fcfs.getAsJsonObject("e2e_p50_us").get("mean").getAsDouble(), 1e-9);
        assertEquals(2, fcfs.getAsJsonObject("e2e_p50_us").getAsJsonArray("values").size());
        assertEquals(290, by.get(1).getAsJsonObject().getAsJsonObject("e2e_p50_us").get("mean").getAsDouble(), 1e-9);
        String table = SeedStats.table(by);
        assertTrue(table.contains("queue=sjf") && table.contains("290 +- "), table);
        assertTrue(!table.contains("every seed gave the same"), table);
        for (var e : lines) {
            e.getAsJsonObject().getAsJsonObject("overall").addProperty("e2e_p50_us", 100);
        }
        assertTrue(SeedStats.table(SeedStats.byPoint(lines)).contains("every seed gave the same figures"),
                "seeds that change nothing are said to");
    }
}
