package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.PooledContainer;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The worker's containers: which registration each serves, how many invocations each serves now, and the keep-alive
 * policy's index over them. A container is bound to the {@link FunctionTable.Registration} it was created for, not to
 * the function id: a warm lookup only finds containers of the registration asked for, so a function registered again
 * under the same id never gets the code of an earlier registration. Not thread-safe: {@link ContainerLifecycle} calls
 * it under the {@link WorkerLock}.
 */
final class ContainerPool {

    /**
     * One container and its mutable state: {@code idleChannels}, {@code inUse}, {@code lastUsedNanos}, {@code uses},
     * {@code prewarmed} and {@code retired} are guarded by the {@link WorkerLock}; the memory fields are volatile and
     * written by {@link MemoryWatch} outside it.
     */
    static final class Container {
        final ContainerHandle handle;
        final FunctionTable.Registration registration;
        final FunctionSpec function;
        final AgentTransport transport;
        final TransportBinding binding;
        final Resources.Grants grants;
        /** Where it runs on the host (its cgroups), as its backend said once it was created. */
        final ContainerPlacement placement;
        final long createdNanos;
        final long coldStartUs;
        final ArrayDeque<AgentChannel> idleChannels = new ArrayDeque<>();
        int inUse;
        long lastUsedNanos;
        long uses;
        /** The pool's count of containers gone idle when this one last did (the order of those idle since one instant). */
        long idleOrder;
        boolean prewarmed;
        boolean retired;
        /** Memory measured in its cgroup during or after its last invocation; 0 = not measured (yet). */
        volatile long memoryBytes;
        /** When it was last measured after an invocation (clock nanos); Long.MIN_VALUE / 2 = never. */
        volatile long measuredNanos = Long.MIN_VALUE / 2;
        /** Its cgroup's CPU counter, read around each call (the record's {@code cpu_time_us}). */
        final CpuTime.Holder cpuTime = new CpuTime.Holder();

        Container(ContainerHandle handle, FunctionTable.Registration registration, AgentTransport transport,
                TransportBinding binding, Resources.Grants grants, ContainerPlacement placement, long createdNanos,
                long coldStartUs) {
            this.handle = handle;
            this.placement = placement;
            this.registration = registration;
            this.function = registration.spec();
            this.transport = transport;
            this.binding = binding;
            this.grants = grants;
            this.createdNanos = createdNanos;
            this.coldStartUs = coldStartUs;
            this.lastUsedNanos = createdNanos;
        }

        String id() {
            return handle.id();
        }

        PooledContainer snapshot() {
            return new PooledContainer(handle, inUse == 0, createdNanos, lastUsedNanos, uses, coldStartUs);
        }
    }

    private final Clock clock;
    /** The pooled containers by the generation of their registration. */
    private final Map<Long, List<Container>> byGeneration = new HashMap<>();
    private final Map<String, Container> byId = new HashMap<>();
    /** Containers gone idle (or added) so far: {@link Container#idleOrder}. */
    private long idled;
    private KeepAliveIndex index;

    /** The keep-alive index is set by {@link #reindex} once a keep-alive policy is active. */
    ContainerPool(Clock clock) {
        this.clock = clock;
    }

    boolean indexed() {
        return index != null;
    }

    /** A container of the registration with a free slot, the most recently used first; null if none. */
    Container warm(FunctionTable.Registration r) {
        Container best = null;
        for (Container c : byGeneration.getOrDefault(r.generation(), List.of())) {
            if (!c.retired && c.inUse < r.spec().concurrency()
                    && (best == null || c.lastUsedNanos > best.lastUsedNanos)) {
                best = c;
            }
        }
        return best;
    }

    void use(Container c) {
        c.inUse++;
        c.uses++;
        c.lastUsedNanos = clock.nanoTime();
        index.used(c.snapshot());
    }

    /** The container finished one invocation; true if it is now idle. */
    boolean release(Container c) {
        c.inUse--;
        c.lastUsedNanos = clock.nanoTime();
        c.idleOrder = ++idled;
        if (c.inUse == 0) {
            index.released(c.snapshot());
            return true;
        }
        return false;
    }

    void add(Container c) {
        c.idleOrder = ++idled;
        byGeneration.computeIfAbsent(c.registration.generation(), k -> new ArrayList<>()).add(c);
        byId.put(c.id(), c);
        index.added(c.snapshot());
    }

    /** Takes the container out of the pool; false if it was not in it. */
    boolean remove(Container c) {
        if (byId.remove(c.id()) == null) {
            return false;
        }
        List<Container> list = byGeneration.get(c.registration.generation());
        list.remove(c);
        if (list.isEmpty()) {
            byGeneration.remove(c.registration.generation());
        }
        index.removed(c.snapshot());
        return true;
    }

    boolean contains(Container c) {
        return byId.get(c.id()) == c;
    }

    /** Idle containers the keep-alive policy gives up to free {@code memoryMb}. */
    List<Container> victims(long memoryMb) {
        return index == null ? List.of() : resolve(index.victims(memoryMb));
    }

    /**
     * Idle containers of one namespace's functions, least recently used first, until they hold {@code memoryMb}
     * (all of them if they hold less): what frees a namespace's quota, whatever the keep-alive policy would give up.
     */
    List<Container> idleOf(String namespace, long memoryMb) {
        List<Container> idle = new ArrayList<>();
        for (Container c : byId.values()) {
            if (c.inUse == 0 && FunctionSpec.namespaceOf(c.function.id()).equals(namespace)) {
                idle.add(c);
            }
        }
        idle.sort(java.util.Comparator.comparingLong(c -> c.lastUsedNanos));
        List<Container> out = new ArrayList<>();
        long freed = 0;
        for (Container c : idle) {
            if (freed >= memoryMb) {
                break;
            }
            out.add(c);
            freed += c.function.memoryMb();
        }
        return out;
    }

    /** Idle containers whose keep-alive ran out. */
    List<Container> expired() {
        return index == null ? List.of() : resolve(index.expired());
    }

    private List<Container> resolve(List<PooledContainer> chosen) {
        List<Container> out = new ArrayList<>();
        for (PooledContainer p : chosen) {
            Container c = byId.get(p.id());
            if (c != null && c.inUse == 0) {
                out.add(c);
            }
        }
        return out;
    }

    /** Replaces the keep-alive index with one from a new policy, filled with every container. */
    void reindex(KeepAliveIndex next) {
        for (Container c : byId.values()) {
            next.added(c.snapshot());
        }
        index = next;
    }

    /**
     * Marks the registration's pooled containers retired (destroyed once their invocations finish) and returns the idle
     * ones (to destroy now). Containers of it still starting are not in the pool yet: the worker checks their
     * registration when they are ready and destroys them, unpooled, if it is gone.
     */
    List<Container> retire(FunctionTable.Registration r) {
        List<Container> idle = new ArrayList<>();
        for (Container c : byGeneration.getOrDefault(r.generation(), List.of())) {
            c.retired = true;
            if (c.inUse == 0) {
                idle.add(c);
            }
        }
        return idle;
    }

    List<Container> all() {
        return List.copyOf(byId.values());
    }

    /**
     * Calls each function's containers could take now (concurrency minus calls in use), for the estimate; only the
     * containers of registrations {@code current} accepts (a warm lookup finds no other). Not retired ones.
     */
    List<Estimator.Idle> idleSlots(java.util.function.Predicate<FunctionTable.Registration> current) {
        List<Estimator.Idle> out = new java.util.ArrayList<>();
        for (Container c : byId.values()) {
            int free = c.function.concurrency() - c.inUse;
            if (!c.retired && free > 0 && current.test(c.registration)) {
                for (int i = 0; i < free; i++) {
                    out.add(new Estimator.Idle(c.function.id(), c.lastUsedNanos, c.idleOrder));
                }
            }
        }
        return out;
    }

    /** The pool for the worker's status: containers in use and idle, their memory, and how many each backend runs. */
    record Census(int busy, int idle, long runningMb, long cachedMb, long runningUsedBytes, long cachedUsedBytes,
            Map<String, Integer> backends, Map<String, Integer> functions) {
    }

    Census census() {
        int busy = 0;
        int idle = 0;
        long runningMb = 0;
        long cachedMb = 0;
        long runningUsed = 0;
        long cachedUsed = 0;
        Map<String, Integer> backends = new java.util.TreeMap<>();
        Map<String, Integer> functions = new java.util.HashMap<>();
        String lastBackend = null;
        int sameBackend = 0;
        for (Container c : byId.values()) {
            functions.merge(c.handle.functionId(), 1, Integer::sum);
            if (c.inUse > 0) {
                busy++;
                runningMb += c.handle.memoryMb();
                runningUsed += c.memoryBytes;
            } else {
                idle++;
                cachedMb += c.handle.memoryMb();
                cachedUsed += c.memoryBytes;
            }
            // containers mostly share one backend: count runs of it, merge once per run
            if (!c.handle.backend().equals(lastBackend)) {
                if (lastBackend != null) {
                    backends.merge(lastBackend, sameBackend, Integer::sum);
                }
                lastBackend = c.handle.backend();
                sameBackend = 0;
            }
            sameBackend++;
        }
        if (lastBackend != null) {
            backends.merge(lastBackend, sameBackend, Integer::sum);
        }
        return new Census(busy, idle, runningMb, cachedMb, runningUsed, cachedUsed, backends, functions);
    }
}
