package dev.vireo.loadgen;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A line chart for the benchmarks, written as a PNG and an SVG with one base name: lines over a log x axis (e.g.
 * client counts) or a linear one (e.g. seconds), each on the left or the right y axis (e.g. throughput left, latency right). Drawn by the same
 * {@link Chart} as the run reports, so the axes follow its rules (decade labels on log x, linear y from 0).
 */
public final class LineFigure {
    /**
     * One line.
     *
     * @param name  its legend entry
     * @param x     x values (above 0 on a logarithmic x axis)
     * @param y     one y value per x (NaN leaves a point out)
     * @param right whether it belongs to the right-hand axis
     */
    public record Line(String name, double[] x, double[] y, boolean right) {
        public Line {
            Objects.requireNonNull(name, "name");
            if (x.length != y.length) {
                throw new IllegalArgumentException("line '" + name + "' has " + x.length + " x and " + y.length + " y");
            }
            x = x.clone();
            y = y.clone();
        }
    }

    private LineFigure() {
    }

    /**
     * Writes {@code dir/base.png} and {@code dir/base.svg}.
     *
     * @return their paths, PNG first
     */
    public static List<Path> write(Path dir, String base, String title, String xLabel, String leftLabel,
            String rightLabel, List<Line> lines) throws IOException {
        return write(dir, base, title, xLabel, leftLabel, rightLabel, true, lines);
    }

    /**
     * Writes {@code dir/base.png} and {@code dir/base.svg}, the x axis logarithmic or linear (e.g. time).
     *
     * @return their paths, PNG first
     */
    public static List<Path> write(Path dir, String base, String title, String xLabel, String leftLabel,
            String rightLabel, boolean logX, List<Line> lines) throws IOException {
        Chart chart = new Chart(title, xLabel, leftLabel).rightLabel(rightLabel);
        if (logX) {
            chart.logX();
        }
        for (Line l : lines) {
            chart.add(new Chart.Series(l.name(), l.x(), l.y(), true, l.right()));
        }
        return chart.write(dir, base).stream().map(dir::resolve).toList();
    }
}
