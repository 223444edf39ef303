package dev.vireo.dag.internal;

import dev.vireo.api.dag.ChainLink;
import dev.vireo.api.dag.ChainStep;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.WorkerException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which of a run's tasks go to a peer in one request with a fused group's first member (sub-graphs inline): the
 * group's members that can run one after the other there with nothing from outside, i.e. each reads only members
 * already in the chain, and none has been settled (a resumed run's). Members that read anything else, and map tasks,
 * are left to run one by one as before. An output goes back to the home only when a task outside the chain reads it
 * or it is a sink of the run. Stateless.
 */
final class Chains {
    private Chains() {
    }

    /**
     * The chain that starts with {@code first} (the first member of its group to run, about to go to a peer), as
     * links in an order the graph allows; empty when fewer than two members would be in it. Walks the dependents of
     * the members only: a task is looked at again each time one more of its inputs joins.
     */
    static List<ChainLink> of(Run run, String first) {
        String group = run.group(first);
        Workflow.Task head = run.task(first);
        if (group.isEmpty() || head == null || head.mapped()) {
            return List.of();
        }
        Set<String> chain = new LinkedHashSet<>();
        chain.add(first);
        Deque<String> next = new ArrayDeque<>(run.dependents.getOrDefault(first, List.of()));
        while (!next.isEmpty() && chain.size() < ChainRunner.MAX_LINKS) {
            String id = next.poll();
            Workflow.Task t = run.task(id);
            if (chain.contains(id) || t.mapped() || !group.equals(run.group(id)) || !chain.containsAll(t.dependsOn())
                    || run.store.settled(run.id, id)) {
                continue;
            }
            chain.add(id);
            next.addAll(run.dependents.getOrDefault(id, List.of()));
        }
        if (chain.size() < 2) {
            return List.of();
        }
        List<String> sinks = run.workflow.sinks();
        List<ChainLink> links = new ArrayList<>(chain.size());
        for (String id : chain) {
            Workflow.Task t = run.task(id);
            boolean outside = sinks.contains(id) || run.dependents.getOrDefault(id, List.of()).stream()
                    .anyMatch(d -> !chain.contains(d));
            links.add(new ChainLink(run.tid(id, -1, 1), id, t.functionId(), t.args(),
                    id.equals(first) ? List.of() : t.dependsOn(), outside));
        }
        return links;
    }

    /**
     * The peer's answer to {@code links}, checked (1 to all of the links' steps, in their order: INTERNAL otherwise),
     * each step on this node's time scale: the chain was sent at {@code sentUs} (microseconds since submission), and
     * a step starts when the peer's clock says it arrived, counted from the first's arrival (never before the step
     * before it), and ends its end to end later.
     */
    static List<Run.Prepared> placed(String peer, List<ChainLink> links, List<ChainStep> steps, long sentUs) {
        if (steps.isEmpty() || steps.size() > links.size()) {
            throw new WorkerException(ErrorKind.INTERNAL, peer + " answered " + steps.size() + " steps to a chain of "
                    + links.size());
        }
        InvocationRecord head = steps.get(0).record();
        List<Run.Prepared> out = new ArrayList<>(steps.size());
        long last = sentUs;
        for (int i = 0; i < steps.size(); i++) {
            ChainStep st = steps.get(i);
            if (!st.task().equals(links.get(i).task())) {
                throw new WorkerException(ErrorKind.INTERNAL, peer + " answered step " + i + " for task '" + st.task()
                        + "', not '" + links.get(i).task() + "'");
            }
            long start = Math.max(last, sentUs + Math.max(0,
                    Duration.between(head.arrival(), st.record().arrival()).toNanos() / 1_000));
            out.add(new Run.Prepared(st, start, start + st.record().timings().e2eUs()));
            last = start;
        }
        return out;
    }
}
