package dev.vireo.dag.internal;

import dev.vireo.api.dag.DagPeers;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where ready tasks run. In a store of this node's memory: here, all of them. In a shared store (Redis), with peers
 * known ({@link DagPeers}): a worker keeps the first ready task (the continuation: no hop at all) and deals the others
 * round robin over itself and its peers, so a fan-out spreads over the cluster; a controller keeps none (a task run
 * on a controller would go through it to a worker anyway) and deals them all to the workers. A hand-off that fails
 * (the peer went away) runs the task here. Thread-safe.
 */
final class Placement {
    private static final System.Logger LOG = System.getLogger(Placement.class.getName());

    private final Supplier<DagPeers> peers;
    private final BooleanSupplier controller;
    private final AtomicLong next = new AtomicLong();

    /** The next peer in turn. */
    String nextPeer(List<String> peers) {
        return peers.get((int) Math.floorMod(next.getAndIncrement(), (long) peers.size()));
    }

    Placement(Supplier<DagPeers> peers, BooleanSupplier controller) {
        this.peers = peers;
        this.controller = controller;
    }

    /** Records a hand-off before it is made. */
    interface HandedTo {
        void record(Run run, String task, String peer);
    }

    /** The workers tasks may be handed to now (empty: none, or the run's store is not shared). */
    List<String> peers(Run run) {
        DagPeers p = peers.get();
        return p == null || !run.store.shared() ? List.of() : p.peers();
    }

    /** Whether this node is a controller (it runs no task itself when it has peers). */
    boolean controller() {
        return controller.getAsBoolean();
    }

    /** Hands one task to a given peer (recovery); false if there are no peers to hand it to. */
    boolean handTo(Run run, String task, String peer, BiConsumer<Run, String> here, HandedTo handed) {
        DagPeers p = peers.get();
        if (p == null) {
            return false;
        }
        handed.record(run, task, peer);
        p.start(peer, run.id, task).whenComplete((ok, failed) -> {
            if (failed != null) {
                here.accept(run, task);
            }
        });
        return true;
    }

    /** Everything here: a node alone. */
    static Placement local() {
        return new Placement(() -> null, () -> false);
    }

    /**
     * Hands some of the ready tasks to peers; returns those to start here. {@code here} starts a task on this node
     * when its hand-off failed.
     */
    List<String> handOff(Run run, List<String> ready, BiConsumer<Run, String> here, HandedTo handed) {
        return handOff(run, ready, here, handed, java.util.Map.of());
    }

    /**
     * {@link #handOff(Run, List, BiConsumer, HandedTo)} where {@code inline} holds outputs the ready tasks read: each
     * peer's request carries those its tasks read.
     */
    List<String> handOff(Run run, List<String> ready, BiConsumer<Run, String> here, HandedTo handed,
            java.util.Map<String, String> inline) {
        DagPeers p = peers.get();
        if (ready.isEmpty() || p == null || !run.store.shared()) {
            return ready;
        }
        List<String> others = p.peers();
        if (others.isEmpty()) {
            return ready;
        }
        boolean keep = !controller.getAsBoolean();
        int slots = others.size() + (keep ? 1 : 0);
        List<String> local = new ArrayList<>();
        java.util.Map<String, List<String>> dealt = new java.util.LinkedHashMap<>();
        for (int i = 0; i < ready.size(); i++) {
            String task = ready.get(i);
            String group = run.group(task);
            String at = group.isEmpty() ? null : run.groupWorkers.get(group);
            String to;
            if (at != null && (others.contains(at) || keep && at.isEmpty())) {
                to = at; // a fused group's member goes where the group runs
            } else if (keep && i == 0) {
                to = "";
            } else {
                int slot = (int) Math.floorMod(next.getAndIncrement(), (long) slots);
                to = slot == others.size() ? "" : others.get(slot);
            }
            if (!group.isEmpty() && !to.equals(at)) {
                run.groupWorkers.put(group, to); // the group's first, or its worker left: the group moves with it
            }
            if (to.isEmpty()) {
                local.add(task);
            } else {
                dealt.computeIfAbsent(to, k -> new ArrayList<>()).add(task);
            }
        }
        // one request per peer, whatever the fan-out's width
        dealt.forEach((peer, tasks) -> {
            tasks.forEach(task -> handed.record(run, task, peer));
            java.util.Map<String, String> carried = new java.util.HashMap<>();
            inline.forEach((producer, output) -> {
                if (tasks.stream().anyMatch(t -> run.task(t).dependsOn().contains(producer))) {
                    carried.put(producer, output);
                }
            });
            p.start(peer, run.id, tasks, carried).whenComplete((ok, failed) -> {
                if (failed != null) {
                    LOG.log(Level.WARNING, "[" + run.id + "] could not hand " + tasks.size() + " task(s) to " + peer
                            + " (" + failed.getMessage() + "): running them here");
                    tasks.forEach(task -> here.accept(run, task));
                }
            });
        });
        return local;
    }
}
