package dev.vireo.resource.cpugroups.internal;

/**
 * One configured CPU group. Immutable.
 *
 * @param index    its position in the configuration, from 0: its name in grants ({@code cpu-group -> "1"}) and the
 *                 scheduler's group index
 * @param cpus     the CPUs its invocations run on
 * @param sliceUs  the time slice of its tasks, in microseconds (sched-ext)
 * @param order    how its tasks take turns (sched-ext)
 * @param capacity invocations it runs at once, at most
 * @param weight   the CPU weight of its containers against everything else on the host, in cgroup v2 units
 *                 ({@code cpu.weight}, 1-10000, 100 = a plain task's); 0 leaves each container's own (cpuset mode)
 */
record CpuGroup(int index, CpuList cpus, long sliceUs, Order order, int capacity, int weight) {
    /** The largest weight (cgroup v2's {@code cpu.weight} maximum). */
    static final int MAX_WEIGHT = 10_000;

    CpuGroup {
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight " + weight + " is out of range [0, " + MAX_WEIGHT + "]");
        }
    }

    /** A group that leaves its containers' CPU weight as their backend set it. */
    CpuGroup(int index, CpuList cpus, long sliceUs, Order order, int capacity) {
        this(index, cpus, sliceUs, order, capacity, 0);
    }

    /** Its name in grants and in the console: the index. */
    String name() {
        return Integer.toString(index);
    }
}
