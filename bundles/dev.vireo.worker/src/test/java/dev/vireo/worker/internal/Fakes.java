package dev.vireo.worker.internal;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.Output;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.UnknownPluginException;
import dev.vireo.api.spi.backend.BackendStatus;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.backend.ContainerUsage;
import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.keepalive.PooledContainer;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.vireo.api.time.TaskScheduler;

/** Small hand-written plugins and services for unit tests of the worker core. */
final class Fakes {
    private Fakes() {
    }

    /** FIFO queue policy. */
    static final QueuePolicy FIFO = ordered(false);

    /** Newest first. */
    static final QueuePolicy LIFO = ordered(true);

    private static QueuePolicy ordered(boolean newestFirst) {
        return context -> new InvocationQueue() {
            private final ArrayDeque<QueuedInvocation> q = new ArrayDeque<>();

            public void offer(QueuedInvocation i) {
                if (newestFirst) {
                    q.addFirst(i);
                } else {
                    q.addLast(i);
                }
            }

            public QueuedInvocation poll() {
                return q.poll();
            }

            public QueuedInvocation peek() {
                return q.peek();
            }

            public int size() {
                return q.size();
            }

            public List<QueuedInvocation> drain() {
                List<QueuedInvocation> all = new ArrayList<>(q);
                if (newestFirst) {
                    java.util.Collections.reverse(all); // drain() is in arrival order
                }
                q.clear();
                return all;
            }
        };
    }

    /** Keep-alive that offers the idle containers in the order they became idle, and never expires one. */
    static final KeepAlivePolicy OLDEST_IDLE = oldestIdle(null);

    /** Like {@link #OLDEST_IDLE}, and an idle container expires once idle for {@code ttl} (on the context's clock). */
    static KeepAlivePolicy oldestIdle(Duration ttl) {
        return context -> new KeepAliveIndex() {
            private final Map<String, PooledContainer> idle = new LinkedHashMap<>();

            public void added(PooledContainer c) {
                released(c);
            }

            public void used(PooledContainer c) {
                idle.remove(c.id());
            }

            public void released(PooledContainer c) {
                idle.remove(c.id());
                if (c.idle()) {
                    idle.put(c.id(), c);
                }
            }

            public void removed(PooledContainer c) {
                idle.remove(c.id());
            }

            public List<PooledContainer> victims(long memoryMb) {
                List<PooledContainer> out = new ArrayList<>();
                long freed = 0;
                for (PooledContainer c : idle.values()) {
                    if (freed >= memoryMb) {
                        break;
                    }
                    out.add(c);
                    freed += c.memoryMb();
                }
                return out;
            }

            public List<PooledContainer> expired() {
                long now = context.clock().nanoTime();
                return ttl == null ? List.of() : idle.values().stream()
                        .filter(c -> now - c.lastUsedNanos() >= ttl.toNanos()).toList();
            }
        };
    }

    /** A capacity tracker of one request field. */
    static class Capacity implements ResourceTracker {
        final String name;
        final double capacity;
        final java.util.function.ToDoubleFunction<ResourceRequest> amount;
        final String unit;
        double used;

        Capacity(String name, double capacity, java.util.function.ToDoubleFunction<ResourceRequest> amount) {
            this(name, capacity, amount, "units");
        }

        /** A tracker reporting {@code unit}, as the shipped ones do (invocations, cores, MB: what the estimate models). */
        Capacity(String name, double capacity, java.util.function.ToDoubleFunction<ResourceRequest> amount,
                String unit) {
            this.name = name;
            this.capacity = capacity;
            this.amount = amount;
            this.unit = unit;
        }

        public synchronized Optional<ResourceGrant> tryAcquire(ResourceRequest r) {
            double a = amount.applyAsDouble(r);
            if (used + a > capacity) {
                return Optional.empty();
            }
            used += a;
            return Optional.of(new ResourceGrant(name, r.tid(), a, Map.of()));
        }

        public synchronized void release(ResourceGrant g) {
            used -= g.amount();
        }

        public synchronized ResourceUsage usage() {
            return new ResourceUsage(name, unit, capacity, used, Map.of());
        }

        @Override
        public Optional<String> impossible(ResourceRequest r) {
            return amount.applyAsDouble(r) > capacity ? Optional.of("needs too much " + name) : Optional.empty();
        }
    }

    /** Containers that start at once; each agent answers after {@code execMs} with an echo, or fails as told. */
    static final class Backend implements ContainerBackend, AgentTransport {
        /** What usage() reports for every container; 0 = unknown. */
        volatile long usageBytes;
        /** Per function id: completes when usage() is first read for one of its containers. */
        private final Map<String, CompletableFuture<Void>> usageRead = new java.util.concurrent.ConcurrentHashMap<>();
        /** Invocations whose payload contains "wait" answer only once this completes. */
        volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

        /** Runs the delays of creations and executions: the tests' virtual clock, or real threads. */
        final TaskScheduler scheduler;
        final List<String> created = new CopyOnWriteArrayList<>();
        final List<String> destroyed = new CopyOnWriteArrayList<>();
        volatile long execMs = 1;
        volatile boolean failCreate;
        /** How long a creation takes (on the test scheduler); 0 = done at once. */
        volatile long createMs;
        /** While set, every creation waits in {@link #holds} until the test releases it. */
        volatile boolean holdCreates;
        final java.util.concurrent.BlockingQueue<Hold> holds = new java.util.concurrent.LinkedBlockingQueue<>();
        /** The image each container was created from, by container id (agents answer "whoami" with it). */
        private final Map<String, String> images = new java.util.concurrent.ConcurrentHashMap<>();
        /** The environment each container was created with (its function's variables and secrets), by container id. */
        final Map<String, Map<String, String>> environments = new java.util.concurrent.ConcurrentHashMap<>();

        /** A creation the test holds: the container is ready once {@code release} completes. */
        record Hold(String id, CompletableFuture<Void> release) {
        }

        Backend(TaskScheduler scheduler) {
            this.scheduler = scheduler;
        }

        public BackendStatus status() {
            return new BackendStatus(true, "fake", EnumSet.of(Compute.CPU), created.size() - destroyed.size());
        }

        public CompletionStage<ContainerHandle> create(ContainerRequest r) {
            if (failCreate) {
                return CompletableFuture.failedFuture(new IllegalStateException("image missing"));
            }
            created.add(r.id());
            running.put(r.id(), r);
            held.add(r.id());
            images.put(r.id(), r.function().image());
            environments.put(r.id(), r.function().config().environment());
            ContainerHandle handle = new ContainerHandle(r.id(), r.function().id(), "fake",
                    new AgentEndpoint("fake", r.id(), Map.of()), r.function().memoryMb(), r.labels());
            if (holdCreates) {
                Hold hold = new Hold(r.id(), new CompletableFuture<>());
                holds.add(hold);
                return hold.release().thenApply(v -> handle);
            }
            if (createMs == 0) {
                return CompletableFuture.completedFuture(handle);
            }
            CompletableFuture<ContainerHandle> ready = new CompletableFuture<>();
            scheduler.schedule(() -> ready.complete(handle), Duration.ofMillis(createMs));
            return ready;
        }

        /** Destructions complete when this completes (the backend still stopping the container until then). */
        volatile CompletableFuture<Void> destroyGate = CompletableFuture.completedFuture(null);

        public CompletionStage<Void> destroy(ContainerHandle c, String tid) {
            destroyed.add(c.id());
            running.remove(c.id());
            held.remove(c.id());
            return destroyGate.thenApply(v -> null);
        }

        public ContainerUsage usage(ContainerHandle c) {
            usageRead(c.functionId()).complete(null);
            long bytes = usageBytes;
            return bytes == 0 ? ContainerUsage.UNKNOWN : new ContainerUsage(bytes, bytes, 0);
        }

        /** Completes when usage() was read for a container of the function. */
        CompletableFuture<Void> usageRead(String functionId) {
            return usageRead.computeIfAbsent(functionId, k -> new CompletableFuture<>());
        }

        /**
         * What the containers were created with (instance, labels), by id, until destroyed: a restart keeps them (the
         * backend outlives the worker). {@link #held} are the running worker's; {@link #restart} forgets them.
         */
        final Map<String, ContainerRequest> running = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
        /** Containers whose agent cannot be reached again after a restart (their transport folder is gone). */
        final java.util.Set<String> unreachable = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<String> reclaimed = new CopyOnWriteArrayList<>();

        /** The worker died: the containers run on, none is held. */
        void restart() {
            held.clear();
        }

        public int reclaim(String instance) {
            List<String> gone = running.entrySet().stream().filter(e -> e.getValue().instance().equals(instance)
                    && !held.contains(e.getKey())).map(Map.Entry::getKey).sorted().toList();
            gone.forEach(running::remove);
            reclaimed.addAll(gone);
            return gone.size();
        }

        @Override
        public List<dev.vireo.api.spi.backend.RunningContainer> survivors(String instance) {
            return running.entrySet().stream().filter(e -> e.getValue().instance().equals(instance)
                    && !held.contains(e.getKey())).sorted(Map.Entry.comparingByKey())
                    .map(e -> new dev.vireo.api.spi.backend.RunningContainer(e.getKey(), e.getValue().labels())).toList();
        }

        @Override
        public CompletionStage<ContainerHandle> adopt(ContainerRequest r) {
            ContainerRequest was = running.get(r.id());
            if (was == null || !was.instance().equals(r.instance()) || !held.add(r.id())) {
                return CompletableFuture.failedFuture(new dev.vireo.api.spi.backend.BackendException(r.id()
                        + " does not run"));
            }
            return CompletableFuture.completedFuture(new ContainerHandle(r.id(), r.function().id(), "fake",
                    r.binding().endpoint(), r.function().memoryMb(), was.labels()));
        }

        @Override
        public java.util.Optional<TransportBinding> rebind(String id, String tid, dev.vireo.api.model.FunctionSpec fn) {
            return running.containsKey(id) && !unreachable.contains(id) ? java.util.Optional.of(bind(id, tid))
                    : java.util.Optional.empty();
        }

        /**
         * When set, each container gets a cgroup v2 folder here ({@code <id>/cpu.stat}), and each call adds its
         * execution time to the container's {@code usage_usec} and {@code energyPerCallUj} to {@code energyFile}.
         */
        volatile Path cgroups;
        volatile Path energyFile;
        volatile long energyPerCallUj;

        @Override
        public dev.vireo.api.model.ContainerPlacement placement(ContainerHandle c) {
            Path root = cgroups;
            if (root == null) {
                return dev.vireo.api.model.ContainerPlacement.unplaced(c);
            }
            Path dir = root.resolve(c.id());
            try {
                java.nio.file.Files.createDirectories(dir);
                java.nio.file.Files.writeString(dir.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new dev.vireo.api.model.ContainerPlacement(c.id(), c.functionId(), Map.of(),
                    java.util.Optional.of(dir), java.util.OptionalLong.empty());
        }

        /** The call's CPU time and energy, as the kernel would count them, added to the fake's files. */
        private void spend(String container, long us) {
            try {
                Path root = cgroups;
                if (root != null) {
                    Path stat = root.resolve(container).resolve("cpu.stat");
                    long before = CpuTime.usageUsec(java.nio.file.Files.readString(stat));
                    java.nio.file.Files.writeString(stat, "usage_usec " + (before + us) + "\nuser_usec 0\n");
                }
                Path energy = energyFile;
                if (energy != null) {
                    long e = Long.parseLong(java.nio.file.Files.readString(energy).trim());
                    java.nio.file.Files.writeString(energy, (e + energyPerCallUj) + "\n");
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        public TransportBinding bind(String id, String tid) {
            return new TransportBinding(new AgentEndpoint("fake", id, Map.of()), Map.of(), Map.of(), "");
        }

        /** The functions containers were bound for, by container id (the worker binds with the function). */
        final Map<String, String> boundFor = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public TransportBinding bind(String id, String tid, dev.vireo.api.model.FunctionSpec function) {
            boundFor.put(id, function.id());
            return bind(id, tid);
        }

        /** Refuses, as a transport may, functions of the image {@code refused/by-transport}. */
        @Override
        public void check(dev.vireo.api.model.FunctionSpec function) {
            if (function.image().equals("refused/by-transport")) {
                throw new dev.vireo.api.model.ValidationException("image", "the fake transport cannot serve it");
            }
        }

        public AgentChannel open(AgentEndpoint endpoint, String tid) {
            String image = images.get(endpoint.address());
            return new AgentChannel() {
                boolean open = true;

                public CompletionStage<AgentReply> invoke(String t, String payload, Duration timeout) {
                    CompletableFuture<AgentReply> f = new CompletableFuture<>();
                    long us = execMs * 1_000;
                    if (payload.contains("hang")) {
                        return f; // never answers: the worker's own guard must time it out
                    }
                    if (payload.contains("garbled")) { // what the transports throw for a reply that is not UTF-8
                        return CompletableFuture.failedFuture(new IOException("agent sent invalid UTF-8 at byte 3 (0xFF)"));
                    }
                    // "print": the function wrote to stdout and stderr
                    Output output = payload.contains("print") ? new Output("printed\n", "warned\n", false) : Output.NONE;
                    CompletableFuture<Void> held = payload.contains("wait") ? gate : CompletableFuture.completedFuture(null);
                    spend(endpoint.address(), us);
                    held.thenRun(() -> scheduler.schedule(() -> f.complete(payload.contains("raise")
                            ? new AgentReply(0, us, us, false, false, "", "ValueError", "bad input", "Traceback...",
                                    output)
                            : new AgentReply(0, us, us, false, true, payload.contains("whoami") ? "\"" + image + "\""
                                    : "{\"echo\":" + (payload.isEmpty() ? "null" : payload) + "}", "", "", "", output)),
                            Duration.ofMillis(execMs)));
                    return f;
                }

                public boolean isOpen() {
                    return open;
                }

                public void close() {
                    open = false;
                }
            };
        }

        public void unbind(TransportBinding binding) {
        }
    }

    /** A registry with fixed plugins and a settable queue policy. */
    static SimpleMeterRegistry meters() {
        return new SimpleMeterRegistry();
    }
}
