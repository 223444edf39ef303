package org.knowm.xchart.internal.chartpart;

import java.util.ArrayList;
import java.util.List;

/**
 * Test-only window onto the axes of a chart XChart has drawn: the range each axis was laid out over and the tick labels
 * it computed for it. XChart keeps these package-private, so this sits in XChart's package (class path only; it is
 * not part of loadgen's jar). Read after the chart was written: the values are those of the last drawing.
 */
public final class AxesProbe {
    /** One axis as drawn; {@code labels} are the tick labels XChart draws, in order. */
    public record Drawn(double min, double max, List<String> labels) {
    }

    private AxesProbe() {
    }

    public static Drawn x(Chart<?, ?> chart) {
        Axis<?, ?> axis = chart.getXAxis();
        return drawn(axis, axis.getBounds().getWidth());
    }

    public static Drawn y(Chart<?, ?> chart, int group) {
        Axis<?, ?> axis = chart.getYAxis(group);
        return drawn(axis, axis.getBounds().getHeight());
    }

    private static Drawn drawn(Axis<?, ?> axis, double span) {
        AxisTickCalculator ticks = axis.getAxisTickCalculator();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < ticks.getTickLabels().size(); i++) {
            String label = ticks.getTickLabels().get(i);
            double at = ticks.getTickLocations().get(i);
            // tick locations are pixels from the axis start; XChart draws a label only strictly inside the axis
            // (AxisTickLabels), and its calculators also list ticks past either end
            if (label != null && at > 0 && at < span) {
                labels.add(label);
            }
        }
        return new Drawn(axis.getMin(), axis.getMax(), labels);
    }
}
