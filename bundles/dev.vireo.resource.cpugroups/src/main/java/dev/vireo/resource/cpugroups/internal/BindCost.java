package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What the tracker's mapping costs per invocation: {@link CpuGroups#bind} + {@link CpuGroups#unbind} of one
 * container through a mode's enforcer, as the worker calls them around each invocation (acquire and release are
 * outside the timing: they are the accounting every tracker has). For {@code ./vireo bench cpu-groups}, which puts
 * this bundle's jar on its class path (the framework never uses this class; the bundle exports nothing). The caller
 * passes the clock: core code does not read one.
 */
public final class BindCost {
    private BindCost() {
    }

    /**
     * How the rounds use the groups and what the tracker does with an idle container.
     *
     * @param groups   the groups' CPU lists separated by ';' ({@code 1}, {@code 0;1}); round i binds to group i mod n
     * @param mode     {@code cpuset} or {@code sched-ext}
     * @param idle     {@code keep} or {@code restore} (the tracker's {@code idle})
     * @param weight   the groups' weight (0: the container's own)
     */
    public record Setup(String groups, String mode, String idle, int weight) {
    }

    /**
     * Binds and unbinds {@code placement} {@code rounds} times in a tracker of {@code setup}, round i in group i mod n;
     * the tracker is closed at the end, which writes back the container's own values.
     *
     * @param nanoTime a monotonic clock in nanoseconds
     * @return the time of each bind + unbind, in nanoseconds
     * @throws IllegalStateException the enforcer refused a write (the cost of a failure is not the cost asked for)
     */
    public static long[] bindUnbindNs(ContainerPlacement placement, Setup setup, int rounds, LongSupplier nanoTime) {
        String[] cpus = setup.groups().split(";");
        List<CpuGroup> groups = new ArrayList<>();
        StringBuilder pins = new StringBuilder();
        for (int i = 0; i < cpus.length; i++) {
            groups.add(new CpuGroup(i, CpuList.parse(cpus[i]), CpuGroupsOptions.MIN_SLICE_US, Order.FIFO, 1,
                    setup.weight()));
            pins.append("bind-cost-").append(i).append('=').append(i).append(';');
        }
        Mode m = Mode.parse(setup.mode());
        CpuGroupsOptions options = new CpuGroupsOptions(groups, 1, m, FunctionGroups.parse(pins.toString(),
                groups.size()), "keep".equals(setup.idle()));
        long[] ns = new long[rounds];
        try (CpuGroups tracker = new CpuGroups(options, m.enforcer(options, new Mode.Host(java.nio.file.Path.of("."),
                "bind-cost")))) {
            for (int i = 0; i < rounds; i++) {
                ResourceRequest slot = new ResourceRequest("bind-cost", "bind-cost-" + (i % groups.size()), Compute.CPU,
                        0, 0, 0, 1);
                ResourceGrant grant = tracker.tryAcquire(slot).orElseThrow();
                long t0 = nanoTime.getAsLong();
                tracker.bind(grant, placement);
                tracker.unbind(grant);
                ns[i] = nanoTime.getAsLong() - t0;
                tracker.release(grant);
            }
            double failures = tracker.usage().detail().getOrDefault("bind.failures", 0.0);
            if (failures > 0) {
                throw new IllegalStateException(placement.containerId() + ": " + (long) failures + " of " + rounds
                        + " binds or unbinds were refused (see the log)");
            }
        }
        return ns;
    }
}
