package dev.vireo.loadgen;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** A small line/scatter chart drawn with Java2D (headless) into a PNG: enough for a run's report, no dependency. */
final class Chart {
    /** One series; {@code right} puts it on the right-hand axis. */
    record Series(String name, double[] x, double[] y, boolean points, boolean right) {
    }

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    private static final int W = 960;
    private static final int H = 420;
    private static final int LEFT = 80;
    private static final int RIGHT = 80;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private String rightLabel = "";
    private boolean logX;
    private final List<Series> series = new ArrayList<>();

    Chart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    Chart logX() {
        logX = true;
        return this;
    }

    Chart rightLabel(String label) {
        rightLabel = label;
        return this;
    }

    Chart add(Series s) {
        if (s.x().length > 0) {
            series.add(s);
        }
        return this;
    }

    boolean isEmpty() {
        return series.isEmpty();
    }

    private double tx(double x) {
        return logX ? Math.log10(Math.max(x, 1e-3)) : x;
    }

    void png(Path file) throws IOException {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.setColor(Color.BLACK);
        g.drawString(title, LEFT, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        double[] xr = range(false, true);
        double[] yl = range(false, false);
        double[] yr = range(true, false);
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = TOP + ph - i * ph / 5;
            g.drawLine(LEFT, y, LEFT + pw, y);
        }
        g.setColor(Color.BLACK);
        g.drawRect(LEFT, TOP, pw, ph);
        for (int i = 0; i <= 5; i++) {
            int y = TOP + ph - i * ph / 5;
            String label = fmt(yl[0] + i * (yl[1] - yl[0]) / 5);
            g.drawString(label, LEFT - 6 - g.getFontMetrics().stringWidth(label), y + 4);
            if (hasRight()) {
                g.drawString(fmt(yr[0] + i * (yr[1] - yr[0]) / 5), LEFT + pw + 6, y + 4);
            }
            int x = LEFT + i * pw / 5;
            double xv = xr[0] + i * (xr[1] - xr[0]) / 5;
            String xl = fmt(logX ? Math.pow(10, xv) : xv);
            g.drawString(xl, x - g.getFontMetrics().stringWidth(xl) / 2, TOP + ph + 16);
        }
        g.drawString(xLabel + (logX ? " (log scale)" : ""), LEFT + pw / 2 - 60, H - 20);
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(TOP + ph / 2 + 60), 18);
        if (hasRight()) {
            g.drawString(rightLabel, -(TOP + ph / 2 + 60), W - 10);
        }
        g.rotate(Math.PI / 2);
        int legendX = LEFT + 10;
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            double[] yrange = s.right() ? yr : yl;
            g.setColor(PALETTE[k % PALETTE.length]);
            g.setStroke(new BasicStroke(1.6f));
            int px = -1;
            int py = -1;
            for (int i = 0; i < s.x().length; i++) {
                int x = LEFT + (int) Math.round((tx(s.x()[i]) - xr[0]) / (xr[1] - xr[0]) * pw);
                int y = TOP + ph - (int) Math.round((s.y()[i] - yrange[0]) / (yrange[1] - yrange[0]) * ph);
                if (s.points()) {
                    g.fillOval(x - 2, y - 2, 5, 5);
                } else if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            String name = s.name() + (s.right() ? " (right axis)" : "");
            g.fillRect(legendX, TOP + 8, 12, 4);
            g.setColor(Color.BLACK);
            g.drawString(name, legendX + 16, TOP + 14);
            legendX += g.getFontMetrics().stringWidth(name) + 36;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private boolean hasRight() {
        return series.stream().anyMatch(Series::right);
    }

    private double[] range(boolean right, boolean x) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            if (!x && s.right() != right) {
                continue;
            }
            for (double v : x ? s.x() : s.y()) {
                double t = x ? tx(v) : v;
                lo = Math.min(lo, t);
                hi = Math.max(hi, t);
            }
        }
        if (lo == Double.POSITIVE_INFINITY) {
            return new double[] {0, 1};
        }
        if (!x) {
            lo = Math.min(0, lo);
        }
        if (hi - lo < 1e-9) {
            hi = lo + 1;
        }
        return new double[] {lo, x ? hi : hi * 1.05};
    }

    static String fmt(double v) {
        double a = Math.abs(v);
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, a >= 1 ? "%.1f" : "%.3f", v);
    }
}
