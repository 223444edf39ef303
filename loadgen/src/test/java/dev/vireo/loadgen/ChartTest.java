package dev.vireo.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.ParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.AxesProbe;
import org.w3c.dom.Document;

class ChartTest {
    /** Latencies in ms, log-normal around {@code medianMs}, sorted, with their cumulative fractions. */
    private static double[][] cdf(SplittableRandom r, int n, double medianMs, double sigma) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            double g = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
            x[i] = medianMs * Math.exp(sigma * g);
        }
        Arrays.sort(x);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i + 1) / (double) n;
        }
        return new double[][] {x, y};
    }

    /** Both files are there, not empty, and the SVG is well-formed XML with an svg root. */
    private static void writtenBoth(Path dir, String base, List<String> files) throws Exception {
        assertEquals(List.of(base + ".png", base + ".svg"), files);
        for (String f : files) {
            assertTrue(Files.size(dir.resolve(f)) > 1_000, f + " is " + Files.size(dir.resolve(f)) + " bytes");
        }
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        // the SVG may name the SVG DTD: well-formed is the test, nothing is fetched
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document svg;
        try (InputStream in = Files.newInputStream(dir.resolve(base + ".svg"))) {
            svg = f.newDocumentBuilder().parse(in);
        }
        assertEquals("svg", svg.getDocumentElement().getLocalName());
    }

    private static double number(String label) throws ParseException {
        return new DecimalFormat(Chart.LOG_LABELS, DecimalFormatSymbols.getInstance(Locale.ROOT)).parse(label)
                .doubleValue();
    }

    /** Every labelled tick is a power of ten, and they are consecutive decades. */
    private static void decadeTicks(AxesProbe.Drawn x) throws ParseException {
        assertTrue(x.labels().size() >= 2, "labelled ticks " + x.labels());
        double previous = 0;
        for (String label : x.labels()) {
            double v = number(label);
            double exponent = Math.log10(v);
            assertEquals(Math.rint(exponent), exponent, 1e-9, label + " is not a decade (labels " + x.labels() + ")");
            if (previous > 0) {
                assertEquals(previous * 10, v, v * 1e-9, "decades in a row: " + x.labels());
            }
            previous = v;
        }
        assertEquals(x.min(), number(x.labels().get(0)), x.min() * 1e-9, "the axis starts on a labelled decade");
        assertEquals(x.max(), number(x.labels().get(x.labels().size() - 1)), x.max() * 1e-9,
                "the axis ends on a labelled decade");
    }

    @Test
    void aCdfHasAYAxisOfExactlyZeroToOneAndDecadeTicksOnItsLogAxis(@TempDir Path dir) throws Exception {
        assertTrue(GraphicsEnvironment.isHeadless(), "the CLI has no display: neither has this test");
        SplittableRandom r = new SplittableRandom(7);
        double[][] warm = cdf(r, 3_000, 6, 0.6);
        double[][] cold = cdf(r, 300, 900, 0.5);
        Chart chart = new Chart("End-to-end latency CDF", "latency (ms)", "fraction").logX().yRange(0, 1)
                .add(new Chart.Series("cold", cold[0], cold[1], false, false))
                .add(new Chart.Series("warm", warm[0], warm[1], false, false));
        writtenBoth(dir, "cdf", chart.write(dir, "cdf"));

        XYChart drawn = chart.xchart();
        assertTrue(drawn.getStyler().isXAxisLogarithmic());
        AxesProbe.Drawn y = AxesProbe.y(drawn, 0);
        assertEquals(0.0, y.min());
        assertEquals(1.0, y.max(), "a fraction never needs more than 1 (the old chart ran to 1.1)");
        assertEquals("0", y.labels().get(0), "labels " + y.labels());
        assertEquals("1", y.labels().get(y.labels().size() - 1), "labels " + y.labels());

        AxesProbe.Drawn x = AxesProbe.x(drawn);
        decadeTicks(x);
        double lo = Math.min(warm[0][0], cold[0][0]);
        double hi = Math.max(warm[0][warm[0].length - 1], cold[0][cold[0].length - 1]);
        assertTrue(x.min() <= lo && x.min() > lo / 10, "whole decade below the data: " + x.min() + " for " + lo);
        assertTrue(x.max() >= hi && x.max() < hi * 10, "whole decade above the data: " + x.max() + " for " + hi);
    }

    @Test
    void aLogAxisOverManyDecadesLabelsEachDecadeReadably(@TempDir Path dir) throws Exception {
        double[] x = {0.04, 0.3, 2, 15, 180, 2_500, 40_000};
        double[] y = {1, 3, 2, 5, 4, 8, 6};
        Chart chart = new Chart("Spread", "latency (ms)", "count").logX()
                .add(new Chart.Series("points", x, y, true, false))
                // 0 and below have no place on a log axis: left out, not an error
                .add(new Chart.Series("with a zero", new double[] {0, 1, 10}, new double[] {1, 2, 3}, false, false));
        writtenBoth(dir, "spread", chart.write(dir, "spread"));

        AxesProbe.Drawn axis = AxesProbe.x(chart.xchart());
        decadeTicks(axis);
        assertEquals(List.of("0.01", "0.1", "1", "10", "100", "1,000", "10,000", "100,000"), axis.labels());
        AxesProbe.Drawn left = AxesProbe.y(chart.xchart(), 0);
        assertEquals(0.0, left.min(), "a count axis starts at 0");
        assertTrue(left.max() >= 8, "and holds the highest value: " + left.max());
    }

    @Test
    void largeValuesAreCountedInMillionsNotInScientificNotation(@TempDir Path dir) throws Exception {
        double[] t = {0, 10, 20, 30};
        Chart chart = new Chart("Heap", "time (s)", "bytes").rightLabel("e2e p50 (ms)")
                .add(new Chart.Series("heap", t, new double[] {2.1e8, 2.6e8, 3.4e8, 3.6e8}, false, false))
                .add(new Chart.Series("e2e p50", t, new double[] {4, 5, 3.5, 4.2}, false, true));
        writtenBoth(dir, "heap", chart.write(dir, "heap"));

        XYChart drawn = chart.xchart();
        assertEquals("bytes (millions)", drawn.getYAxisGroupTitle(0));
        AxesProbe.Drawn left = AxesProbe.y(drawn, 0);
        assertTrue(left.labels().size() >= 3 && left.labels().stream().noneMatch(l -> l.contains("E")),
                "labels " + left.labels());
        assertTrue(left.max() > 360 && left.max() < 400, "the axis in millions: " + left.max());
        AxesProbe.Drawn right = AxesProbe.y(drawn, 1);
        assertEquals("e2e p50 (ms)", drawn.getYAxisGroupTitle(1), "a small axis keeps its unit");
        assertEquals(0.0, right.min());
        assertTrue(right.max() >= 5, "the right axis holds its own series: " + right.max());
    }
}
