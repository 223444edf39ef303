package dev.vireo.loadgen;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

/**
 * The two pictures of a workflow run's report, as SVG written by hand ({@link Svg}; XChart, which draws the
 * invocation runs' plots, has neither graphs nor Gantt charts):
 *
 * <ul>
 *   <li>{@link #graph}: the tasks in layers ({@link DagGraph}: x = depth, y = position in the layer), filled with
 *   the colour of the worker that ran them (white: never ran), failed ones with a red mark, skipped and cancelled
 *   ones dashed, the critical path outlined and its edges drawn thick and black. Condensed past
 *   {@link DagGraph#CONDENSE_ABOVE} tasks: a box per (depth, function) group, its fill split by the workers' shares,
 *   its counts per state written in it, edges as thick as the log of the dependencies they stand for (those
 *   between groups of one column, when it spans several depths, are left out).</li>
 *   <li>{@link #timeline}: one lane per worker, a bar per task from its start to its end, coloured by function,
 *   tasks that overlap on separate rows (at most {@value #MAX_ROWS} a lane); failed bars outlined red, the critical
 *   path's black. With the run's plan, below each lane's bars its planned ones: a thin bar outlined in the
 *   function's colour, unfilled, per task the plan put on that worker, from its predicted start to its predicted
 *   finish (tasks without predicted times have none). Past {@link DagGraph#CONDENSE_ABOVE} tasks, bars of one
 *   function that touch at the picture's resolution are drawn as one.</li>
 * </ul>
 * Same graph, same bytes.
 */
final class DagPictures {
    /** Light fills for workers, so that black labels stay readable; none reddish (red marks failures). */
    static final String[] WORKER_FILLS = {"#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d",
            "#9edae5", "#c7c7c7"};
    /** Strong colours for functions' bars; no red either. */
    static final String[] FUNCTION_FILLS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"};
    static final String FAILED = "#d62728";
    static final String CRITICAL = "#111";
    static final String EDGE = "#9a9a9a";
    static final int MAX_ROWS = 24;
    /** The legend's words for the planned bars. */
    static final String PLANNED_KEY = "planned (thin, outlined: predicted start to finish on the planned worker)";

    private static final int MARGIN = 16;
    private static final int HEADER = 26;
    private static final int NODE_W = 150;
    private static final int NODE_H = 18;
    private static final int NODE_COL = 200;
    private static final int NODE_ROW = 24;
    private static final int BOX_W = 170;
    private static final int BOX_H = 34;
    private static final int BOX_COL = 230;
    private static final int BOX_ROW = 46;
    private static final int LANE_LABEL = 170;
    private static final int PLOT_W = 1000;
    private static final int BAR_H = 10;
    private static final int BAR_ROW = 12;
    private static final int LANE_PAD = 6;
    private static final int PLAN_H = 6;
    private static final int PLAN_ROW = 8;

    private DagPictures() {
    }

    /** Each name (workers, functions) in name order with a colour of {@code palette}, repeating past its size. */
    static Map<String, String> colours(List<String> names, String[] palette) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        for (String n : new TreeSet<>(names)) {
            if (!n.isEmpty()) {
                out.put(n, palette[i++ % palette.length]);
            }
        }
        return out;
    }

    private static String ms(long us) {
        return String.format(Locale.ROOT, "%,.1f ms", us / 1e3);
    }

    private static String tooltip(DagTask t) {
        StringBuilder s = new StringBuilder(t.task()).append(" (").append(t.function()).append("): ").append(t.state());
        if (!t.worker().isEmpty()) {
            s.append(" on ").append(t.worker());
        }
        if (t.startUs() >= 0) {
            s.append(", ").append(ms(t.startUs())).append(" to ").append(t.endUs() >= 0 ? ms(t.endUs()) : "now");
        }
        if (t.attempts() > 1) {
            s.append(", ").append(t.attempts()).append(" attempts");
        }
        if (t.items() > 0) {
            s.append(", ").append(t.items()).append(" items");
        }
        if (!t.errorKind().isEmpty()) {
            s.append("\n").append(t.errorKind()).append(": ").append(Svg.fit(t.errorMessage(), 300));
        }
        return s.toString();
    }

    /** The graph, full or condensed ({@link DagGraph#condensed}). */
    static String graph(DagGraph g) {
        return g.condensed() ? condensed(g) : full(g);
    }

    private static String full(DagGraph g) {
        Map<String, String> workers = colours(g.tasks().stream().map(DagTask::worker).toList(), WORKER_FILLS);
        int rows = 0;
        for (int l = 0; l < g.layers(); l++) {
            rows = Math.max(rows, g.layerSize(l));
        }
        double width = Math.max(640, 2 * MARGIN + g.layers() * NODE_COL - (NODE_COL - NODE_W));
        Svg svg = new Svg();
        for (int l = 0; l < g.layers(); l++) {
            svg.text(MARGIN + l * NODE_COL, MARGIN + 10, 11, "start", "#555", "depth " + l);
        }
        List<double[]> critical = new ArrayList<>();
        for (int t = 0; t < g.size(); t++) {
            for (int d : g.deps(t)) {
                double[] e = {x(g, d) + NODE_W, y(g, d) + NODE_H / 2.0, x(g, t), y(g, t) + NODE_H / 2.0};
                if (g.criticalEdge(d, t)) {
                    critical.add(e);
                } else {
                    svg.curve(e[0], e[1], e[2], e[3], EDGE, 0.8, null);
                }
            }
        }
        for (double[] e : critical) {
            svg.curve(e[0], e[1], e[2], e[3], CRITICAL, 2.5, null);
        }
        for (int t = 0; t < g.size(); t++) {
            DagTask task = g.tasks().get(t);
            boolean ran = task.startUs() >= 0;
            String fill = ran ? workers.getOrDefault(task.worker(), "#eee") : "#fff";
            String stroke = g.onCritical(t) ? "stroke=\"" + CRITICAL + "\" stroke-width=\"3\""
                    : ran ? "stroke=\"#666\" stroke-width=\"0.8\"" : "stroke=\"#999\" stroke-dasharray=\"3 2\"";
            svg.rect(x(g, t), y(g, t), NODE_W, NODE_H, fill, "rx=\"3\" " + stroke, tooltip(task));
            svg.text(x(g, t) + 5, y(g, t) + 13, 11, "start", ran ? "#111" : "#888", Svg.fit(task.task(), 21));
            if (task.state().equals("failed")) {
                svg.circle(x(g, t) + NODE_W - 6, y(g, t) + 6, 4, FAILED);
            }
        }
        double top = HEADER + MARGIN + rows * NODE_ROW + 8;
        List<Svg.Key> keys = new ArrayList<>();
        workers.forEach((w, c) -> keys.add(new Svg.Key(c, "#666", false, w)));
        keys.addAll(marks());
        double legend = svg.legend(MARGIN, top, width - 2 * MARGIN, keys);
        return svg.document(width, top + legend + MARGIN);
    }

    private static List<Svg.Key> marks() {
        return List.of(new Svg.Key("#fff", CRITICAL, false, "critical path (thick)"),
                new Svg.Key(FAILED, FAILED, false, "failed (red dot)"),
                new Svg.Key("#fff", "#999", true, "skipped, cancelled or not reached"));
    }

    private static double x(DagGraph g, int t) {
        return MARGIN + g.depth(t) * NODE_COL;
    }

    private static double y(DagGraph g, int t) {
        return HEADER + MARGIN + g.position(t) * NODE_ROW;
    }

    private static String condensed(DagGraph g) {
        Map<String, String> workers = colours(g.tasks().stream().map(DagTask::worker).toList(), WORKER_FILLS);
        List<DagGraph.Group> groups = g.groups();
        int rows = groups.stream().mapToInt(x -> x.position() + 1).max().orElse(0);
        double width = Math.max(640, 2 * MARGIN + g.columns() * BOX_COL - (BOX_COL - BOX_W));
        Svg svg = new Svg();
        int[] from = new int[g.columns()];
        int[] to = new int[g.columns()];
        java.util.Arrays.fill(from, Integer.MAX_VALUE);
        for (DagGraph.Group x : groups) {
            from[x.column()] = Math.min(from[x.column()], x.depthFrom());
            to[x.column()] = Math.max(to[x.column()], x.depthTo());
        }
        for (int c = 0; c < g.columns(); c++) {
            if (from[c] <= to[c]) {
                svg.text(MARGIN + c * BOX_COL, MARGIN + 10, 11, "start", "#555", from[c] == to[c] ? "depth " + from[c]
                        : "depths " + from[c] + "-" + to[c]);
            }
        }
        List<DagGraph.GroupEdge> edges = new ArrayList<>(g.groupEdges());
        edges.sort(Comparator.comparing(DagGraph.GroupEdge::critical));
        for (DagGraph.GroupEdge e : edges) {
            DagGraph.Group a = groups.get(e.from());
            DagGraph.Group b = groups.get(e.to());
            if (a.column() == b.column()) {
                continue; // within a column of several depths: it would run backwards through the boxes
            }
            double w = e.critical() ? 2.5 : 0.8 + Math.log10(e.count());
            svg.curve(bx(a) + BOX_W, by(a) + BOX_H / 2.0, bx(b), by(b) + BOX_H / 2.0, e.critical() ? CRITICAL : EDGE,
                    w, String.format(Locale.ROOT, "%,d dependencies: %s -> %s", e.count(), a.function(),
                            b.function()));
        }
        for (DagGraph.Group x : groups) {
            double left = bx(x);
            int ran = x.workers().values().stream().mapToInt(Integer::intValue).sum();
            for (var w : x.workers().entrySet()) {
                double share = BOX_W * w.getValue() / (double) Math.max(ran, x.count());
                svg.rect(left, by(x), share, BOX_H, workers.get(w.getKey()), "", null);
                left += share;
            }
            StringBuilder title = new StringBuilder(String.format(Locale.ROOT, "%s: %,d tasks at depth %s",
                    x.function(), x.count(), x.depthFrom() == x.depthTo() ? x.depthFrom() + ""
                            : x.depthFrom() + "-" + x.depthTo()));
            x.states().forEach((s, n) -> title.append(String.format(Locale.ROOT, "\n%s %,d", s, n)));
            x.workers().forEach((w, n) -> title.append(String.format(Locale.ROOT, "\non %s: %,d", w, n)));
            String stroke = x.critical() ? "stroke=\"" + CRITICAL + "\" stroke-width=\"3\""
                    : ran == 0 ? "stroke=\"#999\" stroke-dasharray=\"3 2\"" : "stroke=\"#666\" stroke-width=\"0.8\"";
            svg.rect(bx(x), by(x), BOX_W, BOX_H, "none", "rx=\"3\" " + stroke, title.toString());
            svg.text(bx(x) + 5, by(x) + 14, 11, "start", "#111", Svg.fit(x.function(), 16) + String.format(Locale.ROOT,
                    " \u00d7%,d", x.count()));
            svg.text(bx(x) + 5, by(x) + 28, 10, "start", "#222", Svg.fit(counts(x.states()), 30));
            if (x.states().getOrDefault("failed", 0) > 0) {
                svg.circle(bx(x) + BOX_W - 6, by(x) + 6, 4, FAILED);
            }
        }
        double top = HEADER + MARGIN + rows * BOX_ROW + 8;
        svg.text(MARGIN, top + 10, 11, "start", "#555", String.format(Locale.ROOT, "%,d tasks in %,d boxes (depth,"
                + " function); fill: share per worker", g.size(), groups.size()));
        if (g.layers() > g.columns()) {
            svg.text(MARGIN, top + 24, 11, "start", "#555", "several depths a column: edges within one not drawn");
            top += 14;
        }
        List<Svg.Key> keys = new ArrayList<>();
        workers.forEach((w, c) -> keys.add(new Svg.Key(c, "#666", false, w)));
        keys.addAll(marks());
        double legend = svg.legend(MARGIN, top + 20, width - 2 * MARGIN, keys);
        return svg.document(width, top + 20 + legend + MARGIN);
    }

    /** "ok 480 fail 2 skip 18": the states present, briefly. */
    private static String counts(Map<String, Integer> states) {
        StringBuilder s = new StringBuilder();
        for (String state : DagResults.STATES) {
            int n = states.getOrDefault(state, 0);
            if (n > 0) {
                String word = switch (state) {
                    case "succeeded" -> "ok";
                    case "failed" -> "fail";
                    case "skipped" -> "skip";
                    case "cancelled" -> "canc";
                    case "running" -> "run";
                    default -> "wait";
                };
                s.append(s.isEmpty() ? "" : " ").append(word).append(' ').append(n);
            }
        }
        return s.toString();
    }

    private static double bx(DagGraph.Group x) {
        return MARGIN + x.column() * BOX_COL;
    }

    private static double by(DagGraph.Group x) {
        return HEADER + MARGIN + x.position() * BOX_ROW;
    }

    /** A bar of the timeline: one task, or (coalesced) several of one function. */
    private record Bar(int row, double x1, double x2, String function, boolean failed, boolean critical, int tasks,
            String title) {
    }

    /** The timeline without a plan. */
    static String timeline(DagGraph g) {
        return timeline(g, null);
    }

    /**
     * The timeline: one lane per worker (name order; "(none)" for tasks that ran without one, resumed ones), with
     * the planned bars when {@code planned} (one per task, in the graph's order) is not null.
     */
    static String timeline(DagGraph g, List<DagPlan.Planned> planned) {
        Map<String, String> functions = colours(g.tasks().stream().map(DagTask::function).toList(), FUNCTION_FILLS);
        long end = g.tasks().stream().mapToLong(DagTask::endUs).max().orElse(0);
        if (planned != null) {
            end = Math.max(end, planned.stream().filter(DagPlan.Planned::timed).mapToLong(DagPlan.Planned::finishUs)
                    .max().orElse(0));
        }
        double scale = PLOT_W / (double) Math.max(end, 1);
        Map<String, List<Integer>> lanes = new TreeMap<>();
        Map<String, List<Integer>> plannedLanes = new TreeMap<>();
        for (int t = 0; t < g.size(); t++) {
            if (g.tasks().get(t).ran()) {
                String w = g.tasks().get(t).worker();
                lanes.computeIfAbsent(w.isEmpty() ? "(none)" : w, k -> new ArrayList<>()).add(t);
            }
            if (planned != null && planned.get(t).timed()) {
                String w = planned.get(t).worker();
                plannedLanes.computeIfAbsent(w.isEmpty() ? "(none)" : w, k -> new ArrayList<>()).add(t);
            }
        }
        TreeSet<String> names = new TreeSet<>(lanes.keySet());
        names.addAll(plannedLanes.keySet());
        Svg svg = new Svg();
        double y = MARGIN;
        int laneIndex = 0;
        for (String name : names) {
            List<Integer> ran = lanes.getOrDefault(name, List.of());
            List<Integer> plan = plannedLanes.getOrDefault(name, List.of());
            List<Bar> bars = bars(g, ran, t -> g.tasks().get(t).startUs(), t -> g.tasks().get(t).endUs(), true,
                    t -> tooltip(g.tasks().get(t)), scale, g.condensed());
            List<Bar> planBars = bars(g, plan, t -> planned.get(t).startUs(), t -> planned.get(t).finishUs(), false,
                    t -> plannedTooltip(g.tasks().get(t), planned.get(t)), scale, g.condensed());
            int rows = bars.stream().mapToInt(b -> b.row() + 1).max().orElse(1);
            int planRows = planBars.stream().mapToInt(b -> b.row() + 1).max().orElse(0);
            double h = rows * BAR_ROW + planRows * PLAN_ROW + (planRows > 0 ? 2 : 0) + 2 * LANE_PAD;
            svg.rect(0, y, LANE_LABEL + PLOT_W + MARGIN, h, laneIndex++ % 2 == 0 ? "#f6f6f6" : "#fff", "", null);
            svg.text(MARGIN, y + LANE_PAD + 10, 11, "start", "#111", Svg.fit(name, 22));
            svg.text(MARGIN, y + LANE_PAD + 23, 10, "start", "#666", planned == null
                    ? String.format(Locale.ROOT, "%,d tasks", ran.size())
                    : String.format(Locale.ROOT, "%,d tasks, %,d planned", ran.size(), plan.size()));
            for (Bar b : bars) {
                String stroke = b.critical() ? "stroke=\"" + CRITICAL + "\" stroke-width=\"1.5\""
                        : b.failed() ? "stroke=\"" + FAILED + "\" stroke-width=\"1.5\"" : "";
                svg.rect(LANE_LABEL + b.x1(), y + LANE_PAD + b.row() * BAR_ROW, Math.max(1, b.x2() - b.x1()), BAR_H,
                        functions.get(b.function()), stroke, b.title());
            }
            double top = y + LANE_PAD + rows * BAR_ROW + 2;
            for (Bar b : planBars) {
                svg.rect(LANE_LABEL + b.x1(), top + b.row() * PLAN_ROW, Math.max(1, b.x2() - b.x1()), PLAN_H, "none",
                        "stroke=\"" + functions.get(b.function()) + "\" stroke-width=\"1\"", b.title());
            }
            y += h;
        }
        double axis = y;
        svg.line(LANE_LABEL, axis, LANE_LABEL + PLOT_W, axis, "#333");
        boolean seconds = end >= 10_000_000;
        double step = step(end / 1e3 / 8);
        for (int k = 0; k * step * 1e3 <= end + 1e-6; k++) {
            double at = k * step;
            double x = LANE_LABEL + at * 1e3 * scale;
            svg.line(x, MARGIN, x, axis, "#ddd").line(x, axis, x, axis + 4, "#333");
            String label = seconds ? String.format(Locale.ROOT, "%,.1f", at / 1e3).replaceAll("\\.0$", "")
                    : String.format(Locale.ROOT, "%,.3f", at).replaceAll("\\.?0+$", "");
            svg.text(x, axis + 16, 10, "middle", "#333", label);
        }
        svg.text(LANE_LABEL + PLOT_W / 2.0, axis + 32, 11, "middle", "#333", "time since submission ("
                + (seconds ? "s" : "ms") + ")");
        List<Svg.Key> keys = new ArrayList<>();
        functions.forEach((f, c) -> keys.add(new Svg.Key(c, c, false, f)));
        keys.add(new Svg.Key("#fff", CRITICAL, false, "critical path"));
        keys.add(new Svg.Key("#fff", FAILED, false, "failed"));
        if (planned != null) {
            keys.add(new Svg.Key("none", "#666", false, PLANNED_KEY));
        }
        double legend = svg.legend(MARGIN, axis + 44, LANE_LABEL + PLOT_W - MARGIN, keys);
        return svg.document(LANE_LABEL + PLOT_W + MARGIN, axis + 44 + legend + MARGIN);
    }

    private static String plannedTooltip(DagTask t, DagPlan.Planned p) {
        StringBuilder s = new StringBuilder("planned: ").append(t.task()).append(" (").append(t.function())
                .append(") on ").append(p.worker().isEmpty() ? "(none)" : p.worker()).append(", ")
                .append(ms(p.startUs())).append(" to ").append(ms(p.finishUs()));
        if (t.ran()) {
            s.append("\nran: on ").append(t.worker().isEmpty() ? "(none)" : t.worker()).append(", ")
                    .append(ms(t.startUs())).append(" to ").append(ms(t.endUs()));
        } else {
            s.append("\n").append(t.state());
        }
        return s.toString();
    }

    /** A round step (1, 2 or 5 times a power of ten) of at least {@code rough}. */
    static double step(double rough) {
        if (!(rough > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= rough) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /**
     * The lane's bars from {@code start} to {@code end} of each task: tasks by start, each on the first row free at
     * its start; with every row busy and {@value #MAX_ROWS} rows, on the one that frees first (bars overlap).
     * {@code marks}: failed and critical tasks are marked (not on planned bars). With {@code coalesce}, a bar that
     * starts within a pixel of the previous one's end on its row, of the same function and marks, extends it.
     */
    private static List<Bar> bars(DagGraph g, List<Integer> lane, IntToLongFunction start, IntToLongFunction end,
            boolean marks, IntFunction<String> title, double scale, boolean coalesce) {
        List<Integer> order = new ArrayList<>(lane);
        order.sort(Comparator.<Integer>comparingLong(start::applyAsLong).thenComparingLong(end::applyAsLong)
                .thenComparingInt(t -> t));
        List<Long> free = new ArrayList<>();
        List<Bar> bars = new ArrayList<>();
        Map<Integer, Integer> last = new TreeMap<>();
        for (int t : order) {
            DagTask task = g.tasks().get(t);
            long from = start.applyAsLong(t);
            long to = end.applyAsLong(t);
            int row = -1;
            for (int r = 0; r < free.size(); r++) {
                if (free.get(r) <= from) {
                    row = r;
                    break;
                }
            }
            if (row < 0 && free.size() < MAX_ROWS) {
                row = free.size();
                free.add(0L);
            } else if (row < 0) {
                row = 0;
                for (int r = 1; r < free.size(); r++) {
                    if (free.get(r) < free.get(row)) {
                        row = r;
                    }
                }
            }
            free.set(row, Math.max(free.get(row), to));
            Bar b = new Bar(row, from * scale, to * scale, task.function(), marks && task.state().equals("failed"),
                    marks && g.onCritical(t), 1, title.apply(t));
            Integer previous = last.get(row);
            if (coalesce && previous != null && !b.critical()) {
                Bar p = bars.get(previous);
                if (!p.critical() && p.failed() == b.failed() && p.function().equals(b.function())
                        && b.x1() <= p.x2() + 1) {
                    int n = p.tasks() + 1;
                    bars.set(previous, new Bar(row, p.x1(), Math.max(p.x2(), b.x2()), p.function(), p.failed(), false,
                            n, String.format(Locale.ROOT, "%s: %,d tasks", p.function(), n)));
                    continue;
                }
            }
            last.put(row, bars.size());
            bars.add(b);
        }
        return bars;
    }
}
