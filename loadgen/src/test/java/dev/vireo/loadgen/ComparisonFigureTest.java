package dev.vireo.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;

/** Grouped bars in a grid: one image with every panel, as PNG and SVG; each bar the value it was given. */
class ComparisonFigureTest {
    @TempDir
    Path dir;

    static ComparisonFigure.Panel panel(String title) {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("local", new double[] {10, 20, 30});
        s.put("heft", new double[] {5, Double.NaN, 25});
        return new ComparisonFigure.Panel(title, "ms", List.of("chain", "fan-out", "tree"), s);
    }

    @Test
    void everyPanelIsInOneImageOfBothFormats() throws Exception {
        List<Path> files = ComparisonFigure.write(dir, "cmp", List.of(panel("makespan (live)"),
                panel("makespan (sim)"), panel("cost (live)")), 2);
        assertEquals(List.of(dir.resolve("cmp.png"), dir.resolve("cmp.svg")), files);
        BufferedImage png = ImageIO.read(files.get(0).toFile());
        assertEquals(2 * ComparisonFigure.PANEL_W, png.getWidth(), "two columns");
        assertEquals(2 * ComparisonFigure.PANEL_H, png.getHeight(), "three panels in two rows");
        String svg = Files.readString(files.get(1));
        assertTrue(svg.startsWith("<?xml") && svg.contains("<svg"), svg.substring(0, Math.min(200, svg.length())));
        assertTrue(svg.contains("width=\"" + 2 * ComparisonFigure.PANEL_W), "the SVG has the grid's size");
    }

    @Test
    void barsAreTheGivenValuesAndAMissingValueIsNoBar() {
        CategoryChart c = ComparisonFigure.chart(panel("p"));
        assertEquals(List.of(10.0, 20.0, 30.0), c.getSeriesMap().get("local").getYData());
        List<?> heft = new java.util.ArrayList<>(c.getSeriesMap().get("heft").getYData());
        assertEquals(5.0, heft.get(0));
        assertNull(heft.get(1));
    }

    @Test
    void aSeriesOfTheWrongLengthIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ComparisonFigure.Panel("t",
                "ms", List.of("a", "b"), Map.of("local", new double[] {1})));
        assertTrue(e.getMessage().contains("'local' has 1 values for 2 categories"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ComparisonFigure.write(dir, "x", List.of(), 1));
    }
}
