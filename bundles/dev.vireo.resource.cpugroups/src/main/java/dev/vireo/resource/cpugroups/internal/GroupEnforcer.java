package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ContainerPlacement;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Puts a container into a CPU group on the host and takes it out again: what a {@link Mode} does. {@link CpuGroups}
 * calls it for the first invocation bound to a container and after the last one on it ended, one call at a time (it
 * holds its placement lock), never for a grant that was released.
 *
 * <p>Implementations: {@link CpusetEnforcer} ({@code cpuset}). The sched-ext one comes with the scheduler's maps
 * ({@code CpuGroupMaps} in {@code dev.vireo.bpf}: {@code defineGroup(index, cpuMask, sliceNs, order)} once per group
 * at activation, {@code map(cgroupId, group, expectedNs)} in {@link #bind}, {@code unmap(cgroupId)} in
 * {@link #unbind}; the cgroup id is the inode of the container's cgroup2 directory, {@link ContainerPlacement#unified})
 * and is plugged in at {@link Mode#SCHED_EXT}.
 */
interface GroupEnforcer extends AutoCloseable {

    /**
     * What {@link #bind} did to one container, enough to undo it.
     *
     * @param group     the group it was put in
     * @param placement the container
     * @param target    what was written (the {@code cpuset.cpus} file; for sched-ext the cgroup2 directory)
     * @param previous  what was there before (the previous {@code cpuset.cpus}), restored by {@link #unbind}
     */
    record Bound(CpuGroup group, ContainerPlacement placement, Path target, String previous) {
    }

    /**
     * Confines the container to the group. Fast (a file write or a map update), never waits for anything else.
     *
     * @param expectedNs the invocation's expected execution in ns, 0 unknown (the scheduler's {@code srt} order)
     * @return what to undo, or empty if the container has nothing this enforcer can act on (no cgroup: unplaced)
     * @throws IOException the host refused it (the container is not confined)
     */
    Optional<Bound> bind(CpuGroup group, ContainerPlacement placement, long expectedNs) throws IOException;

    /**
     * Undoes {@link #bind}. A container whose cgroup is gone (destroyed meanwhile) counts as undone.
     *
     * @throws IOException the host refused it
     */
    void unbind(Bound bound) throws IOException;

    /** How it enforces, for the console: its mode, and why when it fell back to another. */
    String name();

    /** Releases what the enforcer holds itself (maps, file descriptors); containers are unbound before. */
    @Override
    void close();
}
