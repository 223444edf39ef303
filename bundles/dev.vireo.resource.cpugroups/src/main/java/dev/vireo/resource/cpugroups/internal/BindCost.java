package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
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
     * Binds and unbinds {@code placement} to a one-group tracker of CPUs {@code cpus} in mode {@code mode}
     * ({@code cpuset}) {@code rounds} times.
     *
     * @param nanoTime a monotonic clock in nanoseconds
     * @return the time of each bind + unbind, in nanoseconds
     * @throws IllegalStateException the enforcer refused a write (the cost of a failure is not the cost asked for)
     */
    public static long[] bindUnbindNs(ContainerPlacement placement, String cpus, String mode, int rounds,
            LongSupplier nanoTime) {
        List<CpuGroup> groups = List.of(new CpuGroup(0, CpuList.parse(cpus), CpuGroupsOptions.MIN_SLICE_US, Order.FIFO, 1));
        Mode m = Mode.parse(mode);
        long[] ns = new long[rounds];
        try (CpuGroups tracker = new CpuGroups(new CpuGroupsOptions(groups, 1, m), m.enforcer(groups,
                new Mode.Host(java.nio.file.Path.of("."), "bind-cost")))) {
            ResourceRequest slot = new ResourceRequest("bind-cost", placement.functionId(), Compute.CPU, 0, 0, 0, 1);
            for (int i = 0; i < rounds; i++) {
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
