package dev.vireo.bpf;

/**
 * A CPU group as the scheduler reads it from {@code vireo_gmap} ({@code struct vireo_group}, 24 bytes).
 *
 * @param index the group's index, 0..63
 * @param cpuMask bit {@code i} set = the group's tasks may run on CPU {@code i} (CPUs 0..63)
 * @param sliceNs the time slice of its tasks; 0 = the kernel's default (20 ms)
 * @param order how its queue is ordered
 */
public record CpuGroup(int index, long cpuMask, long sliceNs, Order order) {
    /** Size of {@code struct vireo_group}. */
    static final int SIZE = 24;

    public CpuGroup {
        CpuGroupMaps.checkGroup(index);
        if (cpuMask == 0) {
            throw new IllegalArgumentException("group " + index + " has no CPUs (cpuMask 0)");
        }
        if (sliceNs < 0) {
            throw new IllegalArgumentException("group " + index + ": sliceNs " + sliceNs + " < 0");
        }
        if (order == null) {
            throw new IllegalArgumentException("group " + index + ": order is null");
        }
    }

    byte[] encode() {
        byte[] v = new byte[SIZE];
        System.arraycopy(BpfMap.u64(cpuMask), 0, v, 0, 8);
        System.arraycopy(BpfMap.u64(sliceNs), 0, v, 8, 8);
        System.arraycopy(BpfMap.u32(order.code()), 0, v, 16, 4);
        System.arraycopy(BpfMap.u32(1), 0, v, 20, 4);
        return v;
    }

    /** The group in {@code v}, or null when it is not defined ({@code active} 0). */
    static CpuGroup decode(int index, byte[] v) {
        if (BpfMap.u32(v, 20) == 0) {
            return null;
        }
        return new CpuGroup(index, BpfMap.u64(v, 0), BpfMap.u64(v, 8), Order.of(BpfMap.u32(v, 16)));
    }
}
