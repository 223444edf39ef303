package dev.vireo.dag.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * A worker whose functions are Java lambdas from the parsed payload to a result's JSON text (a thrown exception is a
 * USER_ERROR), answered on an executor like a real worker answers: every invocation is logged by tid.
 */
final class ScriptedWorker implements WorkerService {
    final Map<String, Function<JsonElement, String>> functions = new ConcurrentHashMap<>();
    final List<String> tids = new CopyOnWriteArrayList<>();
    final Map<String, String> payloads = new ConcurrentHashMap<>();
    private final Executor executor;
    private final String name;
    /** Function id -> its invocations answer once this completes (a test holds them in flight). */
    final Map<String, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
    /** Its concurrency capacity, as its status reports it. */
    volatile int slots = 1;

    ScriptedWorker(Executor executor) {
        this(executor, "w1");
    }

    ScriptedWorker(Executor executor, String name) {
        this.executor = executor;
        this.name = name;
    }

    /** A function body: the sum of the integers in the payload's list {@code xs}. */
    static String sum(JsonElement args) {
        int sum = 0;
        for (var e : args.getAsJsonObject().getAsJsonArray("xs")) {
            sum += e.getAsInt();
        }
        return Integer.toString(sum);
    }

    ScriptedWorker fn(String id, Function<JsonElement, String> body) {
        functions.put(id, body);
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void unregister(String functionId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<FunctionSpec> functions() {
        return functions.keySet().stream().map(id -> new FunctionSpec(id.substring(0, id.lastIndexOf('-')),
                id.substring(id.lastIndexOf('-') + 1), "sim/x", "", "", "sim", Compute.CPU, "sim", 128, 1,
                Duration.ofSeconds(10), 1, ExpectedTimings.UNKNOWN)).toList();
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        Function<JsonElement, String> body = functions.get(functionId);
        if (body == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
        }
        // as a worker's API and a controller's forwarding check it
        new dev.vireo.api.model.Invocation(tid, functionId, payload, 0);
        tids.add(tid);
        payloads.put(tid, payload);
        CompletableFuture<InvocationRecord> f = new CompletableFuture<>();
        gates.getOrDefault(functionId, CompletableFuture.completedFuture(null)).thenRun(() -> executor.execute(() -> {
            Timings t = new Timings(5, 0, 0, 1, 10, 20);
            try {
                String result = body.apply(JsonParser.parseString(payload.isEmpty() ? "{}" : payload));
                f.complete(new InvocationRecord(tid, functionId, name, "sim", Optional.of(ContainerState.WARM),
                        Instant.EPOCH, t, result, Optional.empty()));
            } catch (WorkerException e) {
                // the platform's failure (a worker gone, a full queue), as a controller records it
                f.complete(new InvocationRecord(tid, functionId, name, "sim", Optional.empty(), Instant.EPOCH, t, "",
                        Optional.of(new InvocationError(e.kind(), e.getMessage(), ""))));
            } catch (RuntimeException e) {
                f.complete(new InvocationRecord(tid, functionId, name, "sim", Optional.of(ContainerState.WARM),
                        Instant.EPOCH, t, "", Optional.of(new InvocationError(ErrorKind.USER_ERROR,
                                e.getClass().getSimpleName() + ": " + e.getMessage(), "Traceback: " + tid))));
            }
        }));
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

    /** Every prewarm asked of this worker: function id, in order. */
    final List<String> prewarms = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        prewarms.add(functionId);
        return CompletableFuture.completedFuture(count);
    }

    @Override
    public WorkerStatus status() {
        return new WorkerStatus(name, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), List.of(
                new dev.vireo.api.spi.resource.ResourceUsage("concurrency", "invocations", slots, 0, Map.of())),
                Map.of());
    }
}
