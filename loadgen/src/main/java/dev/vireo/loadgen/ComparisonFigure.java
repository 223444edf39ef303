package dev.vireo.loadgen;

import de.erichseifert.vectorgraphics2d.VectorGraphics2D;
import de.erichseifert.vectorgraphics2d.svg.SVGProcessor;
import de.erichseifert.vectorgraphics2d.util.PageSize;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/**
 * A figure of grouped bar charts in a grid, one panel per measure: the same categories (e.g. graphs) along each
 * panel's x axis, one bar colour per series (e.g. planner), so several measures of several runs compare at a glance.
 * Written twice with one base name, a PNG and an SVG, each one image with every panel. XChart draws each panel;
 * the grid is this class's own (XChart writes a grid of charts only as a bitmap).
 */
public final class ComparisonFigure {
    /**
     * One panel.
     *
     * @param title      above the panel
     * @param yLabel     the measure and its unit
     * @param categories the groups along x
     * @param series     name -> one value per category, in order (NaN draws no bar)
     */
    public record Panel(String title, String yLabel, List<String> categories, Map<String, double[]> series) {
        public Panel {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(yLabel, "yLabel");
            categories = List.copyOf(categories);
            series = new LinkedHashMap<>(series);
            for (var e : series.entrySet()) {
                if (e.getValue().length != categories.size()) {
                    throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length
                            + " values for " + categories.size() + " categories");
                }
            }
        }
    }

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    public static final int PANEL_W = 640;
    public static final int PANEL_H = 380;

    private ComparisonFigure() {
    }

    /**
     * Writes {@code base.png} and {@code base.svg} into {@code dir}: the panels row by row, {@code columns} a row.
     *
     * @return the two files, PNG first
     */
    public static List<Path> write(Path dir, String base, List<Panel> panels, int columns) throws IOException {
        if (panels.isEmpty() || columns < 1) {
            throw new IllegalArgumentException("a figure needs at least one panel and one column");
        }
        List<CategoryChart> charts = new ArrayList<>();
        for (Panel p : panels) {
            charts.add(chart(p));
        }
        int cols = Math.min(columns, charts.size());
        int rows = (charts.size() + cols - 1) / cols;
        int w = cols * PANEL_W;
        int h = rows * PANEL_H;
        Files.createDirectories(dir);
        Path png = dir.resolve(base + ".png");
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        paint(g, charts, cols, w, h);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
        Path svg = dir.resolve(base + ".svg");
        VectorGraphics2D vg = new VectorGraphics2D();
        paint(vg, charts, cols, w, h);
        try (OutputStream out = Files.newOutputStream(svg)) {
            new SVGProcessor().getDocument(vg.getCommands(), new PageSize(0, 0, w, h)).writeTo(out);
        }
        return List.of(png, svg);
    }

    private static void paint(Graphics2D g, List<CategoryChart> charts, int cols, int w, int h) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < charts.size(); i++) {
            Graphics2D panel = (Graphics2D) g.create((i % cols) * PANEL_W, (i / cols) * PANEL_H, PANEL_W, PANEL_H);
            charts.get(i).paint(panel, PANEL_W, PANEL_H);
            panel.dispose();
        }
    }

    /** One panel as XChart's grouped bar chart (built alone so tests can ask it). */
    static CategoryChart chart(Panel p) {
        CategoryChart c = new CategoryChartBuilder().width(PANEL_W).height(PANEL_H).title(p.title())
                .yAxisTitle(p.yLabel()).build();
        org.knowm.xchart.style.CategoryStyler st = c.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(0xdddddd));
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendLayout(Styler.LegendLayout.Horizontal);
        st.setLegendBorderColor(Color.WHITE);
        st.setChartTitleBoxVisible(false);
        // a category name wider than its share of the axis (~8 px a character) would overlap its neighbours: slant
        int longest = p.categories().stream().mapToInt(String::length).max().orElse(0);
        st.setXAxisLabelRotation(longest * 8 > (PANEL_W - 100) / Math.max(1, p.categories().size()) ? 20 : 0);
        st.setAxisTickLabelsFont(st.getAxisTickLabelsFont().deriveFont(11f));
        st.setYAxisTickMarkSpacingHint(48);
        st.setYAxisDecimalPattern("#,##0.##");
        st.setYAxisMin(0.0);
        boolean allZero = p.series().values().stream().flatMapToDouble(java.util.Arrays::stream)
                .allMatch(v -> !Double.isFinite(v) || v == 0);
        if (allZero) {
            st.setYAxisMax(1.0); // an axis with some height: every bar is 0, none is missing
        }
        int k = 0;
        for (var e : p.series().entrySet()) {
            List<Double> ys = new ArrayList<>();
            for (double v : e.getValue()) {
                ys.add(Double.isFinite(v) ? v : null);
            }
            CategorySeries s = c.addSeries(e.getKey(), p.categories(), ys);
            s.setFillColor(PALETTE[k++ % PALETTE.length]);
        }
        return c;
    }
}
