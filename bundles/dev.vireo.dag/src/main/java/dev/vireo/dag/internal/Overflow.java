package dev.vireo.dag.internal;

import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.time.Clock;
import dev.vireo.api.worker.WorkerService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Where the invocation of a ready task goes when its run is kept in this node's memory (the embedded store) and the
 * node is a worker with peers: here, where the inputs are, while this worker has a free slot; else on a peer that has
 * one (invoked directly, worker to worker, its output coming back in the reply; a peer is taken to admit of a
 * function what this worker admits of it, capped by the concurrency it reports); else here all the same (it queues).
 * So a chain or a fan-out of short tasks stays on one worker with no network hop, and a fan-out wider than the worker
 * spreads over the cluster.
 *
 * <p>This worker's slots for a function are what its admission allows at once: the least of its {@code concurrency}
 * capacity, its {@code cpu} capacity over the function's cpus and its {@code memory} capacity over the function's
 * memory (read from its status at most every {@link #REFRESH_NS}); what is in use here is counted as invocations
 * leave and return, so that a burst does not see stale figures. A
 * peer's room is what the cluster last reported of it (running, queued, slots) less what this node sent it that has
 * not returned. Thread-safe; never blocks.
 */
final class Overflow {
    /** How old this worker's slot count may be. */
    static final long REFRESH_NS = 250_000_000L;
    /** The shortest execution worth sending to a peer, microseconds: a few times the hop (~0.3-1 ms here). */
    static final long WORTH_US = 2_000;
    /** How long a peer that did not answer is passed over. */
    static final long AVOID_NS = 5_000_000_000L;
    /** How long a worker's statistics ({@link #statsOf}) are taken as they were. */
    static final long STATUS_NS = 1_000_000_000L;

    private final WorkerService local;
    private final Supplier<DagPeers> peers;
    private final Map<String, Asked> statuses = new ConcurrentHashMap<>();
    private final Supplier<List<WorkerMember>> members;
    private final Clock clock;
    private final AtomicInteger here = new AtomicInteger();
    private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();
    /** Peer -> until when (clock nanos) it is passed over: it did not answer an invocation. */
    private final Map<String, Long> avoided = new ConcurrentHashMap<>();
    /** Function id (or "" for any) -> this worker's slots for it, and when that was read. */
    private final Map<String, long[]> slots = new ConcurrentHashMap<>();

    /** Where one invocation went: {@link #returned} gives its slot back. */
    record Target(WorkerService service, String peer) {
        boolean here() {
            return peer.isEmpty();
        }
    }

    Overflow(WorkerService local, Supplier<DagPeers> peers, Supplier<List<WorkerMember>> members, Clock clock) {
        this.local = local;
        this.peers = peers;
        this.members = members;
        this.clock = clock;
    }

    /** Everything on {@code local}: no peers (a node alone, the simulation's nodes, unit tests). */
    static Overflow none(WorkerService local, Clock clock) {
        return new Overflow(local, () -> null, List::of, clock);
    }

    /**
     * Takes a slot for one invocation of a run's task: here, or on a peer with room. {@code spread}: whether the run
     * may leave this node at all (its store is this node's own, and this node is a worker). {@code typicalUs}: the
     * task's function's median execution (-1: not known yet): a task shorter than {@link #WORTH_US} stays here, full
     * or not (the hop to a peer and back costs more than waiting for a slot here would).
     */
    Target take(boolean spread, long typicalUs) {
        return take(spread, typicalUs, "");
    }

    /** {@link #take(boolean, long)} for an invocation of {@code functionId} (its slots here, see the class). */
    Target take(boolean spread, long typicalUs, String functionId) {
        int mine = spread ? slots(functionId) : 0;
        if (!spread || typicalUs >= 0 && typicalUs < WORTH_US) {
            here.incrementAndGet(); // stays here, full or not
            return new Target(local, "");
        }
        if (claim(here, mine)) {
            return new Target(local, "");
        }
        DagPeers p = peers.get();
        List<WorkerMember> known = p == null ? List.of() : members.get();
        if (!known.isEmpty()) {
            List<String> names = p.peers();
            int n = known.size();
            int start = (int) Math.floorMod(next.getAndIncrement(), (long) n);
            for (int i = 0; i < n; i++) {
                WorkerMember m = known.get((start + i) % n);
                Long until = avoided.get(m.name());
                if (!names.contains(m.name()) || until != null && clock.nanoTime() - until < 0) {
                    continue;
                }
                AtomicInteger out = sent.computeIfAbsent(m.name(), k -> new AtomicInteger());
                // a peer is taken to admit of the function what this worker does (the cluster reports only its
                // concurrency), capped by that concurrency
                if (claim(out, Math.min(m.slots(), mine) - m.running() - m.queued())) {
                    return new Target(p.worker(m.name()), m.name());
                }
            }
        }
        here.incrementAndGet();
        return new Target(local, "");
    }

    /**
     * Counts one more on {@code counter} if it is below {@code limit}, as one step: tasks made ready together are
     * placed from several threads at once, and a check followed by an increment let two of them take the last slot.
     */
    private static boolean claim(AtomicInteger counter, int limit) {
        while (true) {
            int n = counter.get();
            if (n >= limit) {
                return false;
            }
            if (counter.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * Takes a slot on the worker a plan named for the task ({@code preferred}; empty or this worker: as
     * {@link #take(boolean, long)}): a peer in service that has not failed lately gets it whatever its room (the planner
     * decided), else the task goes as if none was named.
     */
    Target take(boolean spread, String preferred) {
        Target peer = peer(preferred);
        return peer != null ? peer : take(spread, -1);
    }

    /**
     * A slot on {@code worker} whatever its load: this node ("" or its own name), or that peer while it is in service
     * and not passed over (else this node). A fused group's members follow its first this way.
     */
    Target stick(boolean spread, String worker) {
        Target peer = spread ? peer(worker) : null;
        if (peer != null) {
            return peer;
        }
        here.incrementAndGet();
        return new Target(local, "");
    }

    /** A slot on the peer {@code worker} whatever its room, or null when it is this node, unknown or passed over. */
    private Target peer(String worker) {
        if (worker.isEmpty() || worker.equals(local.name())) {
            return null;
        }
        DagPeers p = peers.get();
        Long until = avoided.get(worker);
        if (p == null || until != null && clock.nanoTime() - until < 0 || !p.peers().contains(worker)) {
            return null;
        }
        sent.computeIfAbsent(worker, k -> new AtomicInteger()).incrementAndGet();
        return new Target(p.worker(worker), worker);
    }

    /** The worker service of {@code worker}: this node's own, or a peer's; null if it is neither. */
    WorkerService service(String worker) {
        if (worker.isEmpty() || worker.equals(local.name())) {
            return local;
        }
        DagPeers p = peers.get();
        return p != null && p.peers().contains(worker) ? p.worker(worker) : null;
    }

    /**
     * A worker's per-function statistics ({@code WorkerStatus.stats}, with each function's containers): this node's
     * own, or a peer's, asked over its API at most once per {@link #STATUS_NS} ({@link #AVOID_NS} after it did not
     * answer); empty for a worker that is neither, is passed over, or does not answer.
     */
    Map<String, FunctionStats> statsOf(String worker) {
        long now = clock.nanoTime();
        Asked last = statuses.get(worker);
        if (last != null && now - last.untilNs() < 0) {
            return last.stats(); // a plan key is made on every submission: a peer's status is asked at most 1/s
        }
        Long avoid = avoided.get(worker);
        WorkerService w = avoid != null && now - avoid < 0 ? null : service(worker);
        if (w == null) {
            return Map.of(); // not a peer, or passed over: planned as cold there
        }
        Map<String, FunctionStats> stats;
        long keep = STATUS_NS;
        try {
            stats = w.status().stats();
        } catch (RuntimeException e) {
            stats = Map.of(); // did not answer: planned as cold there, and not asked again for a while
            keep = AVOID_NS;
        }
        statuses.put(worker, new Asked(now + keep, stats));
        return stats;
    }

    /** A worker's statistics and until when they are taken as they were. */
    private record Asked(long untilNs, Map<String, FunctionStats> stats) {
    }

    /** This worker and its peers in service, this one first (the workers a plan may use). */
    List<String> workers() {
        DagPeers p = peers.get();
        List<String> all = new java.util.ArrayList<>();
        all.add(local.name());
        if (p != null) {
            all.addAll(p.peers());
        }
        return all;
    }

    /**
     * Invocations of the functions {@code functionIds} a worker runs at once: what this worker admits of the most
     * demanding of them; a peer is taken to be alike (the cluster reports only its concurrency), capped by that.
     */
    int slotsOf(String worker, java.util.Collection<String> functionIds) {
        int here = functionIds.isEmpty() ? slots("") : functionIds.stream().mapToInt(this::slots).min().orElse(1);
        if (worker.equals(local.name())) {
            return here;
        }
        return Math.min(here, members.get().stream().filter(m -> m.name().equals(worker)).mapToInt(
                WorkerMember::slots).findFirst().orElse(here));
    }

    /**
     * Sends a chain of a run's tasks to the peer {@code t} was taken on ({@link DagPeers#chain}); its slot is held
     * until the whole chain answered. Fails (UNREACHABLE) when there are no peers any more.
     */
    java.util.concurrent.CompletionStage<List<dev.vireo.api.dag.ChainStep>> chain(Target t,
            List<dev.vireo.api.dag.ChainLink> links, String payload, int maxOutputBytes) {
        DagPeers p = peers.get();
        if (p == null || t.here()) {
            throw new dev.vireo.api.worker.WorkerException(dev.vireo.api.model.ErrorKind.UNREACHABLE,
                    "no peer to send a chain to");
        }
        return p.chain(t.peer(), links, payload, maxOutputBytes);
    }

    /** The invocation ended (or could not be made): its slot is free again. */
    void returned(Target t) {
        if (t.here()) {
            here.decrementAndGet();
        } else {
            AtomicInteger out = sent.get(t.peer());
            if (out != null) {
                out.decrementAndGet();
            }
        }
    }

    /**
     * The invocation sent to a peer failed because the peer could not be reached: the peer is passed over for
     * {@link #AVOID_NS} (until the cluster's view of it catches up), so that the retry goes elsewhere.
     */
    void unreachable(Target t) {
        if (!t.here()) {
            avoided.put(t.peer(), clock.nanoTime() + AVOID_NS);
        }
    }

    private int slots(String functionId) {
        long now = clock.nanoTime();
        long[] cached = slots.get(functionId);
        if (cached == null || now - cached[1] > REFRESH_NS) {
            cached = new long[] {slotsOf(local, functionId), now};
            slots.put(functionId, cached);
        }
        return (int) cached[0];
    }

    /**
     * What the worker admits at once of the function: its concurrency capacity, and for a known function also its cpu
     * and memory capacities over what one invocation takes; at least 1.
     */
    static int slotsOf(WorkerService worker, String functionId) {
        dev.vireo.api.model.FunctionSpec fn = functionId.isEmpty() ? null : worker.functions().stream()
                .filter(f -> f.id().equals(functionId)).findFirst().orElse(null);
        double n = Integer.MAX_VALUE;
        boolean any = false;
        for (ResourceUsage u : worker.status().resources()) {
            double per = switch (u.resource()) {
                case "concurrency" -> 1;
                case "cpu" -> fn == null ? 0 : fn.cpus();
                case "memory" -> fn == null ? 0 : fn.memoryMb();
                default -> 0;
            };
            if (per > 0 && u.capacity() > 0) {
                n = Math.min(n, u.capacity() / per);
                any = true;
            }
        }
        return any ? (int) Math.max(1, Math.min(Integer.MAX_VALUE, n)) : 1;
    }
}
