package dev.vireo.worker.internal;

import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerUsage;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.worker.internal.ContainerPool.Container;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.Supplier;

/**
 * Memory: what containers use, read from their backends (their cgroups), and what the host has left. A container is
 * read after an invocation (at most once per memory.sample.ms; its first invocation always), and every
 * memory.sample.ms while it runs one; idle containers are never read. The readings feed the container (status) and
 * the function's statistics. Every memory.sample.ms, after the reads, idle containers are evicted in keep-alive order
 * while the host's available memory is below memory.pressure.free.percent.
 *
 * <p>Locking: it keeps no state of its own. A container's {@code memoryBytes} and {@code measuredNanos} are volatile
 * and written only here, outside the {@link WorkerLock}; the pool is reached through {@link ContainerLifecycle},
 * which takes the lock. Backends are read outside it.
 */
final class MemoryWatch {
    private static final System.Logger LOG = System.getLogger(MemoryWatch.class.getName());

    private final PluginRegistry registry;
    private final TaskScheduler scheduler;
    private final FunctionTable functions;
    private final StatsBook stats;
    private final ContainerLifecycle containers;
    private final WorkerMetrics metrics;
    private final TransactionIds tids;
    private final HostMemory host;
    private final Supplier<WorkerOptions> options;
    /** Starts what can start now; run after containers were freed. */
    private final Runnable pump;

    MemoryWatch(PluginRegistry registry, TaskScheduler scheduler, FunctionTable functions, StatsBook stats,
            ContainerLifecycle containers, WorkerMetrics metrics, TransactionIds tids, HostMemory host,
            Supplier<WorkerOptions> options, Runnable pump) {
        this.registry = registry;
        this.scheduler = scheduler;
        this.functions = functions;
        this.stats = stats;
        this.containers = containers;
        this.metrics = metrics;
        this.tids = tids;
        this.host = host;
        this.options = options;
        this.pump = pump;
    }

    /**
     * The container served an invocation that ended at {@code endNanos} and still works: read it, on the scheduler
     * (after the record is out, so the read stays off the invocation's path), unless it was read less than
     * memory.sample.ms ago.
     */
    void afterInvocation(Container c, long endNanos) {
        if (endNanos - c.measuredNanos >= options.get().memorySample().toNanos()) {
            c.measuredNanos = endNanos;
            scheduler.execute(() -> measure(c, true));
        }
    }

    /**
     * Every memory.sample.ms: reads the containers in a running invocation (long invocations are measured while they
     * run), then evicts idle containers if the host is short of memory.
     */
    void tick() {
        containers.busy().forEach(c -> measure(c, false));
        evictUnderPressure();
    }

    /** Reads a container's memory from its backend (its cgroup); {@code after}: also feeds the function's stats. */
    private void measure(Container c, boolean after) {
        ContainerUsage u;
        try {
            u = registry.get(ContainerBackend.class, c.function.backend()).usage(c.handle);
        } catch (RuntimeException e) {
            return;
        }
        if (u.memoryBytes() > 0) {
            if (after && functions.current(c.registration)) {
                stats.memory(c.function.id(), u.memoryBytes() / (1024.0 * 1024.0));
            }
            c.memoryBytes = u.memoryBytes(); // last: whoever sees it sees the statistics too
        }
    }

    /** Below memory.pressure.free.percent of the host's memory available: evict idle containers in keep-alive order. */
    private void evictUnderPressure() {
        int percent = options.get().pressureFreePercent();
        HostMemory.Reading r = percent == 0 ? null : host.read();
        if (r == null || r.availableMb() * 100 >= r.totalMb() * percent) {
            return;
        }
        long needMb = r.totalMb() * percent / 100 - r.availableMb();
        List<Container> victims = containers.evictIdle(needMb);
        if (!victims.isEmpty()) {
            String tid = tids.next();
            LOG.log(Level.WARNING, "[" + tid + "] host memory pressure: " + r.availableMb() + " MB available of "
                    + r.totalMb() + " MB (below " + percent + " %): evicting " + victims.size() + " idle containers");
            metrics.evicted("memory-pressure", victims.size());
            victims.forEach(c -> containers.destroy(c, tid));
            pump.run();
        }
    }
}
