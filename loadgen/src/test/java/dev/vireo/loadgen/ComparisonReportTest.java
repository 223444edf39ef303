package dev.vireo.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vireo.workload.Row;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonReportTest {
    /** A run of 100 warm invocations taking {@code scale} x 1..100 ms, the first {@code cold} of them cold. */
    private static Path run(Path dir, String name, long scale, int cold) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            long client = scale * i * 1_000;
            rows.add(new Row("t" + i, "f-1", "", 0, i * 1_000L, i * 1_000L, client, true, "", "", "w1",
                    i <= cold ? "cold" : "warm", 0, 0, 0, 0, client - 500, client - 100, -1, -1, -1, 1, 5, client - 50,
                    client - 20));
        }
        Path out = dir.resolve(name);
        Results.write(out, rows, new JsonObject());
        return out;
    }

    @Test
    void thePageOverlaysTheRunsAndTabulatesThem(@TempDir Path dir) throws Exception {
        Path a = run(dir, "a", 1, 10);
        Path b = run(dir, "b", 3, 40);
        Path page = ComparisonReport.write(dir.resolve("cmp"), "Sweep x", List.of(a, b), List.of("queue=fcfs",
                "queue=sjf"));
        String html = Files.readString(page);
        assertTrue(html.contains("<h1>Sweep x</h1>"), html);
        assertTrue(html.contains("<td>queue=fcfs</td>") && html.contains("<td>queue=sjf</td>"), html);
        // the table is the runs' statistics: p50 of 1..100 ms (x3 for b) and the cold shares
        assertTrue(html.contains("<td>10</td>") && html.contains("<td>40</td>"), "cold %: " + html);
        assertTrue(html.contains("<td>50,000</td>") && html.contains("<td>150,000</td>"), "e2e p50: " + html);
        for (String f : List.of("compare-cdf.png", "compare-cdf.svg", "compare-bars.png", "compare-bars.svg")) {
            assertTrue(html.contains(f), f);
            assertTrue(Files.size(dir.resolve("cmp").resolve(f)) > 1_000, f);
        }
        BufferedImage bars = ImageIO.read(dir.resolve("cmp/compare-bars.png").toFile());
        assertEquals(2 * ComparisonFigure.PANEL_W, bars.getWidth(), "two panels side by side");
    }

    @Test
    void oneRunOrMismatchedLabelsAreRefused(@TempDir Path dir) throws Exception {
        Path a = run(dir, "a", 1, 0);
        assertThrows(IllegalArgumentException.class, () -> ComparisonReport.write(dir, "x", List.of(a),
                List.of("a")));
        assertThrows(IllegalArgumentException.class, () -> ComparisonReport.write(dir, "x", List.of(a, a),
                List.of("a")));
    }
}
