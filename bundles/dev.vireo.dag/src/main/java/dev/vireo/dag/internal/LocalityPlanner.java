package dev.vireo.dag.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * Cascade-style locality (ECMWF earthkit-workflows): data stays where it is made. Work of a task = startUs +
 * executionUs on home().
 * <ul>
 * <li>The connected components of the graph go to workers by predicted work (the largest to home(), each next to
 * the worker with the least work so far); workers left over when there are fewer components than workers join the
 * component with the most work per worker.</li>
 * <li>Maximal chains (a task whose only successor has it as only predecessor) are fused: one group.</li>
 * <li>A component's sources are dealt over its workers by the predicted work of their chains (the largest to the
 * component's first worker, each next to its least loaded one).</li>
 * <li>Every other task goes to the worker holding the most predicted input bytes (Prediction.outputBytes of its
 * predecessors, summed per worker); ties to home() when home holds one of the tied, else to the worker of its first
 * predecessor among them.</li>
 * </ul>
 * Priority from the upward rank; start, finish and makespan from the list schedule ({@link PlanGraph#evaluate}).
 * No prewarm.
 */
@Component
@PluginName("locality")
@PluginDescription("Cascade-style locality: components spread over workers, chains fused, each task where most of"
        + " its input bytes are; pick it when outputs are large and moving them costs more than waiting")
public final class LocalityPlanner implements DagPlanner {
    @Override
    public DagPlan plan(DagSpec dag, PlanningContext context) {
        PlanGraph g = PlanGraph.of(dag);
        String home = context.home();
        long[] work = new long[g.n];
        for (int t = 0; t < g.n; t++) {
            work[t] = PlanGraph.cost(context, g.task(t), home);
        }
        String[] group = new String[g.n];
        long[] chain = new long[g.n]; // a source's chain work, summed at the source
        int[] head = new int[g.n];
        for (int t : g.order) {
            int[] p = g.preds[t];
            boolean fused = p.length == 1 && g.succs[p[0]].length == 1;
            head[t] = fused ? head[p[0]] : t;
            group[t] = g.task(head[t]).id();
            chain[head[t]] += work[t];
        }
        int[] component = components(g);
        List<List<String>> at = placeComponents(g, context, component, work);
        String[] worker = new String[g.n];
        Map<String, Long> load = new HashMap<>();
        List<Integer> sources = new ArrayList<>();
        for (int t : g.order) {
            if (g.preds[t].length == 0) {
                sources.add(t);
            }
        }
        sources.sort(Comparator.comparingLong(t -> -chain[t]));
        for (int t : sources) {
            worker[t] = at.get(component[t]).stream().min(Comparator.comparingLong(w -> load.getOrDefault(w, 0L)))
                    .orElseThrow();
            load.merge(worker[t], chain[t], Long::sum);
        }
        for (int t : g.order) {
            int[] preds = g.preds[t];
            if (preds.length == 0) {
                continue;
            }
            Map<String, Long> bytes = new LinkedHashMap<>();
            for (int p : preds) {
                bytes.merge(worker[p], context.predict(g.task(p).functionId()).outputBytes(), Long::sum);
            }
            long most = bytes.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            worker[t] = bytes.getOrDefault(home, -1L) == most ? home
                    : bytes.entrySet().stream().filter(e -> e.getValue() == most).findFirst().orElseThrow().getKey();
        }
        int[] priority = g.priorities(g.byRank(g.upwardRank(context)));
        return g.plan(worker, group, null, priority, g.evaluate(context, worker, priority));
    }

    /** Each task's component, numbered by the first task (in the spec's order) of each. */
    static int[] components(PlanGraph g) {
        int[] parent = new int[g.n];
        for (int t = 0; t < g.n; t++) {
            parent[t] = t;
        }
        for (int t = 0; t < g.n; t++) {
            for (int s : g.succs[t]) {
                int a = root(parent, t);
                int b = root(parent, s);
                parent[Math.max(a, b)] = Math.min(a, b);
            }
        }
        int[] number = new int[g.n];
        Map<Integer, Integer> seen = new HashMap<>();
        for (int t = 0; t < g.n; t++) {
            number[t] = seen.computeIfAbsent(root(parent, t), r -> seen.size());
        }
        return number;
    }

    private static int root(int[] parent, int t) {
        while (parent[t] != t) {
            parent[t] = parent[parent[t]];
            t = parent[t];
        }
        return t;
    }

    /** The workers of each component (by its number), its first one where its largest source goes. */
    static List<List<String>> placeComponents(PlanGraph g, PlanningContext context, int[] component, long[] work) {
        int count = g.n == 0 ? 0 : 1 + Arrays.stream(component).max().orElse(0);
        long[] total = new long[count];
        int[] size = new int[count];
        for (int t = 0; t < g.n; t++) {
            total[component[t]] += work[t];
            size[component[t]]++;
        }
        List<Integer> largest = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            largest.add(c);
        }
        largest.sort(Comparator.<Integer>comparingLong(c -> -total[c]).thenComparingInt(c -> -size[c]));
        List<String> workers = context.workers();
        Map<String, Long> assigned = new LinkedHashMap<>();
        workers.forEach(w -> assigned.put(w, 0L));
        List<List<String>> at = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            at.add(new ArrayList<>());
        }
        for (int c : largest) {
            String w = at.get(largest.get(0)).isEmpty() ? context.home() : assigned.entrySet().stream()
                    .min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            at.get(c).add(w);
            assigned.merge(w, total[c], Long::sum);
        }
        for (String spare : workers) {
            if (count > 0 && at.stream().noneMatch(l -> l.contains(spare))) {
                int c = largest.stream().max(Comparator.<Integer>comparingDouble(k -> (double) total[k]
                        / at.get(k).size()).thenComparingInt(k -> -largest.indexOf(k))).orElseThrow();
                at.get(c).add(spare);
            }
        }
        return at;
    }
}
