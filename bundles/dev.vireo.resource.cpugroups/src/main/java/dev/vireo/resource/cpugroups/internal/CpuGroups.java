package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceUsage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code cpu-groups} tracker's logic. An invocation ({@code slots = 1}) gets the least loaded group with room
 * (fewest invocations in it, then the lowest index) among the groups its function may get ({@link FunctionGroups},
 * key {@code function.groups}) while fewer than {@code max.in.flight} hold one; its grant names
 * the group ({@code cpu-group -> "1"}, {@code cpus -> "2-3"}). Container requests ({@code slots = 0}) get a zero grant.
 * Once the worker knows the invocation's container, {@link #bind} puts the container into the group through the
 * mode's {@link GroupEnforcer}; {@link #unbind} (or {@link #release}, which implies it) takes it out again.
 *
 * <p>An enforcer that {@link GroupEnforcer#keepsIdle keeps idle containers} (cpuset mode, {@code idle = keep}) leaves
 * a container in its group after its last invocation's {@link #unbind}: the container stays a member with no
 * invocation bound ({@link #members}, idle), the next invocation on it in the same group writes nothing, and one in
 * another group moves it ({@link GroupEnforcer#move}); the tracker {@link #forget forgets} it when it is destroyed, and
 * writes its own values back at {@link #close}. A {@link #release} of a grant still bound (the invocation failed, timed
 * out or its container is being evicted) always takes the container out.
 *
 * <p>A container serving several invocations at once (function concurrency above 1) is put into the group of the
 * first one bound to it and stays there until the last of them is unbound (a container's processes cannot be in two
 * groups); each invocation still counts in its own group.
 *
 * <p>Threading: every method is safe from many threads at once. The accounting (grants, counts per group) is one
 * monitor, {@code this}: {@link #tryAcquire} is one atomic check-and-take and never waits for anything but that
 * monitor, so the in-flight count never exceeds {@code max.in.flight} under any interleaving. Placement (which
 * container is in which group, and the enforcer's writes: a cgroup file write, some microseconds) is a second monitor,
 * {@link #placements}, taken before {@code this} when both are needed, so an acquisition never waits for a write. A
 * release unbinds and frees the group in one step under both: a group's count covers every container that runs an
 * invocation in it (idle members kept in a group run nothing and are not counted), and a grant is never bound after
 * its release. Grants are tracked by identity: releasing a
 * grant twice frees once; a released grant binds nothing.
 */
final class CpuGroups implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CpuGroups.class.getName());
    /** Past this many members, idle ones whose cgroup is gone are dropped (at the next park; then past twice as many). */
    static final int REMEMBERED = 4_096;
    static final String RESOURCE = "cpu-groups";
    static final String GROUP = "cpu-group";
    static final String CPUS = "cpus";

    /** What is known about one container while invocations are bound to it. */
    enum State {
        /** The enforcer confined it to its group. */
        CONFINED,
        /** Its backend knows no cgroup the enforcer can use (simulated containers, local processes). */
        UNPLACED,
        /** The enforcer tried and the host refused (logged). */
        FAILED
    }

    /** A container with invocations bound to it: its group (the first bound one's) and the grants bound to it. */
    record Member(String containerId, String functionId, CpuGroup group, State state, Optional<GroupEnforcer.Bound> bound,
            Set<ResourceGrant> grants) {
    }

    private final CpuGroupsOptions options;
    private final GroupEnforcer enforcer;
    // ---- accounting, guarded by this
    private final Map<ResourceGrant, Held> outstanding = new IdentityHashMap<>();
    private final int[] inFlight;
    private int total;
    private int peak;
    // ---- placement, guarded by placements
    private final Object placements = new Object();
    private final Map<ResourceGrant, Member> bound = new IdentityHashMap<>();
    private final Map<String, Member> members = new LinkedHashMap<>();
    /** Containers destroyed while invocations were still bound to them: taken out, never kept, at their last unbind. */
    private final Set<String> destroyed = new java.util.HashSet<>();
    private int sweepAbove = REMEMBERED;
    private long binds;
    private long kept;
    private long moves;
    private long unplaced;
    private long failures;
    private boolean closed;

    CpuGroups(CpuGroupsOptions options, GroupEnforcer enforcer) {
        this.options = options;
        this.enforcer = enforcer;
        this.inFlight = new int[options.groups().size()];
    }

    /** How groups are enforced now: the mode, and why where sched-ext fell back to cpuset. */
    String enforcement() {
        return enforcer.name();
    }

    /** The enforcer (the console reads the scheduler's maps through it in mode sched-ext). */
    GroupEnforcer enforcer() {
        return enforcer;
    }

    CpuGroupsOptions options() {
        return options;
    }

    Optional<ResourceGrant> tryAcquire(ResourceRequest request) {
        if (request.slots() == 0) {
            return Optional.of(new ResourceGrant(RESOURCE, request.tid(), 0, Map.of()));
        }
        synchronized (this) {
            if (total >= options.maxInFlight()) {
                return Optional.empty();
            }
            CpuGroup best = null;
            for (CpuGroup g : options.groups()) {
                if (!options.functions().allows(request.functionId(), g.index())) {
                    continue;
                }
                if (inFlight[g.index()] < g.capacity() && (best == null || inFlight[g.index()] < inFlight[best.index()])) {
                    best = g;
                }
            }
            if (best == null) {
                return Optional.empty();
            }
            inFlight[best.index()]++;
            total++;
            peak = Math.max(peak, total);
            ResourceGrant grant = new ResourceGrant(RESOURCE, request.tid(), 1,
                    Map.of(GROUP, best.name(), CPUS, best.cpus().toString()));
            outstanding.put(grant, new Held(best, request.expectedUs() * 1_000));
            return Optional.of(grant);
        }
    }

    void release(ResourceGrant grant) {
        if (grant.amount() == 0) {
            return;
        }
        synchronized (placements) { // unbind and free together: no bind of this grant can come in between
            unbindLocked(grant, false);
            synchronized (this) {
                Held h = outstanding.remove(grant);
                if (h != null) {
                    inFlight[h.group().index()]--;
                    total--;
                }
            }
        }
    }

    private synchronized Held heldBy(ResourceGrant grant) {
        return outstanding.get(grant);
    }

    /** A grant's group and its invocation's expected execution (ns, 0 unknown). */
    private record Held(CpuGroup group, long expectedNs) {
    }

    void bind(ResourceGrant grant, ContainerPlacement placement) {
        if (grant.amount() == 0) {
            return;
        }
        synchronized (placements) {
            Held held = heldBy(grant); // under placements: a release that unbinds waits for this bind to end
            if (closed || held == null || bound.containsKey(grant)) {
                return;
            }
            CpuGroup group = held.group();
            Member m = members.get(placement.containerId());
            if (m != null && m.grants().isEmpty()) { // kept in its group since its last invocation
                m = rejoin(grant.tid(), m, group, placement, held.expectedNs());
                members.put(placement.containerId(), m);
            } else if (m == null) {
                m = confine(grant.tid(), group, placement, held.expectedNs());
                members.put(placement.containerId(), m);
            } else if (m.group() != group) {
                String stays = m.group().name();
                LOG.log(Level.DEBUG, () -> "[" + grant.tid() + "] " + placement.containerId() + " serves another "
                        + "invocation in group " + stays + ": it stays there (granted group " + group.name() + ")");
            }
            m.grants().add(grant);
            bound.put(grant, m);
            binds++;
        }
    }

    /**
     * An idle member, kept in its group, gets an invocation of {@code group}: nothing to write when it is the same
     * group, else the enforcer moves it; called holding {@link #placements}.
     */
    private Member rejoin(String tid, Member idle, CpuGroup group, ContainerPlacement placement, long expectedNs) {
        GroupEnforcer.Bound was = idle.bound().orElseThrow(); // only confined members are kept
        if (!was.placement().equals(placement)) { // the same id in another cgroup: start from the container's own
            restore(tid, idle);
            return confine(tid, group, placement, expectedNs);
        }
        if (idle.group() == group) {
            kept++;
            return idle;
        }
        try {
            GroupEnforcer.Bound moved = enforcer.move(was, group, expectedNs);
            moves++;
            return new Member(idle.containerId(), idle.functionId(), group, State.CONFINED, Optional.of(moved),
                    idle.grants());
        } catch (IOException | RuntimeException e) {
            failures++;
            LOG.log(Level.WARNING, "[" + tid + "] cannot move " + placement.containerId() + " from CPU group "
                    + idle.group().name() + " to " + group.name() + " (cpus " + group.cpus() + "): " + e.getMessage());
            restore(tid, idle);
            return new Member(idle.containerId(), idle.functionId(), group, State.FAILED, Optional.empty(),
                    idle.grants());
        }
    }

    /** Asks the enforcer to put the container into the group; called holding {@link #placements}. */
    private Member confine(String tid, CpuGroup group, ContainerPlacement placement, long expectedNs) {
        Set<ResourceGrant> grants = Collections.newSetFromMap(new IdentityHashMap<>());
        try {
            Optional<GroupEnforcer.Bound> b = enforcer.bind(group, placement, expectedNs);
            if (b.isEmpty()) {
                unplaced++;
                LOG.log(Level.DEBUG, () -> "[" + tid + "] " + placement.containerId() + " has no cgroup for mode "
                        + options.mode().key() + ": unplaced in group " + group.name());
            }
            return new Member(placement.containerId(), placement.functionId(), group,
                    b.isPresent() ? State.CONFINED : State.UNPLACED, b, grants);
        } catch (IOException | RuntimeException e) {
            failures++;
            LOG.log(Level.WARNING, "[" + tid + "] cannot confine " + placement.containerId() + " to CPU group "
                    + group.name() + " (cpus " + group.cpus() + ", mode " + options.mode().key() + "): " + e.getMessage());
            return new Member(placement.containerId(), placement.functionId(), group, State.FAILED, Optional.empty(),
                    grants);
        }
    }

    void unbind(ResourceGrant grant) {
        if (grant.amount() == 0) {
            return;
        }
        synchronized (placements) {
            unbindLocked(grant, true);
        }
    }

    /**
     * Unbinds {@code grant}; its container, once no invocation is bound to it, is kept in its group if {@code idle}
     * (the container goes back to the pool) and the enforcer keeps idle containers, else taken out.
     */
    private void unbindLocked(ResourceGrant grant, boolean idle) {
        Member m = bound.remove(grant);
        if (m == null) {
            return;
        }
        m.grants().remove(grant);
        if (!m.grants().isEmpty()) {
            return;
        }
        boolean gone = destroyed.remove(m.containerId());
        if (idle && !gone && m.state() == State.CONFINED && enforcer.keepsIdle()) {
            if (members.size() > sweepAbove) { // destroyed without a forget (should not happen): drop the gone ones
                members.values().removeIf(o -> o.grants().isEmpty() && o.bound().isPresent()
                        && !java.nio.file.Files.exists(o.bound().get().target()));
                sweepAbove = Math.max(REMEMBERED, 2 * members.size()); // live ones stay: not again at every park
            }
            return;
        }
        members.remove(m.containerId());
        restore(grant.tid(), m); // a destroyed container too: sched-ext deletes its map entry by id
    }

    /**
     * The container is destroyed: an idle member is forgotten (its cgroup went with it: nothing to write back), and
     * the enforcer forgets what it remembers of it. A member with invocations still bound (worker stop, or a
     * timed-out call beside others on a container serving several) stays until their last unbind or release, which
     * then takes it out instead of keeping it.
     */
    void forget(ContainerPlacement placement) {
        synchronized (placements) {
            Member m = members.get(placement.containerId());
            if (m != null && m.grants().isEmpty()) {
                members.remove(placement.containerId());
            } else if (m != null) {
                destroyed.add(placement.containerId());
            }
            enforcer.forget(placement);
        }
    }

    /** Takes the container out of its group; called holding {@link #placements}. */
    private void restore(String tid, Member m) {
        if (m.bound().isEmpty()) {
            return;
        }
        try {
            enforcer.unbind(m.bound().get());
        } catch (IOException | RuntimeException e) {
            failures++;
            LOG.log(Level.WARNING, "[" + tid + "] cannot take " + m.containerId() + " out of CPU group "
                    + m.group().name() + ": " + e.getMessage());
        }
    }

    Optional<String> impossible(ResourceRequest request) {
        if (request.slots() == 0) {
            return Optional.empty();
        }
        if (request.slots() > 1) {
            return Optional.of("needs " + request.slots() + " invocation slots; a cpu-groups grant is one");
        }
        int largest = options.groups().stream().filter(g -> options.functions().allows(request.functionId(), g.index()))
                .mapToInt(g -> g.cpus().size()).max().orElse(0);
        return request.cpus() > largest
                ? Optional.of("needs " + request.cpus() + " cpus but the largest CPU group has " + largest)
                : Optional.empty();
    }

    /**
     * Capacity = {@code max.in.flight}, used = invocations holding a group; detail: {@code groups}, {@code peak},
     * {@code group.N.in.flight} and {@code group.N.cpus} per group, {@code members} (containers with invocations bound
     * now), {@code idle.members} (containers kept in their group between invocations), {@code binds}, {@code kept}
     * (binds that found the container in its group already: nothing written), {@code moves} (idle containers moved to
     * another group), {@code unplaced} and {@code bind.failures} (since activation).
     */
    ResourceUsage usage() {
        Map<String, Double> detail = new HashMap<>();
        synchronized (placements) {
            long idle = members.values().stream().filter(m -> m.grants().isEmpty()).count();
            detail.put("members", (double) (members.size() - idle));
            detail.put("idle.members", (double) idle);
            detail.put("binds", (double) binds);
            detail.put("kept", (double) kept);
            detail.put("moves", (double) moves);
            detail.put("unplaced", (double) unplaced);
            detail.put("bind.failures", (double) failures);
        }
        int used;
        synchronized (this) {
            used = total;
            detail.put("groups", (double) inFlight.length);
            detail.put("peak", (double) peak);
            for (CpuGroup g : options.groups()) {
                detail.put("group." + g.name() + ".in.flight", (double) inFlight[g.index()]);
                detail.put("group." + g.name() + ".cpus", (double) g.cpus().size());
            }
        }
        return new ResourceUsage(RESOURCE, "invocations", options.maxInFlight(), used, detail);
    }

    /** Invocations in each group now, by group index. */
    synchronized int[] inFlight() {
        return inFlight.clone();
    }

    /** The containers in groups now (idle ones, kept in their group, have no grants), in the order they were first bound. */
    List<Member> members() {
        synchronized (placements) {
            List<Member> out = new ArrayList<>();
            for (Member m : members.values()) {
                Set<ResourceGrant> grants = Collections.newSetFromMap(new IdentityHashMap<>());
                grants.addAll(m.grants());
                out.add(new Member(m.containerId(), m.functionId(), m.group(), m.state(), m.bound(),
                        Collections.unmodifiableSet(grants)));
            }
            return out;
        }
    }

    /** Takes every container out of its group, idle ones too (worker stop, reconfiguration); later binds do nothing. */
    @Override
    public void close() {
        synchronized (placements) {
            closed = true;
            for (Member m : members.values()) {
                restore("cpu-groups-close", m);
            }
            members.clear();
            bound.clear();
            destroyed.clear();
        }
        enforcer.close();
    }
}
