package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.bpf.BpfArtifacts;
import dev.vireo.bpf.BpfFs;
import dev.vireo.bpf.SchedExtGroups;
import dev.vireo.bpf.SchedExtUnavailable;
import dev.vireo.bpf.SchedPolicy;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Mode {@code sched-ext}: the sched_ext scheduler of {@code bpf/} ({@link SchedExtGroups}). At start it loads the
 * scheduler (maps pinned under {@code /sys/fs/bpf/vireo/<instance>/sched}, bpffs mounted there if the machine has
 * none) and writes every group: its CPUs, time slice and ordering. {@link #bind} maps the container's cgroup2 id to its
 * group and moves every task in the container to {@code SCHED_EXT} (the first time; a container bound before is only
 * mapped again: its tasks kept the policy and pass it on); {@link #unbind} unmaps it (its tasks stay
 * {@code SCHED_EXT}, in the scheduler's shared queue, until the next bind). Stopping the tracker stops the loader and
 * the kernel puts every task back in the default class; so does a crash of the worker (the loader follows its parent,
 * and the kernel detaches a scheduler whose loader died).
 *
 * <p>Where the kernel has no sched_ext, or the scheduler cannot be loaded (its build output missing, no bpffs, the
 * verifier refusing it), {@link #start} falls back to {@link CpusetEnforcer}: groups then hold without a time slice or
 * ordering, and the tracker says so (a WARNING naming why, and the mode its console shows).
 */
final class SchedExtEnforcer implements GroupEnforcer {
    private static final System.Logger LOG = System.getLogger(SchedExtEnforcer.class.getName());
    /** How long the loader may take to load and attach (the verifier; seconds under emulation). */
    static final Duration READY = Duration.ofSeconds(60);

    /** Past this many remembered containers, those whose cgroup is gone are forgotten (at the next first bind). */
    static final int REMEMBERED = 4_096;

    private final SchedExtGroups scheduler;
    /**
     * Containers whose tasks are {@code SCHED_EXT} already, by id: their cgroup directory and its id. A task keeps its
     * policy after unbind and passes it to every thread and process it starts, so binding such a container again is
     * the map update alone (no {@code cgroup.threads} walk, no {@code stat}): the per-invocation cost of a warm one.
     */
    private final Map<String, Switched> switched = new ConcurrentHashMap<>();

    private record Switched(Path dir, long id) {
    }

    SchedExtEnforcer(SchedExtGroups scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * The scheduler with {@code groups} written, or the cpuset fallback when it cannot be had here.
     *
     * @param options  the groups, and whether the cpuset fallback keeps idle containers in their group
     * @param home     the Vireo home (its {@code bpf/target/} holds the loader and the object)
     * @param instance the instance's name (the pin directory's)
     */
    static GroupEnforcer start(CpuGroupsOptions options, Path home, String instance) {
        SchedExtGroups s = null;
        try {
            s = SchedExtGroups.start(BpfArtifacts.in(home), BpfFs.ensure(BpfFs.SYSTEM, "vireo/" + instance)
                    .resolve("sched"), READY);
            for (CpuGroup g : options.groups()) {
                s.define(g.index(), mask(g.cpus()), g.sliceUs() * 1_000, order(g.order()));
            }
            if (options.groups().stream().anyMatch(g -> g.weight() > 0)) {
                LOG.log(Level.WARNING, "cpu-groups mode sched-ext: weight is for cpuset mode and is not applied (the"
                        + " scheduler orders a group's tasks by its order and slice.us)");
            }
            return new SchedExtEnforcer(s);
        } catch (IOException | RuntimeException | LinkageError e) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            String why = e instanceof SchedExtUnavailable ? e.getMessage() : "the scheduler cannot be loaded: " + e
                    .getMessage();
            LOG.log(Level.WARNING, "cpu-groups mode sched-ext falls back to cpuset (groups without time slice or"
                    + " ordering): " + why);
            return new CpusetEnforcer("cpuset (sched-ext unavailable: " + why + ")", options.keepIdle());
        }
    }

    /** The scheduler's CPU mask: bit i = CPU i (the scheduler handles CPUs 0-63). */
    static long mask(CpuList cpus) {
        if (cpus.cpus().length() > 64) {
            throw new IllegalArgumentException("cpus " + cpus + ": the sched_ext scheduler handles CPUs 0-63 only");
        }
        long[] words = cpus.cpus().toLongArray();
        return words.length == 0 ? 0 : words[0];
    }

    static dev.vireo.bpf.Order order(Order o) {
        return switch (o) {
            case FIFO -> dev.vireo.bpf.Order.FIFO;
            case ARRIVAL -> dev.vireo.bpf.Order.ARRIVAL;
            case SRT -> dev.vireo.bpf.Order.SRT;
        };
    }

    @Override
    public String name() {
        return "sched-ext";
    }

    @Override
    public Optional<Bound> bind(CpuGroup group, ContainerPlacement placement, long expectedNs) throws IOException {
        Optional<Path> dir = placement.unified();
        if (dir.isEmpty()) {
            return Optional.empty();
        }
        if (!scheduler.loader().alive()) {
            // the kernel unloaded the scheduler (watchdog, error) or its loader died: a map entry would confine nothing
            throw new IOException("the sched_ext scheduler is not loaded any more (its loader exited: "
                    + scheduler.loader().stderr().strip() + "); " + placement.containerId() + " is not confined");
        }
        // expectedNs orders the group's tasks under srt (0, unknown: by the CPU used since waking, least first)
        Switched known = switched.get(placement.containerId());
        if (known != null && known.dir().equals(dir.get()) && stillExt(placement)) {
            scheduler.maps().map(known.id(), group.index(), expectedNs);
            return Optional.of(new Bound(group, placement, known.dir(), Long.toString(known.id())));
        }
        long id = dev.vireo.bpf.Cgroups.id(dir.get());
        scheduler.confine(dir.get(), group.index(), expectedNs);
        if (switched.size() >= REMEMBERED) {
            switched.values().removeIf(s -> !Files.isDirectory(s.dir()));
        }
        switched.put(placement.containerId(), new Switched(dir.get(), id));
        return Optional.of(new Bound(group, placement, dir.get(), Long.toString(id)));
    }

    @Override
    public void unbind(Bound bound) throws IOException {
        // by the id bind read: the cgroup's directory may be gone with the container, its map entry is not
        scheduler.release(Long.parseLong(bound.previous()));
    }

    /**
     * Whether the container's init process is still {@code SCHED_EXT} (one {@code sched_getscheduler}): a handler
     * that set its own policy back makes the next bind walk the container's threads again. True when the backend
     * knows no pid (nothing to check; the walk at the first bind stands).
     */
    private static boolean stillExt(ContainerPlacement placement) {
        if (placement.pid().isEmpty()) {
            return true;
        }
        try {
            return SchedPolicy.policy((int) placement.pid().getAsLong()) == SchedPolicy.SCHED_EXT;
        } catch (IOException e) {
            return false; // gone or unreadable: the full bind says which
        }
    }

    @Override
    public void forget(ContainerPlacement placement) {
        switched.remove(placement.containerId());
    }

    /** The scheduler's maps and loader, for the console. */
    SchedExtGroups scheduler() {
        return scheduler;
    }

    @Override
    public void close() {
        try {
            scheduler.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "stopping the sched_ext loader: " + e.getMessage());
        }
    }
}
