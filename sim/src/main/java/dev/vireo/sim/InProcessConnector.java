package dev.vireo.sim;

import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The controller's way to its simulated workers: addresses {@code sim:NAME} name workers in the same JVM, called
 * directly. With a network latency, each invocation and status call waits that long on the virtual clock going and
 * coming back (the loopback gRPC hop of a live run, if one wants it modelled).
 *
 * <p>Threading: confined to the simulation's event loop.
 */
final class InProcessConnector implements WorkerConnector {
    static final String SCHEME = "sim:";
    private final Map<String, WorkerService> workers;
    private final TaskScheduler scheduler;
    private final Duration latency;

    InProcessConnector(Map<String, WorkerService> workers, TaskScheduler scheduler, Duration latency) {
        this.workers = Map.copyOf(workers);
        this.scheduler = scheduler;
        this.latency = latency;
    }

    @Override
    public RemoteWorker connect(String address) {
        if (address == null || !address.startsWith(SCHEME)) {
            throw new ValidationException("address", "'" + address + "' is not a simulated worker (sim:NAME)");
        }
        return new Remote(address.substring(SCHEME.length()));
    }

    /**
     * A call from one simulated node to another: made after the latency, its answer back after the latency again; a
     * rejection fails the stage.
     */
    <T> CompletionStage<T> across(java.util.function.Supplier<CompletionStage<T>> call) {
        if (latency.isZero()) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return scheduler.delay(latency).thenCompose(v -> call.get())
                .thenCompose(r -> scheduler.delay(latency).thenApply(x -> r));
    }

    private final class Remote implements RemoteWorker {
        private final String name;
        private volatile boolean closed;

        Remote(String name) {
            this.name = name;
        }

        private WorkerService worker() {
            WorkerService w = workers.get(name);
            if (w == null || closed) {
                throw new WorkerException(ErrorKind.UNREACHABLE, "no simulated worker " + name + " (workers: "
                        + String.join(", ", new java.util.TreeSet<>(workers.keySet())) + ")");
            }
            return w;
        }

        private <T> CompletionStage<T> hop(java.util.function.Supplier<CompletionStage<T>> call) {
            return across(call);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public FunctionSpec register(FunctionSpec spec) {
            return worker().register(spec);
        }

        @Override
        public FunctionSpec update(FunctionSpec spec) {
            return worker().update(spec);
        }

        @Override
        public void unregister(String functionId) {
            worker().unregister(functionId);
        }

        @Override
        public List<FunctionSpec> functions() {
            return worker().functions();
        }

        @Override
        public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
                dev.vireo.api.trace.TraceContext trace) {
            return hop(() -> worker().invoke(tid, functionId, payload, trace));
        }

        @Override
        public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
            return hop(() -> worker().invoke(tid, functionId, payload));
        }

        @Override
        public String invokeAsync(String tid, String functionId, String payload) {
            return worker().invokeAsync(tid, functionId, payload);
        }

        @Override
        public AsyncResult result(String id) {
            return worker().result(id);
        }

        @Override
        public CompletionStage<Integer> prewarm(String functionId, int count) {
            return worker().prewarm(functionId, count);
        }

        @Override
        public WorkerStatus status() {
            return worker().status();
        }

        @Override
        public java.util.Map<String, String> use(String point, String plugin) {
            return worker().use(point, plugin);
        }

        @Override
        public dev.vireo.api.worker.Estimate estimate(String functionId) {
            return worker().estimate(functionId);
        }

        @Override
        public dev.vireo.api.worker.NodeSettings settings() {
            return worker().settings();
        }

        @Override
        public CompletionStage<WorkerStatus> statusAsync() {
            return hop(() -> CompletableFuture.completedFuture(worker().status()));
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
