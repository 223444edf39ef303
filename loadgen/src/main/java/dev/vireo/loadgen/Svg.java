package dev.vireo.loadgen;

import java.util.List;
import java.util.Locale;

/**
 * SVG text written by hand for the pictures no charting library draws (a workflow's graph, a per-worker timeline):
 * shapes with optional tooltips ({@code <title>}), text, and a legend that wraps. Coordinates are pixels, written
 * with at most one decimal so that the same picture is the same bytes. Not thread-safe.
 */
final class Svg {
    static final String FONT = "font-family=\"sans-serif\"";

    /** One legend entry: a swatch ({@code fill}, {@code stroke}, dashed or not) and its label. */
    record Key(String fill, String stroke, boolean dashed, String label) {
    }

    private final StringBuilder b = new StringBuilder();

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String num(double v) {
        double r = Math.round(v * 10) / 10.0;
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.1f", r);
    }

    /** {@code text} cut to {@code max} characters, the last one an ellipsis when cut. */
    static String fit(String text, int max) {
        return text.length() <= max ? text : text.substring(0, Math.max(0, max - 1)) + "\u2026";
    }

    Svg raw(String s) {
        b.append(s);
        return this;
    }

    /** A rectangle; {@code extra} is more attributes (stroke, dash), {@code title} a tooltip or null. */
    Svg rect(double x, double y, double w, double h, String fill, String extra, String title) {
        b.append("<rect x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" width=\"").append(num(w))
                .append("\" height=\"").append(num(h)).append("\" fill=\"").append(fill).append('"');
        if (!extra.isEmpty()) {
            b.append(' ').append(extra);
        }
        return close("rect", title);
    }

    /** A cubic curve from (x1, y1) to (x2, y2), leaving and arriving horizontally. */
    Svg curve(double x1, double y1, double x2, double y2, String stroke, double width, String title) {
        double dx = Math.max(12, (x2 - x1) / 2);
        b.append("<path d=\"M").append(num(x1)).append(',').append(num(y1)).append(" C").append(num(x1 + dx))
                .append(',').append(num(y1)).append(' ').append(num(x2 - dx)).append(',').append(num(y2)).append(' ')
                .append(num(x2)).append(',').append(num(y2)).append("\" fill=\"none\" stroke=\"").append(stroke)
                .append("\" stroke-width=\"").append(num(width)).append('"');
        return close("path", title);
    }

    Svg line(double x1, double y1, double x2, double y2, String stroke) {
        b.append("<line x1=\"").append(num(x1)).append("\" y1=\"").append(num(y1)).append("\" x2=\"").append(num(x2))
                .append("\" y2=\"").append(num(y2)).append("\" stroke=\"").append(stroke).append("\"/>\n");
        return this;
    }

    Svg circle(double cx, double cy, double r, String fill) {
        b.append("<circle cx=\"").append(num(cx)).append("\" cy=\"").append(num(cy)).append("\" r=\"").append(num(r))
                .append("\" fill=\"").append(fill).append("\"/>\n");
        return this;
    }

    /** Text with its baseline at y; {@code anchor} start, middle or end. */
    Svg text(double x, double y, int size, String anchor, String fill, String text) {
        b.append("<text x=\"").append(num(x)).append("\" y=\"").append(num(y)).append("\" font-size=\"").append(size)
                .append("\" text-anchor=\"").append(anchor).append("\" fill=\"").append(fill).append("\">")
                .append(esc(text)).append("</text>\n");
        return this;
    }

    private Svg close(String tag, String title) {
        if (title == null) {
            b.append("/>\n");
        } else {
            b.append("><title>").append(esc(title)).append("</title></").append(tag).append(">\n");
        }
        return this;
    }

    /**
     * A legend from (x, y) wrapping at {@code width}: 12-pixel swatches, labels at about 6.5 pixels a character.
     *
     * @return its height
     */
    double legend(double x, double y, double width, List<Key> keys) {
        double cx = x;
        double cy = y;
        for (Key k : keys) {
            double w = 12 + 6 + k.label().length() * 6.5 + 18;
            if (cx > x && cx + w > x + width) {
                cx = x;
                cy += 18;
            }
            rect(cx, cy, 12, 12, k.fill(), "stroke=\"" + k.stroke() + "\" stroke-width=\"1.5\""
                    + (k.dashed() ? " stroke-dasharray=\"3 2\"" : ""), null);
            text(cx + 18, cy + 10.5, 11, "start", "#222", k.label());
            cx += w;
        }
        return keys.isEmpty() ? 0 : cy - y + 18;
    }

    /** The document: an svg element of this size around what was drawn, white behind it. */
    String document(double width, double height) {
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height)
                + "\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" " + FONT + ">\n"
                + "<rect x=\"0\" y=\"0\" width=\"" + num(width) + "\" height=\"" + num(height) + "\" fill=\"#fff\"/>\n"
                + b + "</svg>\n";
    }
}
