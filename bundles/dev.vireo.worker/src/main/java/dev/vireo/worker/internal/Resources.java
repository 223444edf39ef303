package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * All-or-nothing acquisition over every active resource tracker. Stateless; the trackers are thread-safe. The worker
 * acquires under the {@link WorkerLock} (so a slot, a container and the queue's head are decided together); grants
 * are released with or without it.
 */
final class Resources {
    private static final System.Logger LOG = System.getLogger(Resources.class.getName());
    /** What was granted, by the tracker that granted it. */
    record Grants(List<Map.Entry<ResourceTracker, ResourceGrant>> grants) {
        static final Grants NONE = new Grants(List.of());

        void release() {
            for (var g : grants) {
                g.getKey().release(g.getValue());
            }
        }

        /** Tells each tracker where the invocation holding these grants runs ({@link ResourceTracker#bind}). */
        void bind(ContainerPlacement placement) {
            for (var g : grants) {
                g.getKey().bind(g.getValue(), placement);
            }
        }

        /** Undoes {@link #bind}, keeping the grants: before the container goes back to the pool. */
        void unbind() {
            for (var g : grants) {
                g.getKey().unbind(g.getValue());
            }
        }

        /** Device assignments (e.g. gpu -> "0") from every grant. */
        Map<String, String> devices() {
            Map<String, String> out = new java.util.HashMap<>();
            grants.forEach(g -> out.putAll(g.getValue().assignment()));
            return out;
        }
    }

    private final PluginRegistry registry;

    /** What one new container of the function needs (memory, a GPU for GPU functions). */
    static ResourceRequest containerRequest(dev.vireo.api.model.FunctionSpec fn, String tid) {
        return new ResourceRequest(tid, fn.id(), fn.compute(), fn.memoryMb(), 0,
                fn.compute() == dev.vireo.api.model.Compute.GPU ? 1 : 0, 0);
    }

    /** What one running invocation of the function needs (a slot and its CPU share), its expected execution unknown. */
    static ResourceRequest slotRequest(dev.vireo.api.model.FunctionSpec fn, String tid) {
        return slotRequest(fn, tid, null);
    }

    /**
     * What one running invocation of the function needs, with its expected execution: the moving average of its
     * executions here ({@code stats}, once it ran), else its registered {@code expected_warm_ms}, else 0 (unknown).
     */
    static ResourceRequest slotRequest(dev.vireo.api.model.FunctionSpec fn, String tid,
            dev.vireo.api.model.FunctionStats stats) {
        return new ResourceRequest(tid, fn.id(), fn.compute(), 0, fn.cpus(), 0, 1, expectedExecutionUs(fn, stats));
    }

    /**
     * A function's expected execution (us): the moving average of its executions here once it ran, else its
     * registered {@code expected_warm_ms}, else 0 (unknown). The trackers and the estimate use this one rule.
     */
    static long expectedExecutionUs(dev.vireo.api.model.FunctionSpec fn, dev.vireo.api.model.FunctionStats stats) {
        return stats != null && stats.invocations() > 0 && stats.executionUs() > 0 ? Math.round(stats.executionUs())
                : fn.expected().warmMs() * 1_000L;
    }

    Resources(PluginRegistry registry) {
        this.registry = registry;
    }

    /**
     * Tells every active tracker that a container is destroyed ({@link ResourceTracker#destroyed}); one that throws
     * (it must not) is logged with the tid.
     */
    void destroyed(ContainerPlacement placement, String tid) {
        for (var e : registry.activeAll(ResourceTracker.class).entrySet()) {
            try {
                e.getValue().destroyed(placement, tid);
            } catch (RuntimeException failure) {
                LOG.log(System.Logger.Level.WARNING, "[" + tid + "] resource tracker " + e.getKey() + " failed to forget "
                        + placement.containerId() + ": " + failure);
            }
        }
    }

    /** Acquires from every tracker, or from none (returns empty and holds nothing). */
    Optional<Grants> acquire(ResourceRequest request) {
        return acquire(request, null);
    }

    /**
     * All of {@code request} or nothing; when refused, {@code refused} (if given) gets whether the tracker that
     * refused counts a namespace's quota ({@link ResourceTracker#perNamespace()}).
     */
    Optional<Grants> acquire(ResourceRequest request, boolean[] refusedPerNamespace) {
        if (refusedPerNamespace != null) {
            refusedPerNamespace[0] = false;
        }
        List<Map.Entry<ResourceTracker, ResourceGrant>> granted = new ArrayList<>();
        java.util.Collection<ResourceTracker> all = registry.activeAll(ResourceTracker.class).values();
        // a namespace's quotas first: a refusal is then theirs when it is (the worker evicts only that namespace's
        // idle containers for it), and the node's limits are asked only for what the quota allows
        for (int pass = 0; pass < 2; pass++) { // pass 0: the quotas; pass 1: the rest (no list made per call)
            for (ResourceTracker tracker : all) {
                if (tracker.perNamespace() != (pass == 0)) {
                    continue;
                }
                Optional<ResourceGrant> g = tracker.tryAcquire(request);
                if (g.isEmpty()) {
                    new Grants(granted).release();
                    if (refusedPerNamespace != null) {
                        refusedPerNamespace[0] = tracker.perNamespace();
                    }
                    return Optional.empty();
                }
                granted.add(Map.entry(tracker, g.get()));
            }
        }
        return Optional.of(new Grants(List.copyOf(granted)));
    }
}
