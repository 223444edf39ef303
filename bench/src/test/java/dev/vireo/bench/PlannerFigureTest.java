package dev.vireo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner comparison's figure: four measures, live beside simulated, a bar per planner and graph. */
class PlannerFigureTest {
    @TempDir
    Path dir;

    static JsonArray rows(double scale) {
        JsonArray rows = new JsonArray();
        int i = 0;
        for (String p : PlannerBench.PLANNERS) {
            for (PlannerBench.Graph g : PlannerBench.graphs()) {
                JsonObject o = new JsonObject();
                o.addProperty("graph", g.name());
                o.addProperty("planner", p);
                o.addProperty("makespan_ms", scale * (100 + i));
                o.addProperty("container_s", scale * i / 10.0);
                o.addProperty("cold_starts", i % 4);
                o.addProperty("bytes_moved", 1000L * i++);
                rows.add(o);
            }
        }
        return rows;
    }

    @Test
    void liveAndSimulatedSideBySideForEveryMeasure() throws Exception {
        List<Path> files = PlannerBench.figure(dir, "planners", rows(1), rows(0.9));
        BufferedImage png = ImageIO.read(files.get(0).toFile());
        assertEquals(2 * dev.vireo.loadgen.ComparisonFigure.PANEL_W, png.getWidth(), "live | simulated");
        assertEquals(4 * dev.vireo.loadgen.ComparisonFigure.PANEL_H, png.getHeight(), "one row per measure");
        String svg = Files.readString(files.get(1));
        assertTrue(svg.contains("viewBox=\"0 0 " + 2 * dev.vireo.loadgen.ComparisonFigure.PANEL_W + " "
                + 4 * dev.vireo.loadgen.ComparisonFigure.PANEL_H + "\""), "the SVG is the same grid");
        List<Path> liveOnly = PlannerBench.figure(dir, "live", rows(1), null);
        assertEquals(4 * dev.vireo.loadgen.ComparisonFigure.PANEL_H, ImageIO.read(liveOnly.get(0).toFile())
                .getHeight());
        assertEquals(dev.vireo.loadgen.ComparisonFigure.PANEL_W, ImageIO.read(liveOnly.get(0).toFile()).getWidth());
    }

    @Test
    void theMedianRunIsReportedWholeWithEveryRunsMakespan() {
        List<JsonObject> runs = new java.util.ArrayList<>();
        for (double ms : new double[] {300, 100, 200}) {
            JsonObject o = new JsonObject();
            o.addProperty("makespan_ms", ms);
            o.addProperty("predicted_ms", ms + 1);
            runs.add(o);
        }
        JsonObject m = PlannerBench.median(runs);
        assertEquals(200, m.get("makespan_ms").getAsDouble());
        assertEquals(201, m.get("predicted_ms").getAsDouble(), "the median run's own prediction");
        assertEquals("[300.0,100.0,200.0]", m.get("makespan_runs_ms").toString());
    }
}
