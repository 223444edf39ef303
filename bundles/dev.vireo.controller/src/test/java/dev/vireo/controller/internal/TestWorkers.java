package dev.vireo.controller.internal;

import dev.vireo.testkit.VirtualTime;

import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.testkit.TestRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Workers in this JVM whose answers a test controls, on {@link VirtualTime}; the connector reaches them by address
 * ({@code host:N} is worker {@code wN}).
 */
final class TestWorkers implements WorkerConnector {
    final VirtualTime time;
    final Map<String, Worker> byAddress = new ConcurrentHashMap<>();

    TestWorkers(VirtualTime time) {
        this.time = time;
    }

    @Override
    public RemoteWorker connect(String address) {
        return at(address);
    }

    Worker at(String address) {
        return byAddress.computeIfAbsent(address, Worker::new);
    }

    /** A registry whose balancer takes the workers it is offered in turn. */
    static TestRegistry roundRobin() {
        return new TestRegistry().put(LoadBalancingPolicy.class, "rr", context -> {
            AtomicLong turn = new AtomicLong();
            return (tid, fn, workers) -> workers.isEmpty() ? Optional.empty()
                    : Optional.of(workers.get((int) (turn.getAndIncrement() % workers.size())));
        });
    }

    static FunctionSpec spec(String name) {
        return new FunctionSpec(name, "1", "sim/" + name, "", "", "sim", Compute.CPU, "sim", 128, 0.1,
                Duration.ofSeconds(60), 1, null);
    }

    final class Worker implements RemoteWorker {
        final String address;
        final String name;
        final Map<String, FunctionSpec> functions = new ConcurrentHashMap<>();
        /** Transaction ids of the invocations it was sent, in order. */
        final List<String> tids = new CopyOnWriteArrayList<>();
        final AtomicInteger statusCalls = new AtomicInteger();
        volatile long execMs = 1;
        /** false: it answers nothing (heartbeats fail, calls are refused). */
        volatile boolean answering = true;
        volatile boolean closed;

        Worker(String address) {
            this.address = address;
            this.name = "w" + address.substring(address.indexOf(':') + 1);
        }

        private void check() {
            if (!answering) {
                throw new WorkerException(ErrorKind.UNREACHABLE, "worker at " + address + " did not answer");
            }
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public FunctionSpec register(FunctionSpec spec) {
            check();
            if (functions.putIfAbsent(spec.id(), spec) != null) {
                throw new WorkerException(ErrorKind.ALREADY_EXISTS, spec.id());
            }
            return spec;
        }

        @Override
        public void unregister(String functionId) {
            check();
            functions.remove(functionId);
        }

        @Override
        public List<FunctionSpec> functions() {
            check();
            return List.copyOf(functions.values());
        }

        @Override
        public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
            tids.add(tid);
            if (!answering) {
                return CompletableFuture.failedFuture(new WorkerException(ErrorKind.UNREACHABLE, "connection refused"));
            }
            if (!functions.containsKey(functionId)) {
                return CompletableFuture.failedFuture(new WorkerException(ErrorKind.UNKNOWN_FUNCTION, functionId));
            }
            CompletableFuture<InvocationRecord> f = new CompletableFuture<>();
            time.schedule(() -> f.complete(new InvocationRecord(tid, functionId, name, "sim", Optional.empty(),
                    Instant.EPOCH, new Timings(0, 0, 0, 0, 1, 2), "{}", Optional.empty())), Duration.ofMillis(execMs));
            return f;
        }

        @Override
        public String invokeAsync(String tid, String functionId, String payload) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AsyncResult result(String id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Integer> prewarm(String functionId, int count) {
            return CompletableFuture.completedFuture(count);
        }

        /** The plugins put in force here, "point=name" in order. */
        final List<String> used = new CopyOnWriteArrayList<>();

        @Override
        public Map<String, String> use(String point, String plugin) {
            check();
            if (plugin.equals("nope")) {
                throw new dev.vireo.api.model.ValidationException("use", "unknown " + point + " plugin 'nope'");
            }
            used.add(point + "=" + plugin);
            return Map.of(point, plugin);
        }

        @Override
        public dev.vireo.api.worker.NodeSettings settings() {
            check();
            // every worker names itself worker-1 (the shipped default): the controller names them as its members
            return new dev.vireo.api.worker.NodeSettings("worker-1", "worker", Map.of("vireo.worker",
                    Map.of("name", "worker-1")), Map.of("queue", "fcfs"), Map.of("cpu", 2.0),
                    List.of());
        }

        @Override
        public WorkerStatus status() {
            statusCalls.incrementAndGet();
            check();
            return new WorkerStatus(name, 0, 100, 0, functions.size(), 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(),
                    List.of(new ResourceUsage("concurrency", "invocations", 4, 0, Map.of())),
                    Map.of("a-1", FunctionStats.EMPTY));
        }

        @Override
        public CompletionStage<WorkerStatus> statusAsync() {
            try {
                return CompletableFuture.completedFuture(status());
            } catch (WorkerException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
