package dev.vireo.bpf;

/**
 * What the scheduler counted for one CPU group ({@code struct vireo_gstats} in {@code vireo_gstat}); best effort.
 *
 * @param enqueued tasks put into the group's queue
 * @param dispatched tasks of the group that started running
 * @param waitNs the sum over those of the time from enqueue to running
 */
public record GroupStats(long enqueued, long dispatched, long waitNs) {
    static final int SIZE = 24;

    static GroupStats decode(byte[] v) {
        return new GroupStats(BpfMap.u64(v, 0), BpfMap.u64(v, 8), BpfMap.u64(v, 16));
    }

    /** The mean wait in the queue in nanoseconds, 0 when nothing was dispatched. */
    public double meanWaitNs() {
        return dispatched == 0 ? 0 : (double) waitNs / dispatched;
    }
}
