package dev.vireo.loadgen;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.awt.font.TextLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line/scatter chart of a run's report, drawn by XChart (headless) and written twice with the same base name: a PNG
 * for report.html and an SVG for papers. The only class of loadgen that knows the charting library.
 *
 * <p>The axes are set here rather than left to the library's defaults: a fixed y range stays exactly that range (the
 * CDF's [0, 1]); a log x axis starts and ends on whole decades and labels only the decades (1, 10, 100, 1,000 ms);
 * a linear y axis starts at 0 (or below, for negative values) with 5 % head room, and a linear axis spanning 10^5 or
 * more counts in thousands, millions... (its title says which) where XChart would write 3.5E8. The legend sits below
 * the plot (one row, or one entry a row when that is too wide, the chart growing to keep the plot's height) so it
 * never covers data.
 */
final class Chart {
    /** One series; {@code right} puts it on the right-hand axis. */
    record Series(String name, double[] x, double[] y, boolean points, boolean right) {
    }

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final int W = 960;
    /** the height with a one-row legend; a legend with one entry a row adds {@link #LEGEND_ROW} an entry */
    private static final int H = 460;
    private static final int LEGEND_ROW = 18;
    private static final Font LEGEND_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    /** log-axis labels: whole numbers with a thousands separator, and the decades below 1 ms */
    static final String LOG_LABELS = "#,##0.###";

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private String rightLabel = "";
    private boolean logX;
    private double[] yRange;
    private final List<Series> series = new ArrayList<>();
    private XYChart drawn;

    Chart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    Chart logX() {
        logX = true;
        drawn = null;
        return this;
    }

    Chart rightLabel(String label) {
        rightLabel = label;
        drawn = null;
        return this;
    }

    /** The left y axis spans exactly [lo, hi] (a CDF's [0, 1]) whatever the data. */
    Chart yRange(double lo, double hi) {
        yRange = new double[] {lo, hi};
        drawn = null;
        return this;
    }

    Chart add(Series s) {
        if (s.x().length > 0) {
            series.add(s);
            drawn = null;
        }
        return this;
    }

    boolean isEmpty() {
        return series.stream().noneMatch(s -> plottable(s).length > 0);
    }

    /**
     * Writes {@code base.png} and {@code base.svg} into {@code dir}.
     *
     * @return the two file names, PNG first
     */
    List<String> write(Path dir, String base) throws IOException {
        XYChart chart = xchart();
        String png = base + ".png";
        String svg = base + ".svg";
        try (OutputStream out = Files.newOutputStream(dir.resolve(png))) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(svg))) {
            VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        }
        return List.of(png, svg);
    }

    /** The library's chart as {@link #write} draws it (built once per set of series; tests ask its axes). */
    XYChart xchart() {
        if (drawn == null) {
            drawn = build();
        }
        return drawn;
    }

    /** The indices of the points that can be drawn: finite, and above 0 on a log axis. */
    private int[] plottable(Series s) {
        return IntStream.range(0, Math.min(s.x().length, s.y().length))
                .filter(i -> Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i]) && (!logX || s.x()[i] > 0))
                .toArray();
    }

    private XYChart build() {
        List<String> names = new ArrayList<>();
        List<double[][]> data = new ArrayList<>();
        List<Series> kept = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (Series s : series) {
            int[] idx = plottable(s);
            if (idx.length == 0) {
                continue;
            }
            double[] x = new double[idx.length];
            double[] y = new double[idx.length];
            for (int i = 0; i < idx.length; i++) {
                x[i] = s.x()[idx[i]];
                y[i] = s.y()[idx[i]];
            }
            String name = s.name() + (s.right() ? " (right axis)" : "");
            for (int n = 2; !taken.add(name); n++) { // the library keys its series by name
                name = s.name() + " #" + n + (s.right() ? " (right axis)" : "");
            }
            names.add(name);
            data.add(new double[][] {x, y});
            kept.add(s);
        }
        boolean right = kept.stream().anyMatch(Series::right);
        double[] left = yRange != null ? yRange.clone() : linearRange(kept, data, false);
        double[] rightRange = right ? linearRange(kept, data, true) : null;
        // XChart labels a linear axis spanning 10^5 or more as 3.5E8: such an axis counts in thousands, millions...
        double leftScale = scale(left);
        double rightScale = right ? scale(rightRange) : 1;
        double xScale = logX ? 1 : scale(xRange(data));
        for (int k = 0; k < kept.size(); k++) {
            double[][] xy = data.get(k);
            divide(xy[0], xScale);
            divide(xy[1], kept.get(k).right() ? rightScale : leftScale);
        }
        divide(left, leftScale);
        boolean oneRow = legendWidth(names) <= W - 40;
        int height = oneRow ? H : H - LEGEND_ROW + LEGEND_ROW * names.size();
        XYChart chart = new XYChartBuilder().width(W).height(height).title(title)
                .xAxisTitle(xLabel + (logX ? " (log scale)" : unit(xScale))).yAxisTitle(yLabel + unit(leftScale))
                .build();
        XYStyler st = chart.getStyler();
        style(st);
        st.setLegendLayout(oneRow ? Styler.LegendLayout.Horizontal : Styler.LegendLayout.Vertical);
        for (int k = 0; k < kept.size(); k++) {
            Series s = kept.get(k);
            double[][] xy = data.get(k);
            XYSeries xs = chart.addSeries(names.get(k), xy[0], xy[1]);
            xs.setLineColor(PALETTE[k % PALETTE.length]);
            xs.setMarkerColor(PALETTE[k % PALETTE.length]);
            if (s.points()) {
                xs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                xs.setMarker(SeriesMarkers.CIRCLE);
            } else {
                xs.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                xs.setMarker(SeriesMarkers.NONE);
                xs.setLineWidth(1.8f);
            }
            if (s.right()) {
                xs.setYAxisGroup(1);
            }
        }
        if (right) {
            divide(rightRange, rightScale);
            st.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
            chart.setYAxisGroupTitle(1, rightLabel + unit(rightScale));
            st.setYAxisMin(1, rightRange[0]);
            st.setYAxisMax(1, rightRange[1]);
        }
        st.setYAxisMin(0, left[0]);
        st.setYAxisMax(0, left[1]);
        if (logX) {
            double[] decades = decades(xRange(data));
            st.setXAxisLogarithmic(true);
            st.setXAxisLogarithmicDecadeOnly(true);
            st.setXAxisDecimalPattern(LOG_LABELS);
            st.setXAxisMin(decades[0]);
            st.setXAxisMax(decades[1]);
        }
        return chart;
    }

    /** The whole decades around [lo, hi] (lo > 0), at least one decade apart. */
    static double[] decades(double[] range) {
        double a = Math.pow(10, Math.floor(Math.log10(range[0])));
        double b = Math.pow(10, Math.ceil(Math.log10(range[1])));
        return new double[] {a, b > a ? b : a * 10};
    }

    /** From 0 (or the lowest value, if below 0) to 5 % over the highest value of one side's series. */
    private static double[] linearRange(List<Series> kept, List<double[][]> data, boolean right) {
        double lo = 0;
        double hi = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < kept.size(); k++) {
            if (kept.get(k).right() != right) {
                continue;
            }
            for (double v : data.get(k)[1]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        return new double[] {lo, hi + (hi - lo) * 0.05};
    }

    private static double[] xRange(List<double[][]> data) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[][] xy : data) {
            for (double v : xy[0]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return lo <= hi ? new double[] {lo, hi} : new double[] {1, 10};
    }

    /** 1, or the power of 1,000 that brings the axis's largest magnitude under 1,000 where its span reaches 10^5. */
    static double scale(double[] range) {
        double top = Math.max(Math.abs(range[0]), Math.abs(range[1]));
        if (range[1] - range[0] < 1e5 || top < 1e5) {
            return 1;
        }
        return Math.pow(1000, Math.floor(Math.log10(top) / 3));
    }

    private static String unit(double scale) {
        if (scale == 1) {
            return "";
        }
        int exponent = (int) Math.round(Math.log10(scale));
        return switch (exponent) {
            case 3 -> " (thousands)";
            case 6 -> " (millions)";
            case 9 -> " (billions)";
            default -> " (\u00d710^" + exponent + ")";
        };
    }

    private static void divide(double[] values, double by) {
        if (by != 1) {
            for (int i = 0; i < values.length; i++) {
                values[i] /= by;
            }
        }
    }

    private static void style(XYStyler st) {
        st.setLocale(Locale.ROOT);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(new Color(0x888888));
        st.setPlotGridLinesColor(new Color(0xe3e3e3));
        st.setPlotGridLinesStroke(new BasicStroke(1f));
        // [min, max] of each axis fills 96 % of the plot: XChart labels only ticks strictly inside the plot, so with
        // no margin the end ticks (the CDF's 0 and 1, the outer decades) would go unlabelled
        st.setPlotContentSize(0.96);
        st.setAxisTicksLineVisible(false);
        st.setChartTitleBoxVisible(false);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setLegendFont(LEGEND_FONT);
        st.setLegendPosition(Styler.LegendPosition.OutsideS);
        st.setLegendBackgroundColor(Color.WHITE);
        st.setLegendBorderColor(new Color(0xcccccc));
        st.setMarkerSize(5);
        st.setToolTipsEnabled(false);
    }

    /** About how wide a one-row legend of these names is. */
    private static double legendWidth(List<String> names) {
        FontRenderContext frc = new FontRenderContext(null, true, false);
        double w = 0;
        for (String n : names) {
            w += new TextLayout(n.isEmpty() ? " " : n, LEGEND_FONT, frc).getBounds().getWidth() + 24 + 10;
        }
        return w;
    }
}
