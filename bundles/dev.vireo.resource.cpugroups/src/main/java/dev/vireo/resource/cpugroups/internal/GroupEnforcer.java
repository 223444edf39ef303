package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ContainerPlacement;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Puts a container into a CPU group on the host and takes it out again: what a {@link Mode} does. {@link CpuGroups}
 * calls it for the first invocation bound to a container and after the last one on it ended (or, for an enforcer
 * that {@link #keepsIdle keeps idle containers}, when the container is next bound to another group, and when the
 * tracker closes), one call at a time (it holds its placement lock), never for a grant that was released.
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
     * @param group     the group it is in
     * @param placement the container
     * @param target    what was written (the {@code cpuset.cpus} file; for sched-ext the cgroup2 directory)
     * @param previous  what was there before (the previous {@code cpuset.cpus}), restored by {@link #unbind}; for
     *                  sched-ext the cgroup id
     * @param weight    the container's CPU weight file and its value before the group's weight was written, if one was
     */
    record Bound(CpuGroup group, ContainerPlacement placement, Path target, String previous, Optional<Saved> weight) {
        Bound(CpuGroup group, ContainerPlacement placement, Path target, String previous) {
            this(group, placement, target, previous, Optional.empty());
        }
    }

    /** A file's value before the enforcer wrote it. */
    record Saved(Path file, String value) {
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

    /**
     * Moves a container that is in a group already (kept there while idle, {@link #keepsIdle}) into {@code group},
     * keeping what {@link #unbind} restores: the container's own values from before its first bind.
     *
     * @throws IOException the host refused it (the container is left as it was, or unconfined: {@link #unbind} it)
     */
    default Bound move(Bound bound, CpuGroup group, long expectedNs) throws IOException {
        unbind(bound);
        return bind(group, bound.placement(), expectedNs).orElseThrow(() -> new IOException(bound.placement()
                .containerId() + " has no cgroup any more"));
    }

    /**
     * Whether a container stays in its group between invocations: {@link CpuGroups} then leaves it bound when its last
     * invocation ends, and the next invocation in the same group writes nothing ({@link #move} when it differs).
     * False unless overridden: the container is taken out after each invocation.
     */
    default boolean keepsIdle() {
        return false;
    }

    /** The container is destroyed: forget what is remembered of it (nothing to undo, its cgroup is gone). */
    default void forget(ContainerPlacement placement) {
    }

    /** How it enforces, for the console: its mode, and why when it fell back to another. */
    String name();

    /** Releases what the enforcer holds itself (maps, file descriptors); containers are unbound before. */
    @Override
    void close();
}
