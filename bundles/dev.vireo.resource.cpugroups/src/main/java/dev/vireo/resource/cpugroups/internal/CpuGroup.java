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
 */
record CpuGroup(int index, CpuList cpus, long sliceUs, Order order, int capacity) {
    /** Its name in grants and in the console: the index. */
    String name() {
        return Integer.toString(index);
    }
}
