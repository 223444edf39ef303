package dev.vireo.controller.internal;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.Timings;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster seen as one worker, from the workers' last heartbeats: its status (sums over the workers in service)
 * and a function's statistics over all of them (what the balancers read).
 *
 * <p>Threading: safe from any thread; reads only.
 */
final class ClusterStatus {
    private final String controller;
    private final PluginRegistry registry;
    private final Membership membership;
    private final Registrations registrations;

    ClusterStatus(String controller, PluginRegistry registry, Membership membership, Registrations registrations) {
        this.controller = controller;
        this.registry = registry;
        this.membership = membership;
        this.registrations = registrations;
    }

    /** The cluster as one worker: sums over the healthy workers' last status. */
    WorkerStatus status() {
        int queued = 0;
        int capacity = 0;
        int running = 0;
        int cRunning = 0;
        int cIdle = 0;
        long memRunning = 0;
        long memCached = 0;
        long usedRunning = 0;
        long usedCached = 0;
        long memLimit = 0;
        Map<String, Integer> backends = new HashMap<>();
        List<ResourceUsage> resources = new ArrayList<>();
        for (Member m : membership.healthy()) {
            WorkerStatus s = m.status;
            if (s == null) {
                continue;
            }
            queued += s.queued();
            capacity += s.queueCapacity();
            running += s.running();
            cRunning += s.containersRunning();
            cIdle += s.containersIdle();
            memRunning += s.memoryRunningMb();
            memCached += s.memoryCachedMb();
            usedRunning += s.memoryRunningUsedMb();
            usedCached += s.memoryCachedUsedMb();
            memLimit += s.memoryLimitMb();
            s.backends().forEach((k, v) -> backends.merge(k, v, Integer::sum));
            for (ResourceUsage u : s.resources()) {
                resources.add(new ResourceUsage(m.name + "/" + u.resource(), u.unit(), u.capacity(), u.used(), Map.of()));
            }
        }
        List<FunctionSpec> functions = registrations.all();
        Map<String, FunctionStats> stats = new HashMap<>();
        for (FunctionSpec f : functions) {
            stats.put(f.id(), stats(f.id()));
        }
        String policy = registry.selection(ExtensionPoint.BALANCER).effective().stream().findFirst().orElse("");
        return new WorkerStatus(controller, queued, capacity, running, functions.size(), cRunning, cIdle,
                memRunning, memCached, usedRunning, usedCached, memLimit, backends, Map.of("balancer", policy),
                resources, stats);
    }

    /** A function's statistics over the workers, weighted by their invocations. */
    FunctionStats stats(String functionId) {
        long n = 0;
        double cold = 0;
        double warm = 0;
        double exec = 0;
        double e2e = 0;
        double iat = 0;
        double mem = 0;
        long waitN = 0; // invocations of the workers that measured the cpu wait: a worker without a probe says -1
        double wait = 0;
        int containers = 0;
        for (Member m : membership.all()) {
            WorkerStatus s = m.status;
            FunctionStats f = s == null ? null : s.stats().get(functionId);
            if (f == null) {
                continue;
            }
            containers += f.containers();
            if (f.invocations() == 0) {
                continue;
            }
            long k = f.invocations();
            n += k;
            cold += f.coldStartUs() * k;
            warm += f.warmUs() * k;
            exec += f.executionUs() * k;
            e2e += f.e2eUs() * k;
            iat += f.interArrivalUs() * k;
            mem += f.memoryMb() * k;
            if (f.cpuWaitUs() >= 0) {
                waitN += k;
                wait += f.cpuWaitUs() * k;
            }
        }
        if (n == 0) {
            return FunctionStats.EMPTY.withContainers(containers);
        }
        return new FunctionStats(n, cold / n, warm / n, exec / n, e2e / n, iat / n, mem / n, 0,
                waitN == 0 ? Timings.NOT_MEASURED : wait / waitN, containers);
    }
}
