package dev.vireo.resource.cpugroups.internal;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How CPU groups are enforced on the host ({@code mode}); each mode is the {@link GroupEnforcer} it makes. */
enum Mode {
    /** Writes the container's cpuset.cpus: any kernel, including one without sched_ext. */
    CPUSET("cpuset", (options, host) -> new CpusetEnforcer("cpuset", options.keepIdle())),
    /**
     * The sched_ext scheduler in bpf/: a group's CPUs, time slice and ordering in its group map, cgroup id -> group in
     * its container map ({@link SchedExtEnforcer}); cpuset where the kernel has no sched_ext.
     */
    SCHED_EXT("sched-ext", (options, host) -> SchedExtEnforcer.start(options, host.home(), host.instance()));

    /**
     * What an enforcer needs of the host it runs on.
     *
     * @param home     the Vireo home (framework property {@code vireo.home}): where the BPF build output is
     * @param instance this instance's name (its run directory's), naming its BPF pins
     */
    record Host(java.nio.file.Path home, String instance) {
    }

    private final String key;
    private final java.util.function.BiFunction<CpuGroupsOptions, Host, GroupEnforcer> enforcers;

    Mode(String key, java.util.function.BiFunction<CpuGroupsOptions, Host, GroupEnforcer> enforcers) {
        this.key = key;
        this.enforcers = enforcers;
    }

    String key() {
        return key;
    }

    /** The enforcer of this mode over the groups of {@code options} on this host. */
    GroupEnforcer enforcer(CpuGroupsOptions options, Host host) {
        return enforcers.apply(options, host);
    }

    /** The mode named {@code name}, or an IllegalArgumentException listing every mode. */
    static Mode parse(String name) {
        for (Mode m : values()) {
            if (m.key.equals(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + name.trim() + "'; modes: "
                + Arrays.stream(values()).map(Mode::key).collect(Collectors.joining(", ")));
    }
}
