package dev.vireo.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DagGraphTest {
    /** A task that ran from {@code start} to {@code end} ms on {@code worker}. */
    static DagTask task(String id, String fn, String worker, long startMs, long endMs, String... deps) {
        return new DagTask(0, id, fn, "succeeded", worker, "warm", 1, 0, startMs * 1000, endMs * 1000, 0, 0,
                (endMs - startMs) * 1000, 0, 0, 0, "", "", "", List.of(deps));
    }

    static DagTask state(DagTask t, String state) {
        boolean ran = !state.equals("skipped") && !state.equals("cancelled") && !state.equals("waiting");
        return new DagTask(t.position(), t.task(), t.function(), state, ran ? t.worker() : "", t.container(),
                t.attempts(), t.items(), ran ? t.startUs() : -1, ran ? t.endUs() : -1, 0, 0, 0, 0, 0, 0,
                state.equals("failed") ? "USER_ERROR" : "", state.equals("failed") ? "boom" : "", "", t.dependsOn());
    }

    private static List<String> ids(DagGraph g, List<Integer> indices) {
        return indices.stream().map(i -> g.tasks().get(i).task()).toList();
    }

    @Test
    void theCriticalPathIsTheChainWithTheLongestTimeThroughIt() {
        // a -> {fast, slow} -> join -> end; other is independent and ends before end
        DagGraph g = DagGraph.of(List.of(
                task("a", "f-1", "w1", 0, 10, new String[0]),
                task("fast", "f-1", "w1", 10, 20, "a"),
                task("slow", "f-1", "w2", 10, 60, "a"),
                task("join", "g-1", "w1", 61, 70, "fast", "slow"),
                task("end", "g-1", "w2", 71, 75, "join"),
                task("other", "f-1", "w2", 0, 72)));
        assertEquals(List.of("a", "slow", "join", "end"), ids(g, g.critical()));
        assertEquals((10 + 50 + 9 + 4) * 1000, g.criticalUs(), "the sum of its tasks' spans, not the hand-offs");
        assertTrue(g.criticalEdge(2, 3), "slow -> join");
        assertFalse(g.criticalEdge(1, 3), "fast -> join is not a step of it");
        assertTrue(g.onCritical(0) && !g.onCritical(1) && !g.onCritical(5));

        // a single long task beats a chain with less time through it
        DagGraph alone = DagGraph.of(List.of(task("x", "f-1", "w1", 0, 10), task("y", "f-1", "w1", 10, 20, "x"),
                task("long", "f-1", "w2", 0, 25)));
        assertEquals(List.of("long"), ids(alone, alone.critical()));
    }

    @Test
    void tasksThatDidNotRunAreNeverOnTheCriticalPathAndTiesGoToTheLaterEnd() {
        DagGraph g = DagGraph.of(List.of(
                task("a", "f-1", "w1", 0, 10),
                state(task("bad", "f-1", "w1", 10, 30, "a"), "failed"),
                state(task("never", "f-1", "w1", 0, 0, "bad"), "skipped"),
                task("b", "f-1", "w1", 12, 20, "a")));
        assertEquals(List.of("a", "bad"), ids(g, g.critical()), "a failed task ran: it counts");
        DagGraph ties = DagGraph.of(List.of(task("p", "f-1", "w1", 0, 10), task("q", "f-1", "w1", 5, 15)));
        assertEquals(List.of("q"), ids(ties, ties.critical()), "same time through, q ended later");
        DagGraph none = DagGraph.of(List.of(state(task("s", "f-1", "", 0, 0), "skipped")));
        assertTrue(none.critical().isEmpty());
        assertEquals(0, none.criticalUs());
    }

    @Test
    void layersAreTheLongestPathFromARootAndTasksSitNearWhatTheyNeed() {
        // declared out of order on purpose: a reference may name a task declared later
        DagGraph g = DagGraph.of(List.of(
                task("sum", "s-1", "w1", 0, 1, "left2", "right", "root"),
                task("root", "r-1", "w1", 0, 1),
                task("right", "m-1", "w1", 0, 1, "root2"),
                task("left", "m-1", "w1", 0, 1, "root"),
                task("left2", "m-1", "w1", 0, 1, "left"),
                task("root2", "r-1", "w1", 0, 1)));
        Map<String, Integer> depth = new java.util.HashMap<>();
        for (int i = 0; i < g.size(); i++) {
            depth.put(g.tasks().get(i).task(), g.depth(i));
        }
        assertEquals(Map.of("root", 0, "root2", 0, "left", 1, "right", 1, "left2", 2, "sum", 3), depth);
        assertEquals(4, g.layers());
        assertEquals(List.of(2, 2, 1, 1), List.of(g.layerSize(0), g.layerSize(1), g.layerSize(2), g.layerSize(3)));
        // roots in workflow order: root above root2; left (needs root) above right (needs root2)
        assertEquals(0, g.position(1));
        assertEquals(1, g.position(5));
        assertEquals(0, g.position(3));
        assertEquals(1, g.position(2));
        assertEquals(List.of("root", "left", "left2", "sum"), ids(g, g.critical()), "the longest chain");
    }

    @Test
    void aCycleIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DagGraph.of(List.of(
                task("a", "f-1", "w1", 0, 1, "b"), task("b", "f-1", "w1", 0, 1, "a"))));
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    /** root -> n branches (two functions, two workers) -> sum. */
    static List<DagTask> fan(int n) {
        List<DagTask> tasks = new ArrayList<>();
        tasks.add(task("root", "split-1", "w1", 0, 5));
        String[] refs = new String[n];
        for (int i = 0; i < n; i++) {
            refs[i] = "b" + i;
            DagTask b = task(refs[i], i % 3 == 0 ? "odd-1" : "count-1", i % 2 == 0 ? "w1" : "w2", 5, 10 + i % 7,
                    "root");
            tasks.add(i == 4 ? state(b, "failed") : b);
        }
        tasks.add(task("sum", "sum-1", "w2", 20, 30, refs));
        return tasks;
    }

    @Test
    void pastTheThresholdTheGraphIsCondensedToOneGroupPerDepthAndFunction() {
        assertFalse(DagGraph.of(fan(DagGraph.CONDENSE_ABOVE - 2)).condensed(), "500 tasks: drawn in full");
        DagGraph g = DagGraph.of(fan(DagGraph.CONDENSE_ABOVE - 1));
        assertEquals(501, g.size());
        assertTrue(g.condensed());
        List<DagGraph.Group> groups = g.groups();
        assertEquals(List.of("split-1", "odd-1", "count-1", "sum-1"), groups.stream().map(DagGraph.Group::function)
                .toList(), "column by column; in a column by the groups' first task");
        DagGraph.Group odd = groups.get(1);
        assertEquals(1, odd.column());
        assertEquals(167, odd.count(), "every third of 499 branches");
        DagGraph.Group count = groups.get(2);
        assertEquals(Map.of("succeeded", 331, "failed", 1), count.states());
        assertEquals(166, count.workers().get("w1"));
        // the longest branches end at 16 ms (i % 7 == 6); of those b6 comes first, an odd-1 one
        assertEquals(List.of("root", "b6", "sum"), ids(g, g.critical()));
        assertEquals(List.of(new DagGraph.GroupEdge(0, 1, 167, true), new DagGraph.GroupEdge(0, 2, 332, false),
                new DagGraph.GroupEdge(1, 3, 167, true), new DagGraph.GroupEdge(2, 3, 332, false)), g.groupEdges());
        assertTrue(groups.get(0).critical() && odd.critical() && !count.critical() && groups.get(3).critical());
        assertEquals(2, g.groupOf(g.size() - 3), "b497 is a count-1 branch");

        // a dense graph is condensed however few its tasks
        List<DagTask> dense = new ArrayList<>();
        String[] left = new String[80];
        for (int i = 0; i < 80; i++) {
            left[i] = "l" + i;
            dense.add(task(left[i], "f-1", "w1", 0, 1));
        }
        for (int i = 0; i < 80; i++) {
            dense.add(task("r" + i, "g-1", "w1", 1, 2, left));
        }
        DagGraph d = DagGraph.of(dense);
        assertEquals(6_400, d.edges());
        assertTrue(d.condensed(), "160 tasks but 6,400 dependencies");
    }

    @Test
    void aVeryDeepGraphPutsItsDepthsTogetherInTheCondensedView() {
        int n = 10 * DagGraph.MAX_COLUMNS;
        List<DagTask> chain = new ArrayList<>();
        chain.add(task("t0", "f-1", "w1", 0, 1));
        for (int i = 1; i < n; i++) {
            chain.add(task("t" + i, "f-1", "w1", i, i + 1, "t" + (i - 1)));
        }
        DagGraph g = DagGraph.of(chain);
        assertEquals(n, g.layers());
        assertEquals(DagGraph.MAX_COLUMNS, g.columns());
        assertEquals(DagGraph.MAX_COLUMNS, g.groups().size(), "10 depths a column, one function");
        assertEquals(new DagGraph.Group(1, 1, 10, 19, "f-1", 10, Map.of("succeeded", 10), Map.of("w1", 10), true, 0),
                g.groups().get(1));
        assertEquals(DagGraph.MAX_COLUMNS - 1, g.groupEdges().size());
        assertEquals(n, g.critical().size());
    }
}
