package dev.vireo.loadgen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A workflow run's graph as its report draws it, computed from the tasks alone (no I/O, deterministic):
 *
 * <ul>
 *   <li><b>Layers.</b> A task's depth is the longest path to it from a root, in edges (a root, with no dependency,
 *   is 0); its position orders it within its layer: the first layer in workflow order, each next one by the mean
 *   position of the task's dependencies (so that a task sits near what it needs), ties in workflow order.</li>
 *   <li><b>Critical path.</b> The chain of dependencies with the longest time through it, a task counting its own
 *   span (start to end, from its record): the tasks that set the run's length. Only tasks that ran to an end are on
 *   it; ties go to the task that ended later, then to the earlier one in the workflow.</li>
 *   <li><b>Condensed view.</b> Past {@value #CONDENSE_ABOVE} tasks (or {@value #CONDENSE_EDGES_ABOVE}
 *   dependencies) one box per (depth, function) group with its counts; a graph deeper than {@value #MAX_COLUMNS} layers has its depths put together in {@value #MAX_COLUMNS}
 *   equal ranges.</li>
 * </ul>
 *
 * <p>Not thread-safe (the condensed view is computed on first use).
 */
final class DagGraph {
    /** More tasks than this are drawn condensed. */
    static final int CONDENSE_ABOVE = 500;
    /** More dependencies than this are drawn condensed too, however few the tasks (a dense graph). */
    static final int CONDENSE_EDGES_ABOVE = 10 * CONDENSE_ABOVE;
    /** At most this many columns in the condensed view. */
    static final int MAX_COLUMNS = 60;

    /** Tasks of one depth (range) and one function. */
    record Group(int index, int column, int depthFrom, int depthTo, String function, int count,
            Map<String, Integer> states, Map<String, Integer> workers, boolean critical, int position) {
    }

    /** Dependencies between two groups: {@code count} task-to-task edges. */
    record GroupEdge(int from, int to, int count, boolean critical) {
    }

    private final List<DagTask> tasks;
    private final int[][] deps;
    private final long edges;
    private final int[] depth;
    private final int[] position;
    private final int[] layerSizes;
    private final List<Integer> critical;
    private final long criticalUs;
    private final boolean[] onCritical;
    /** the task after each one on the critical path, -1 for none */
    private final int[] next;

    private DagGraph(List<DagTask> tasks) {
        this.tasks = List.copyOf(tasks);
        int n = tasks.size();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(tasks.get(i).task(), i);
        }
        deps = new int[n][];
        for (int i = 0; i < n; i++) {
            deps[i] = tasks.get(i).dependsOn().stream().filter(index::containsKey).mapToInt(index::get).toArray();
        }
        edges = Arrays.stream(deps).mapToLong(d -> d.length).sum();
        int[] order = topological(n, deps);
        depth = new int[n];
        for (int t : order) {
            for (int d : deps[t]) {
                depth[t] = Math.max(depth[t], depth[d] + 1);
            }
        }
        int layers = n == 0 ? 0 : Arrays.stream(depth).max().getAsInt() + 1;
        layerSizes = new int[layers];
        position = new int[n];
        place(layers);

        long[] best = new long[n];
        int[] before = new int[n];
        Arrays.fill(before, -1);
        int end = -1;
        for (int t : order) {
            if (!tasks.get(t).ran()) {
                best[t] = -1;
                continue;
            }
            for (int d : deps[t]) {
                if (best[d] >= 0 && (before[t] < 0 || better(d, before[t], best))) {
                    before[t] = d;
                }
            }
            best[t] = tasks.get(t).spanUs() + (before[t] < 0 ? 0 : best[before[t]]);
            if (end < 0 || better(t, end, best)) {
                end = t;
            }
        }
        List<Integer> path = new ArrayList<>();
        for (int t = end; t >= 0; t = before[t]) {
            path.add(0, t);
        }
        critical = List.copyOf(path);
        criticalUs = end < 0 ? 0 : best[end];
        onCritical = new boolean[n];
        next = new int[n];
        Arrays.fill(next, -1);
        for (int k = 0; k < path.size(); k++) {
            onCritical[path.get(k)] = true;
            if (k + 1 < path.size()) {
                next[path.get(k)] = path.get(k + 1);
            }
        }
    }

    static DagGraph of(List<DagTask> tasks) {
        return new DagGraph(tasks);
    }

    /** Whether {@code a} beats {@code b}: a longer time through it, then a later end, then earlier in the workflow. */
    private boolean better(int a, int b, long[] best) {
        if (best[a] != best[b]) {
            return best[a] > best[b];
        }
        if (tasks.get(a).endUs() != tasks.get(b).endUs()) {
            return tasks.get(a).endUs() > tasks.get(b).endUs();
        }
        return a < b;
    }

    /** Kahn's order, smallest index first among the ready tasks; a cycle (the server refuses them) is an error. */
    private static int[] topological(int n, int[][] deps) {
        int[] missing = new int[n];
        List<List<Integer>> dependents = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            dependents.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            missing[i] = deps[i].length;
            for (int d : deps[i]) {
                dependents.get(d).add(i);
            }
        }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            if (missing[i] == 0) {
                ready.add(i);
            }
        }
        int[] order = new int[n];
        int k = 0;
        while (!ready.isEmpty()) {
            int t = ready.poll();
            order[k++] = t;
            for (int d : dependents.get(t)) {
                if (--missing[d] == 0) {
                    ready.add(d);
                }
            }
        }
        if (k != n) {
            throw new IllegalArgumentException("the tasks form a cycle: not a workflow's graph");
        }
        return order;
    }

    /** Positions within each layer: the first in workflow order, the others by their dependencies' mean place. */
    private void place(int layers) {
        List<List<Integer>> byLayer = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            byLayer.add(new ArrayList<>());
        }
        for (int i = 0; i < tasks.size(); i++) {
            byLayer.get(depth[i]).add(i);
        }
        double[] place = new double[tasks.size()];
        for (int l = 0; l < layers; l++) {
            List<Integer> layer = byLayer.get(l);
            for (int t : layer) {
                place[t] = mean(deps[t], place, t);
            }
            layer.sort(Comparator.<Integer>comparingDouble(t -> place[t]).thenComparingInt(t -> t));
            for (int k = 0; k < layer.size(); k++) {
                position[layer.get(k)] = k;
                place[layer.get(k)] = (k + 0.5) / layer.size();
            }
            layerSizes[l] = layer.size();
        }
    }

    /** The mean of the dependencies' places (fractions of their layers), or the task's index for a root. */
    private static double mean(int[] deps, double[] place, int self) {
        if (deps.length == 0) {
            return self;
        }
        double sum = 0;
        for (int d : deps) {
            sum += place[d];
        }
        return sum / deps.length;
    }

    List<DagTask> tasks() {
        return tasks;
    }

    int size() {
        return tasks.size();
    }

    /** The indices of the task's dependencies. */
    int[] deps(int task) {
        return deps[task];
    }

    int depth(int task) {
        return depth[task];
    }

    int position(int task) {
        return position[task];
    }

    int layers() {
        return layerSizes.length;
    }

    int layerSize(int layer) {
        return layerSizes[layer];
    }

    /** The critical path, first task first (indices); empty when no task ran. */
    List<Integer> critical() {
        return critical;
    }

    /** The time through the critical path: the sum of its tasks' spans. */
    long criticalUs() {
        return criticalUs;
    }

    boolean onCritical(int task) {
        return onCritical[task];
    }

    /** Whether the edge from dependency {@code from} to task {@code to} is a step of the critical path. */
    boolean criticalEdge(int from, int to) {
        return next[from] == to;
    }

    /** Whether the report draws this graph condensed. */
    boolean condensed() {
        return tasks.size() > CONDENSE_ABOVE || edges > CONDENSE_EDGES_ABOVE;
    }

    /** Task-to-task dependencies in all. */
    long edges() {
        return edges;
    }

    /** The column of a depth in the condensed view. */
    int column(int depth) {
        return layers() <= MAX_COLUMNS ? depth : (int) ((long) depth * MAX_COLUMNS / layers());
    }

    int columns() {
        return layers() == 0 ? 0 : column(layers() - 1) + 1;
    }

    /**
     * The condensed view's groups: in each column one per function, ordered like tasks in a layer (by the mean
     * position of the groups they depend on; ties by their first task in the workflow). Indices are column by column.
     */
    List<Group> groups() {
        return condense().groups;
    }

    /** The condensed view's edges, each pair of groups once (a dependency within one group is not drawn). */
    List<GroupEdge> groupEdges() {
        return condense().edges;
    }

    private record Condensed(List<Group> groups, List<GroupEdge> edges, int[] groupOf) {
    }

    /** computed on first use */
    private Condensed condensedView;

    private Condensed condense() {
        if (condensedView != null) {
            return condensedView;
        }
        // first pass: the groups by (column, function), in order of their first task
        Map<String, Integer> key = new LinkedHashMap<>();
        int[] raw = new int[tasks.size()];
        List<List<Integer>> members = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            String k = column(depth[i]) + "\u0000" + tasks.get(i).function();
            Integer g = key.get(k);
            if (g == null) {
                g = members.size();
                key.put(k, g);
                members.add(new ArrayList<>());
            }
            raw[i] = g;
            members.get(g).add(i);
        }
        int count = members.size();
        int[] columnOf = new int[count];
        for (int g = 0; g < count; g++) {
            columnOf[g] = column(depth[members.get(g).get(0)]);
        }
        // group-level dependencies, then order each column as place() orders a layer
        List<java.util.Set<Integer>> groupDeps = new ArrayList<>();
        for (int g = 0; g < count; g++) {
            groupDeps.add(new java.util.TreeSet<>());
        }
        for (int i = 0; i < tasks.size(); i++) {
            for (int d : deps[i]) {
                if (raw[d] != raw[i]) {
                    groupDeps.get(raw[i]).add(raw[d]);
                }
            }
        }
        TreeMap<Integer, List<Integer>> byColumn = new TreeMap<>();
        for (int g = 0; g < count; g++) {
            byColumn.computeIfAbsent(columnOf[g], c -> new ArrayList<>()).add(g);
        }
        double[] place = new double[count];
        int[] renumber = new int[count];
        int[] positionOf = new int[count];
        int next = 0;
        for (List<Integer> column : byColumn.values()) {
            for (int g : column) {
                int[] ds = groupDeps.get(g).stream().filter(d -> columnOf[d] < columnOf[g]).mapToInt(Integer::intValue)
                        .toArray();
                // a group with nothing in earlier columns: the first column in order, elsewhere after the others
                place[g] = ds.length > 0 ? mean(ds, place, g) : columnOf[g] == 0 ? g : 1.0;
            }
            column.sort(Comparator.<Integer>comparingDouble(g -> place[g]).thenComparingInt(g -> g));
            for (int k = 0; k < column.size(); k++) {
                int g = column.get(k);
                place[g] = (k + 0.5) / column.size();
                positionOf[g] = k;
                renumber[g] = next++;
            }
        }
        Group[] groups = new Group[count];
        for (int g = 0; g < count; g++) {
            Map<String, Integer> states = new TreeMap<>();
            Map<String, Integer> workers = new TreeMap<>();
            boolean crit = false;
            int from = Integer.MAX_VALUE;
            int to = 0;
            for (int i : members.get(g)) {
                states.merge(tasks.get(i).state(), 1, Integer::sum);
                if (!tasks.get(i).worker().isEmpty()) {
                    workers.merge(tasks.get(i).worker(), 1, Integer::sum);
                }
                crit |= onCritical[i];
                from = Math.min(from, depth[i]);
                to = Math.max(to, depth[i]);
            }
            groups[renumber[g]] = new Group(renumber[g], columnOf[g], from, to, tasks.get(members.get(g).get(0))
                    .function(), members.get(g).size(), states, workers, crit, positionOf[g]);
        }
        Map<Long, int[]> edges = new TreeMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            for (int d : deps[i]) {
                int a = renumber[raw[d]];
                int b = renumber[raw[i]];
                if (a != b) {
                    int[] e = edges.computeIfAbsent((long) a * count + b, x -> new int[2]);
                    e[0]++;
                    if (criticalEdge(d, i)) {
                        e[1] = 1;
                    }
                }
            }
        }
        List<GroupEdge> edgeList = new ArrayList<>();
        edges.forEach((k, e) -> edgeList.add(new GroupEdge((int) (k / count), (int) (k % count), e[0], e[1] == 1)));
        int[] groupOf = new int[tasks.size()];
        for (int i = 0; i < tasks.size(); i++) {
            groupOf[i] = renumber[raw[i]];
        }
        condensedView = new Condensed(List.of(groups), List.copyOf(edgeList), groupOf);
        return condensedView;
    }

    /** The group of a task in the condensed view. */
    int groupOf(int task) {
        return condense().groupOf[task];
    }
}
