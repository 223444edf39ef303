package dev.vireo.resource.cpugroups.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** How CPU groups are enforced on the host ({@code mode}); each mode is the {@link GroupEnforcer} it makes. */
enum Mode {
    /** Writes the container's cpuset.cpus: any kernel, including one without sched_ext. */
    CPUSET("cpuset", groups -> new CpusetEnforcer()),
    /**
     * The sched_ext scheduler in bpf/: a group's CPUs, time slice and ordering in its group map, cgroup id -> group in
     * its container map. Not available yet: its enforcer (over {@code CpuGroupMaps} of {@code dev.vireo.bpf}) is wired
     * in a later step of issue #17, here, in place of {@code null}.
     */
    SCHED_EXT("sched-ext", null);

    private final String key;
    private final Function<List<CpuGroup>, GroupEnforcer> enforcers;

    Mode(String key, Function<List<CpuGroup>, GroupEnforcer> enforcers) {
        this.key = key;
        this.enforcers = enforcers;
    }

    String key() {
        return key;
    }

    boolean available() {
        return enforcers != null;
    }

    /** The enforcer of this mode over these groups. Only for an {@link #available()} mode. */
    GroupEnforcer enforcer(List<CpuGroup> groups) {
        return Optional.ofNullable(enforcers).orElseThrow(() -> new IllegalStateException(why())).apply(groups);
    }

    /** Why this mode cannot be used now, naming those that can. */
    String why() {
        return "mode " + key + " is not available yet (its enforcer comes with the sched_ext scheduler, issue #17); "
                + "available modes: " + names(true);
    }

    /** The mode named {@code name}, or an IllegalArgumentException listing every mode and which are available. */
    static Mode parse(String name) {
        for (Mode m : values()) {
            if (m.key.equals(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + name.trim() + "'; modes: " + names(false)
                + " (available: " + names(true) + ")");
    }

    private static String names(boolean availableOnly) {
        return Arrays.stream(values()).filter(m -> !availableOnly || m.available()).map(Mode::key)
                .collect(Collectors.joining(", "));
    }
}
