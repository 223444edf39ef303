package dev.vireo.dag.internal;

import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * What the planners share: a workflow's tasks by index (in the spec's order), predecessors and successors (duplicate
 * edges once), a topological order (Kahn's, sources in the spec's order), HEFT's upward rank, and a list-schedule
 * evaluator that predicts each task's start and finish for an assignment of tasks to workers. Immutable once built.
 */
final class PlanGraph {
    final List<DagSpec.Task> tasks;
    final int n;
    final int[][] preds;
    final int[][] succs;
    /** Task indices in a topological order. */
    final int[] order;
    /** Each task's position in {@link #order}. */
    final int[] position;
    private final String name;

    private PlanGraph(DagSpec dag) {
        name = dag.name();
        tasks = dag.tasks();
        n = tasks.size();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(tasks.get(i).id(), i);
        }
        List<Set<Integer>> in = new ArrayList<>();
        List<Set<Integer>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            in.add(new LinkedHashSet<>());
            out.add(new LinkedHashSet<>());
        }
        for (DagSpec.Edge e : dag.edges()) {
            int from = index.get(e.from());
            int to = index.get(e.to());
            out.get(from).add(to);
            in.get(to).add(from);
        }
        preds = in.stream().map(s -> s.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        succs = out.stream().map(s -> s.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        int[] indegree = new int[n];
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            indegree[i] = preds[i].length;
            if (indegree[i] == 0) {
                ready.add(i);
            }
        }
        order = new int[n];
        position = new int[n];
        int k = 0;
        while (!ready.isEmpty()) {
            int t = ready.poll();
            position[t] = k;
            order[k++] = t;
            for (int s : succs[t]) {
                if (--indegree[s] == 0) {
                    ready.add(s);
                }
            }
        }
    }

    /** The graph of a spec (the spec has already checked ids, edges and cycles). */
    static PlanGraph of(DagSpec dag) {
        return new PlanGraph(dag);
    }

    DagSpec.Task task(int i) {
        return tasks.get(i);
    }

    /** Each task's height: the number of edges on the longest path from it to a sink. */
    int[] heights() {
        int[] height = new int[n];
        for (int k = n - 1; k >= 0; k--) {
            int t = order[k];
            for (int s : succs[t]) {
                height[t] = Math.max(height[t], height[s] + 1);
            }
        }
        return height;
    }

    /** What starting and running the task on the worker takes: startUs + executionUs. */
    static long cost(PlanningContext context, DagSpec.Task task, String worker) {
        return context.startUs(task, worker) + context.executionUs(task, worker);
    }

    /**
     * HEFT's upward rank (Topcuoglu et al. 2002): rank(t) = mean cost of t over the workers + the largest, over its
     * successors s, of mean transfer(t -> s) + rank(s). The mean transfer is over ordered pairs of distinct workers
     * (0 with one worker); past 16 workers over the 2 w neighbouring pairs (w_i, w_i+1) both ways, which keeps a
     * rank O(edges x workers).
     */
    double[] upwardRank(PlanningContext context) {
        List<String> workers = context.workers();
        int w = workers.size();
        List<String[]> pairs = new ArrayList<>();
        for (int a = 0; a < w; a++) {
            for (int b = 0; b < w; b++) {
                boolean near = b == (a + 1) % w || a == (b + 1) % w;
                if (a != b && (w <= 16 || near)) {
                    pairs.add(new String[] {workers.get(a), workers.get(b)});
                }
            }
        }
        double[] rank = new double[n];
        for (int k = n - 1; k >= 0; k--) {
            int t = order[k];
            double mean = 0;
            for (String worker : workers) {
                mean += cost(context, task(t), worker);
            }
            double tail = 0;
            for (int s : succs[t]) {
                double transfer = 0;
                for (String[] p : pairs) {
                    transfer += context.transferUs(task(t), task(s), p[0], p[1]);
                }
                tail = Math.max(tail, (pairs.isEmpty() ? 0 : transfer / pairs.size()) + rank[s]);
            }
            rank[t] = mean / w + tail;
        }
        return rank;
    }

    /**
     * Tasks by decreasing rank; equal ranks (to a nanosecond, so that rounding does not decide) in topological order.
     * With costs that are never negative a task's rank is at least its successors', so this is a topological order.
     */
    int[] byRank(double[] rank) {
        long[] key = Arrays.stream(rank).mapToLong(r -> Math.round(r * 1000)).toArray();
        return Arrays.stream(order).boxed()
                .sorted(Comparator.<Integer>comparingLong(t -> -key[t]).thenComparingInt(t -> position[t]))
                .mapToInt(Integer::intValue).toArray();
    }

    /** Priorities from an order: the first task gets n, the last 1 (higher starts first). */
    int[] priorities(int[] first) {
        int[] priority = new int[n];
        for (int k = 0; k < first.length; k++) {
            priority[first[k]] = n - k;
        }
        return priority;
    }

    /** A predicted schedule: per task start (after its start-up) and finish, microseconds after submission. */
    record Schedule(long[] start, long[] finish, long makespan) {
    }

    /**
     * List scheduling of an assignment: among the tasks whose predecessors are scheduled, the one with the highest
     * priority (then the topological order) goes next, on the lane of its worker that is free first (a worker has
     * slots(worker) lanes). start = max(lane free, max over predecessors of their finish + transferUs) +
     * startUs(task, worker); finish = start + executionUs; the makespan is the largest finish.
     */
    Schedule evaluate(PlanningContext context, String[] worker, int[] priority) {
        return listSchedule(context, priority, (t, finish, lanes) -> {
            DagSpec.Task task = task(t);
            long inputs = 0;
            for (int p : preds[t]) {
                inputs = Math.max(inputs, finish[p] + context.transferUs(task(p), task, worker[p], worker[t]));
            }
            return run(context, lanes.get(worker[t]), task, worker[t], inputs);
        });
    }

    /**
     * {@link #evaluate} of the runtime's own placement, for a plan that names no workers: a task runs on {@code home}
     * unless no lane of the home is free when its inputs are there, its execution is at least {@code worthUs} and
     * another worker has a lane free by then, which it then takes (the first such worker in {@code workers()} order),
     * as {@link Overflow} does. Predictions only: the plan still leaves the placement to the runtime.
     */
    Schedule evaluateSpilling(PlanningContext context, String home, int[] priority, long worthUs) {
        String[] worker = new String[n];
        return listSchedule(context, priority, (t, finish, lanes) -> {
            DagSpec.Task task = task(t);
            long inputs = 0;
            for (int p : preds[t]) {
                inputs = Math.max(inputs, finish[p] + context.transferUs(task(p), task, worker[p], home));
            }
            String w = home;
            if (lanes.get(home).peek() > inputs && context.executionUs(task, home) >= worthUs) {
                for (String other : context.workers()) {
                    if (!other.equals(home) && lanes.get(other).peek() <= inputs) {
                        w = other;
                        break;
                    }
                }
            }
            worker[t] = w;
            long moved = 0;
            if (!w.equals(home)) {
                for (int p : preds[t]) {
                    moved = Math.max(moved, context.transferUs(task(p), task, home, w));
                }
            }
            return run(context, lanes.get(w), task, w, inputs + moved);
        });
    }

    /** Where and when one task runs in a list schedule: its {start, finish}, given the finishes so far and the lanes. */
    private interface Step {
        long[] place(int task, long[] finish, LanesByWorker lanes);
    }

    /** Each worker's lanes, made on first use with slots(worker) of them (at most one per task). */
    private final class LanesByWorker {
        private final Map<String, Lanes> lanes = new HashMap<>();
        private final PlanningContext context;

        LanesByWorker(PlanningContext context) {
            this.context = context;
        }

        Lanes get(String worker) {
            return lanes.computeIfAbsent(worker, w -> new Lanes(Math.min(context.slots(w), n)));
        }
    }

    /** The task on the lane of {@code worker} free first, once its inputs are there: {start, finish}. */
    private static long[] run(PlanningContext context, Lanes lane, DagSpec.Task task, String worker, long inputs) {
        long start = Math.max(lane.take(), inputs) + context.startUs(task, worker);
        long finish = start + context.executionUs(task, worker);
        lane.put(finish);
        return new long[] {start, finish};
    }

    /** The list schedule's loop: ready tasks by priority (then topological order), each placed by {@code step}. */
    private Schedule listSchedule(PlanningContext context, int[] priority, Step step) {
        long[] start = new long[n];
        long[] finish = new long[n];
        LanesByWorker lanes = new LanesByWorker(context);
        int[] missing = new int[n];
        PriorityQueue<Integer> ready = new PriorityQueue<>(Comparator.<Integer>comparingInt(t -> -priority[t])
                .thenComparingInt(t -> position[t]));
        for (int t = 0; t < n; t++) {
            missing[t] = preds[t].length;
            if (missing[t] == 0) {
                ready.add(t);
            }
        }
        long makespan = 0;
        while (!ready.isEmpty()) {
            int t = ready.poll();
            long[] placed = step.place(t, finish, lanes);
            start[t] = placed[0];
            finish[t] = placed[1];
            makespan = Math.max(makespan, finish[t]);
            for (int s : succs[t]) {
                if (--missing[s] == 0) {
                    ready.add(s);
                }
            }
        }
        return new Schedule(start, finish, makespan);
    }

    /** The lanes of one worker: when each busy one is free; a lane never used is free at 0. */
    private static final class Lanes {
        final int count;
        final PriorityQueue<Long> busy = new PriorityQueue<>();
        int taken;

        Lanes(int count) {
            this.count = Math.max(1, count);
        }

        /** When the next {@link #take} would get a lane, without taking it. */
        long peek() {
            return taken < count ? 0 : busy.peek();
        }

        long take() {
            if (taken < count) {
                taken++;
                return 0;
            }
            return busy.poll();
        }

        void put(long free) {
            busy.add(free);
        }
    }

    /**
     * The plan: steps in the topological order. {@code worker}, {@code group} and {@code prewarm} may be null (none);
     * {@code schedule} null predicts nothing (start and finish -1, makespan 0).
     */
    DagPlan plan(String[] worker, String[] group, boolean[] prewarm, int[] priority, Schedule schedule) {
        List<DagPlan.Step> steps = new ArrayList<>(n);
        for (int t : order) {
            steps.add(new DagPlan.Step(task(t).id(), worker == null ? "" : worker[t], group == null ? "" : group[t],
                    prewarm != null && prewarm[t], priority[t], schedule == null ? -1 : schedule.start[t],
                    schedule == null ? -1 : schedule.finish[t]));
        }
        return new DagPlan(name, steps, schedule == null ? 0 : schedule.makespan);
    }
}
