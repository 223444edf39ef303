package dev.vireo.bpf;

/**
 * A cgroup mapped to a CPU group in {@code vireo_cmap} ({@code struct vireo_member}, 16 bytes).
 *
 * @param cgroupId the cgroup2 id (inode of the cgroup directory, see {@link Cgroups#id})
 * @param group the CPU group's index
 * @param expectedNs the function's expected run time, used by {@link Order#SRT}
 */
public record GroupMember(long cgroupId, int group, long expectedNs) {
    /** Size of {@code struct vireo_member}. */
    static final int SIZE = 16;

    byte[] encode() {
        byte[] v = new byte[SIZE];
        System.arraycopy(BpfMap.u32(group), 0, v, 0, 4);
        System.arraycopy(BpfMap.u64(expectedNs), 0, v, 8, 8);
        return v;
    }

    static GroupMember decode(long cgroupId, byte[] v) {
        return new GroupMember(cgroupId, BpfMap.u32(v, 0), BpfMap.u64(v, 8));
    }
}
