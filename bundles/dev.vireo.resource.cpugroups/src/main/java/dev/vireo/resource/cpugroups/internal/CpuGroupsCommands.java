package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.resource.ResourceTracker;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo commands of scope {@code vireo} for the {@code cpu-groups} tracker: its groups and the containers in them. */
@Component(service = CpuGroupsCommands.class, property = {"osgi.command.scope=vireo",
        "osgi.command.function=cpugroups", "osgi.command.function=cpumembers", "osgi.command.function=cpumaps"})
public final class CpuGroupsCommands {
    private final CpuGroupsTracker tracker;
    private final PluginRegistry registry;

    @Activate
    public CpuGroupsCommands(@Reference CpuGroupsTracker tracker, @Reference PluginRegistry registry) {
        this.tracker = tracker;
        this.registry = registry;
    }

    @Descriptor("list the CPU groups: CPUs, time slice, order, invocations in each now, containers in each")
    public String cpugroups() {
        boolean selected = registry.activeAll(ResourceTracker.class).containsKey(CpuGroups.RESOURCE);
        return groups(tracker.core(), selected);
    }

    @Descriptor("list the containers in CPU groups now: container, function, group, how (idle: kept in its group between invocations), invocations bound")
    public String cpumembers() {
        return members(tracker.core().members());
    }

    @Descriptor("show the sched_ext scheduler's maps (mode sched-ext): groups, cgroup -> group, per-group counters")
    public String cpumaps() {
        return maps(tracker.core().enforcer());
    }

    /** The scheduler's maps as they are now, read through the enforcer; a line saying why there are none else. */
    static String maps(GroupEnforcer enforcer) {
        if (!(enforcer instanceof SchedExtEnforcer s)) {
            return "mode " + enforcer.name() + ": no scheduler maps (cpusets hold the groups)";
        }
        dev.vireo.bpf.CpuGroupMaps maps = s.scheduler().maps();
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "scheduler maps under %s (loader pid %d)%n",
                s.scheduler().loader().pinDir(), s.scheduler().loader().pid()));
        try {
            out.append(String.format(Locale.ROOT, "%-6s %-18s %10s %-8s %10s %10s %12s%n", "group", "cpu mask",
                    "slice.us", "order", "enqueued", "dispatched", "mean wait us"));
            for (dev.vireo.bpf.CpuGroup g : maps.groups()) {
                dev.vireo.bpf.GroupStats st = maps.stats(g.index());
                out.append(String.format(Locale.ROOT, "%-6d 0x%-16x %10d %-8s %10d %10d %12.1f%n", g.index(),
                        g.cpuMask(), g.sliceNs() / 1_000, g.order().name().toLowerCase(Locale.ROOT), st.enqueued(),
                        st.dispatched(), st.meanWaitNs() / 1_000));
            }
            List<dev.vireo.bpf.GroupMember> members = maps.members();
            out.append(String.format(Locale.ROOT, "%d cgroup(s) mapped%n", members.size()));
            for (dev.vireo.bpf.GroupMember m : members) {
                out.append(String.format(Locale.ROOT, "  cgroup %d -> group %d%n", m.cgroupId(), m.group()));
            }
        } catch (java.io.IOException e) {
            out.append("reading the maps failed: ").append(e.getMessage());
        }
        return out.toString().stripTrailing();
    }

    static String groups(CpuGroups core, boolean selected) {
        CpuGroupsOptions o = core.options();
        int[] inFlight = core.inFlight();
        List<CpuGroups.Member> members = core.members();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "cpu-groups: mode %s, %s, in flight %d of max %d%n", core.enforcement(),
                selected ? "selected (resources)" : "not selected (add cpu-groups to resources in vireo.kernel)",
                java.util.Arrays.stream(inFlight).sum(), o.maxInFlight()));
        out.append(String.format(Locale.ROOT, "%-6s %-12s %10s %-8s %10s %8s%n", "group", "cpus", "slice.us", "order",
                "in-flight", "members"));
        for (CpuGroup g : o.groups()) {
            long n = members.stream().filter(m -> m.group() == g).count();
            out.append(String.format(Locale.ROOT, "%-6s %-12s %10d %-8s %6d/%-3d %8d%n", g.name(), g.cpus(),
                    g.sliceUs(), g.order().key(), inFlight[g.index()], g.capacity(), n));
        }
        return out.toString().stripTrailing();
    }

    static String members(List<CpuGroups.Member> members) {
        if (members.isEmpty()) {
            return "no container is in a CPU group now";
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-40s %-24s %-6s %-9s %s%n", "container",
                "function", "group", "state", "invocations"));
        for (CpuGroups.Member m : members) {
            out.append(String.format(Locale.ROOT, "%-40s %-24s %-6s %-9s %d%n", m.containerId(), m.functionId(),
                    m.group().name(), m.grants().isEmpty() ? "idle" : m.state().name().toLowerCase(Locale.ROOT),
                    m.grants().size()));
        }
        return out.toString().stripTrailing();
    }
}
