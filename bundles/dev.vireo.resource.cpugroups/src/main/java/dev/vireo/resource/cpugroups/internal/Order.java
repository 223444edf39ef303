package dev.vireo.resource.cpugroups.internal;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How the tasks of one CPU group take turns on its CPUs. Only the sched-ext mode can order them (the scheduler's
 * group map carries it); in cpuset mode the kernel's own scheduler shares a group's CPUs and the order is recorded only.
 */
enum Order {
    /** First come, first served in the group's queue. */
    FIFO("fifo"),
    /** By the invocation's arrival time at the worker (the oldest invocation first). */
    ARRIVAL("arrival"),
    /** Shortest remaining time first (expected execution minus what ran). */
    SRT("srt");

    private final String key;

    Order(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }

    /** The order named {@code name}, or an IllegalArgumentException listing the known ones. */
    static Order parse(String name) {
        for (Order o : values()) {
            if (o.key.equals(name.trim())) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown order '" + name.trim() + "'; known: "
                + Arrays.stream(values()).map(Order::key).collect(Collectors.joining(", ")));
    }
}
