package dev.vireo.worker.internal;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerStatus;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The worker's status: queue, running invocations, functions, containers and their memory by state, the resource
 * trackers' usage, the policies in force, and the functions' statistics.
 *
 * <p>Locking: it keeps no state. The trackers and the registry are asked outside the {@link WorkerLock}; the queue,
 * the running count and the pool are read under it, at once, so they add up.
 */
final class StatusReport {
    private final PluginRegistry registry;
    private final WorkerLock lock;
    private final Supplier<WorkerOptions> options;
    private final AdmissionQueue admission;
    private final InvocationRunner runner;
    private final ContainerLifecycle containers;
    private final FunctionTable functions;
    private final StatsBook stats;

    StatusReport(PluginRegistry registry, WorkerLock lock, Supplier<WorkerOptions> options, AdmissionQueue admission,
            InvocationRunner runner, ContainerLifecycle containers, FunctionTable functions, StatsBook stats) {
        this.registry = registry;
        this.lock = lock;
        this.options = options;
        this.admission = admission;
        this.runner = runner;
        this.containers = containers;
        this.functions = functions;
        this.stats = stats;
    }

    /** The statistics with each function's containers now (a function prewarmed and never invoked too). */
    static Map<String, FunctionStats> withContainers(Map<String, FunctionStats> stats, ContainerPool.Census c) {
        Map<String, FunctionStats> out = new java.util.HashMap<>(stats);
        c.functions().forEach((id, n) -> out.put(id, out.getOrDefault(id, FunctionStats.EMPTY).withContainers(n)));
        return out;
    }

    WorkerStatus read() {
        List<ResourceUsage> usages = registry.activeAll(ResourceTracker.class).values().stream()
                .map(ResourceTracker::usage).toList();
        long limit = usages.stream().filter(u -> u.resource().equals("memory")).mapToLong(u -> (long) u.capacity())
                .sum();
        Map<String, String> policies = new TreeMap<>();
        for (ExtensionPoint p : List.of(ExtensionPoint.QUEUE, ExtensionPoint.KEEPALIVE)) {
            policies.put(p.id(), String.join(",", registry.selection(p).effective()));
        }
        lock.lock();
        try {
            WorkerOptions o = options.get();
            ContainerPool.Census c = containers.census();
            return new WorkerStatus(o.name(), admission.size(), o.queueCapacity(), runner.running(),
                    functions.size(), c.busy(), c.idle(), c.runningMb(), c.cachedMb(), c.runningUsedBytes() >> 20,
                    c.cachedUsedBytes() >> 20, limit, c.backends(), policies, usages, withContainers(stats.all(), c));
        } finally {
            lock.unlock();
        }
    }
}
