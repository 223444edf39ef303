package dev.vireo.probe.rqlat.internal;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.probe.CpuWaitProbe;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CPU wait probe over the run-queue latency maps: a container is measured by the cgroup2 id of its cgroup2
 * directory ({@link ContainerPlacement#unified()}), which the {@code tp_btf} programs compare with each waking or
 * preempted task's cgroup; its wait is the total of its histogram. A container without a cgroup2 directory (the
 * process and sim backends) or whose id cannot be read stays unmeasured (-1), said once at DEBUG with the tid.
 *
 * <p>Threading: safe from many threads; the containers measured are a concurrent map, the BPF maps are safe.
 */
final class RunQueueProbe implements CpuWaitProbe {
    private static final System.Logger LOG = System.getLogger(RunQueueProbe.class.getName());

    /** Reads a cgroup2 directory's id (the inode, see {@code dev.vireo.bpf.Cgroups#id}). */
    @FunctionalInterface
    interface CgroupIds {
        long id(Path cgroup2Dir) throws IOException;
    }

    private final CgroupWaits waits;
    private final CgroupIds ids;
    /** Container id -> its cgroup2 id, for the containers measured. */
    private final Map<String, Long> tracked = new ConcurrentHashMap<>();

    RunQueueProbe(CgroupWaits waits, CgroupIds ids) {
        this.waits = waits;
        this.ids = ids;
    }

    @Override
    public void track(ContainerPlacement placement, String tid) {
        if (placement.unified().isEmpty()) {
            LOG.log(Level.DEBUG, () -> "[" + tid + "] " + placement.containerId() + " has no cgroup2 directory: its"
                    + " cpu wait is not measured");
            return;
        }
        Path dir = placement.unified().get();
        try {
            long id = ids.id(dir);
            waits.track(id);
            tracked.put(placement.containerId(), id);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "[" + tid + "] cannot measure the cpu wait of " + placement.containerId() + " ("
                    + dir + "): " + e.getMessage());
        }
    }

    @Override
    public long waitedNs(ContainerPlacement placement, String tid) {
        Long id = tracked.get(placement.containerId());
        if (id == null) {
            return NOT_MEASURED;
        }
        try {
            return waits.totalNs(id);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "[" + tid + "] reading the cpu wait of " + placement.containerId() + " failed: "
                    + e.getMessage());
            return NOT_MEASURED;
        }
    }

    @Override
    public void untrack(ContainerPlacement placement, String tid) {
        Long id = tracked.remove(placement.containerId());
        if (id == null) {
            return;
        }
        try {
            waits.untrack(id);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "[" + tid + "] untracking the cgroup of " + placement.containerId() + " failed: "
                    + e.getMessage());
        }
    }

    /** How many containers are measured now. */
    int tracked() {
        return tracked.size();
    }
}
