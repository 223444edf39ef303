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
        "osgi.command.function=cpugroups", "osgi.command.function=cpumembers"})
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

    @Descriptor("list the containers in CPU groups now: container, function, group, how, invocations bound")
    public String cpumembers() {
        return members(tracker.core().members());
    }

    static String groups(CpuGroups core, boolean selected) {
        CpuGroupsOptions o = core.options();
        int[] inFlight = core.inFlight();
        List<CpuGroups.Member> members = core.members();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "cpu-groups: mode %s, %s, in flight %d of max %d%n", o.mode().key(),
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
                    m.group().name(), m.state().name().toLowerCase(Locale.ROOT), m.grants().size()));
        }
        return out.toString().stripTrailing();
    }
}
