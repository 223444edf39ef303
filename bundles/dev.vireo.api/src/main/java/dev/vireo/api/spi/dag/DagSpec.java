package dev.vireo.api.spi.dag;

import dev.vireo.api.model.ValidationException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A workflow: tasks (each runs one function) and the edges between them. The constructor checks that task ids are
 * unique, that edges name existing tasks, and that there is no cycle.
 */
public record DagSpec(String name, List<Task> tasks, List<Edge> edges) {

    /** One node: task {@code id} runs {@code functionId}. */
    public record Task(String id, String functionId) {
        public Task {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(functionId, "functionId");
        }
    }

    /** The output of {@code from} is an input of {@code to}. */
    public record Edge(String from, String to) {
        public Edge {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
    }

    public DagSpec {
        Objects.requireNonNull(name, "name");
        tasks = List.copyOf(tasks);
        edges = List.copyOf(edges);
        Set<String> ids = new HashSet<>();
        for (Task t : tasks) {
            if (!ids.add(t.id())) {
                throw new ValidationException("dag.tasks", "task id '" + t.id() + "' appears twice");
            }
        }
        Map<String, Integer> indegree = new HashMap<>();
        Map<String, List<String>> next = new HashMap<>();
        for (String id : ids) {
            indegree.put(id, 0);
        }
        for (Edge e : edges) {
            if (!ids.contains(e.from()) || !ids.contains(e.to())) {
                throw new ValidationException("dag.edges", "edge " + e.from() + " -> " + e.to() + " names an unknown task");
            }
            indegree.merge(e.to(), 1, Integer::sum);
            next.computeIfAbsent(e.from(), k -> new java.util.ArrayList<>()).add(e.to());
        }
        ArrayDeque<String> ready = new ArrayDeque<>();
        indegree.forEach((k, v) -> {
            if (v == 0) {
                ready.add(k);
            }
        });
        int seen = 0;
        while (!ready.isEmpty()) {
            String t = ready.poll();
            seen++;
            for (String n : next.getOrDefault(t, List.of())) {
                if (indegree.merge(n, -1, Integer::sum) == 0) {
                    ready.add(n);
                }
            }
        }
        if (seen != ids.size()) {
            throw new ValidationException("dag.edges", "the graph has a cycle");
        }
    }
}
