package dev.vireo.bpf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The scheduler's maps, pinned by {@code vireo-bpf sched --pin DIR}: which cgroup runs in which CPU group
 * ({@code vireo_cmap}), the groups ({@code vireo_gmap}) and what the scheduler counted per group
 * ({@code vireo_gstat}). Layouts: {@code bpf/vireo_maps.h}. Changes take effect at the task's next enqueue.
 *
 * <p>Threading: safe for any number of threads (each {@link BpfMap} is); {@link #close()} closes the maps, not the
 * pins.
 */
public final class CpuGroupMaps implements Closeable {
    /** Groups are 0..63 ({@code max_entries} of {@code vireo_gmap}). */
    public static final int MAX_GROUPS = 64;
    /** Map names, as pinned. */
    public static final String MEMBERS = "vireo_cmap";
    public static final String GROUPS = "vireo_gmap";
    public static final String STATS = "vireo_gstat";

    private final BpfMap members;
    private final BpfMap groups;
    private final BpfMap stats;

    private CpuGroupMaps(BpfMap members, BpfMap groups, BpfMap stats) {
        this.members = members;
        this.groups = groups;
        this.stats = stats;
    }

    /** Opens the three maps pinned under {@code pinDir}; fails naming the map that is missing or has another layout. */
    public static CpuGroupMaps open(Path pinDir) throws IOException {
        List<BpfMap> opened = new ArrayList<>();
        try {
            opened.add(PinnedMaps.open(pinDir, MEMBERS, MapType.HASH, 8, GroupMember.SIZE));
            opened.add(PinnedMaps.open(pinDir, GROUPS, MapType.ARRAY, 4, CpuGroup.SIZE));
            opened.add(PinnedMaps.open(pinDir, STATS, MapType.ARRAY, 4, GroupStats.SIZE));
            return new CpuGroupMaps(opened.get(0), opened.get(1), opened.get(2));
        } catch (IOException | RuntimeException e) {
            PinnedMaps.closeAll(opened);
            throw e;
        }
    }

    static void checkGroup(int index) {
        if (index < 0 || index >= MAX_GROUPS) {
            throw new IllegalArgumentException("group index " + index + " out of 0.." + (MAX_GROUPS - 1));
        }
    }

    /**
     * Defines (or redefines) group {@code index}: its tasks run only on the CPUs of {@code cpuMask} (bit i = CPU i),
     * with time slice {@code sliceNs} (0 = the kernel's default) and {@code order}.
     */
    public void defineGroup(int index, long cpuMask, long sliceNs, Order order) throws BpfException {
        groups.update(index, new CpuGroup(index, cpuMask, sliceNs, order).encode());
    }

    /** Undefines group {@code index}: the tasks of cgroups still mapped to it go to the shared queue. */
    public void removeGroup(int index) throws BpfException {
        checkGroup(index);
        groups.update(index, new byte[CpuGroup.SIZE]);
    }

    /**
     * Maps cgroup {@code cgroupId} to group {@code group}; {@code expectedNs} is the function's expected run time
     * (for {@link Order#SRT}). Overwrites an earlier mapping of the same cgroup.
     */
    public void map(long cgroupId, int group, long expectedNs) throws BpfException {
        checkGroup(group);
        members.update(cgroupId, new GroupMember(cgroupId, group, expectedNs).encode());
    }

    /** Removes cgroup {@code cgroupId}'s mapping; false when it had none. */
    public boolean unmap(long cgroupId) throws BpfException {
        return members.delete(cgroupId);
    }

    /** Every mapped cgroup. */
    public List<GroupMember> members() throws BpfException {
        List<GroupMember> out = new ArrayList<>();
        for (long id : members.longKeys()) {
            Optional<byte[]> v = members.lookup(id);
            v.ifPresent(bytes -> out.add(GroupMember.decode(id, bytes)));
        }
        return out;
    }

    /** The defined groups, by index. */
    public List<CpuGroup> groups() throws BpfException {
        List<CpuGroup> out = new ArrayList<>();
        for (int i = 0; i < MAX_GROUPS; i++) {
            CpuGroup g = CpuGroup.decode(i, groups.lookup(i).orElseThrow());
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }

    /** What the scheduler counted for group {@code group}. */
    public GroupStats stats(int group) throws BpfException {
        checkGroup(group);
        return GroupStats.decode(stats.lookup(group).orElseThrow());
    }

    @Override
    public void close() {
        PinnedMaps.closeAll(List.of(members, groups, stats));
    }
}
