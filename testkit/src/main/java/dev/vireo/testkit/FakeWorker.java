package dev.vireo.testkit;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.time.Instant;
import java.util.ArrayList;
import dev.vireo.api.model.ValidationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A worker in memory: registrations in a map, invocations answered at once with {"echo": payload} (or a USER_ERROR
 * when the payload has "raise"; with output on stdout and stderr when it has "print"). Every call is written to
 * {@link #calls}.
 */
public final class FakeWorker implements WorkerService {
    public static final Instant ARRIVAL = Instant.parse("2026-11-22T20:50:13.646Z");
    public static final Timings TIMINGS = new Timings(148, 1190, 0, 233, 2000, 3632);
    public static final WorkerStatus STATUS = new WorkerStatus("worker-1", 2, 100, 3, 1, 3, 4, 768, 1024, 300, 410, 8192,
            Map.of("sim", 7, "docker", 0), Map.of("queue", "fifo", "keepalive", "ttl"),
            List.of(new ResourceUsage("memory", "MB", 8192, 1792, Map.of()), new ResourceUsage("cpu", "cores", 8, 3.5,
                    Map.of())),
            Map.of("hello-1", new FunctionStats(42, 150_000.4, 3_000.6, 2_000.5, 3_500.49, 10_000, 31.7, 99, 420.4, 3)));

    private final Map<String, FunctionSpec> functions = new LinkedHashMap<>();
    private final Map<String, InvocationRecord> async = new LinkedHashMap<>();
    /** The activation log: every record answered, oldest first. */
    private final List<InvocationRecord> log = new java.util.ArrayList<>();
    public final List<String> calls = new CopyOnWriteArrayList<>();
    /** When set, successful invocations return this result text instead of the echo. */
    public volatile String result;
    /** Thrown by unregister when set: a rejection of that kind. */
    public volatile ErrorKind refuseUnregister;
    /** Thrown by status when set: a bug in the worker. */
    public volatile RuntimeException statusFails;
    /** When set, invocations are admitted and their stage then fails with it (a rejection after admission). */
    public volatile WorkerException invokeFailsLater;
    /** What {@link #settings()} answers; unset, it cannot tell (the interface's default). */
    public volatile dev.vireo.api.worker.NodeSettings settings;

    @Override
    public String name() {
        return "worker-1";
    }

    @Override
    public synchronized FunctionSpec register(FunctionSpec spec) {
        calls.add("register " + spec);
        if (functions.containsKey(spec.id())) {
            throw new WorkerException(ErrorKind.ALREADY_EXISTS, "function " + spec.id() + " is already registered");
        }
        // an empty backend is resolved to the one the worker picks
        FunctionSpec registered = spec.backend().isEmpty() ? spec.withBackend("sim") : spec;
        functions.put(spec.id(), registered);
        return registered;
    }

    @Override
    public synchronized FunctionSpec update(FunctionSpec spec) {
        calls.add("update " + spec);
        if (!functions.containsKey(spec.id())) {
            throw unknown(spec.id());
        }
        FunctionSpec registered = spec.backend().isEmpty() ? spec.withBackend("sim") : spec;
        functions.put(spec.id(), registered);
        return registered;
    }

    @Override
    public synchronized void unregister(String functionId) {
        calls.add("unregister " + functionId);
        if (refuseUnregister != null) {
            throw new WorkerException(refuseUnregister, "refused: " + refuseUnregister);
        }
        if (functions.remove(functionId) == null) {
            throw unknown(functionId);
        }
    }

    private static WorkerException unknown(String functionId) {
        return new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
    }

    @Override
    public synchronized List<FunctionSpec> functions() {
        return new ArrayList<>(functions.values());
    }

    public static InvocationRecord record(String tid, String functionId, String payload) {
        Optional<InvocationError> error = payload.contains("raise")
                ? Optional.of(new InvocationError(ErrorKind.USER_ERROR, "ValueError: bad",
                        "Traceback (most recent call last):\nValueError: bad"))
                : Optional.empty();
        Output output = payload.contains("print") ? new Output("printed " + payload + "\n", "warning ✓\n", false)
                : Output.NONE;
        return new InvocationRecord(tid, functionId, "worker-1", "sim", Optional.of(ContainerState.WARM), ARRIVAL, TIMINGS,
                error.isPresent() ? "" : "{\"echo\":" + (payload.isEmpty() ? "null" : payload) + "}", error,
                Optional.empty(), output);
    }

    /** When each invocation was made ({@code System.nanoTime()}), by tid: the base of its {@link #anatomy}. */
    private final Map<String, Long> invoked = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The hops of every invocation made, by tid: the time it was made plus 1 to 11 nanoseconds (arrival + 1 ...
     * recorded + 11), so that a front end's mapping can be checked field by field.
     */
    @Override
    public java.util.Optional<dev.vireo.api.worker.InvocationAnatomy> anatomy(String tid) {
        Long t = invoked.get(tid);
        return t == null ? java.util.Optional.empty() : java.util.Optional.of(new dev.vireo.api.worker.InvocationAnatomy(
                tid, t + 1, t + 2, t + 3, t + 4, t + 5, t + 6, t + 7, t + 8, t + 9, t + 10, t + 11));
    }

    /** The trace context each traced call (invoke or invokeAsync with one) brought, as its header; "none" for null. */
    public final List<String> traces = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The tracestate each traced call brought ("" for none). */
    public final List<String> traceStates = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
            dev.vireo.api.trace.TraceContext trace) {
        traces.add(trace == null ? "none" : trace.header());
        traceStates.add(trace == null ? "" : trace.state());
        return invoke(tid, functionId, payload);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload, dev.vireo.api.trace.TraceContext trace) {
        traces.add(trace == null ? "none" : trace.header());
        return invokeAsync(tid, functionId, payload);
    }

    @Override
    public synchronized CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        calls.add("invoke " + tid + " " + functionId + " " + payload);
        invoked.put(tid == null || tid.isEmpty() ? "worker-1-7" : tid, System.nanoTime());
        if (!functions.containsKey(functionId)) {
            throw unknown(functionId);
        }
        if (invokeFailsLater != null) {
            return CompletableFuture.failedFuture(invokeFailsLater);
        }
        InvocationRecord r = record(tid == null || tid.isEmpty() ? "worker-1-7" : tid, functionId, payload);
        String given = result;
        InvocationRecord answered = given == null || !r.success() ? r : new InvocationRecord(r.tid(),
                r.functionId(), r.worker(), r.backend(), r.state(), r.arrival(), r.timings(), given, r.error(),
                r.routing(), r.output());
        log.add(answered);
        return CompletableFuture.completedFuture(answered);
    }

    @Override
    public synchronized String invokeAsync(String tid, String functionId, String payload) {
        calls.add("invokeAsync " + tid + " " + functionId + " " + payload);
        if (!functions.containsKey(functionId)) {
            throw unknown(functionId);
        }
        String id = tid == null || tid.isEmpty() ? "worker-1-8" : tid;
        async.put(id, record(id, functionId, payload));
        log.add(async.get(id));
        return id;
    }

    @Override
    public synchronized List<InvocationRecord> activations(dev.vireo.api.worker.ActivationQuery q) {
        calls.add("activations " + q);
        List<InvocationRecord> out = new java.util.ArrayList<>();
        for (int i = log.size() - 1; i >= 0 && out.size() < q.limit(); i--) {
            InvocationRecord r = log.get(i);
            if (q.matches(r.functionId(), r.arrival(), r.error().isPresent())) {
                out.add(r);
            }
        }
        return out;
    }

    @Override
    public synchronized InvocationRecord activation(String tid) {
        calls.add("activation " + tid);
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).tid().equals(tid)) {
                return log.get(i);
            }
        }
        throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "activation " + tid + " is not in the log");
    }

    @Override
    public synchronized AsyncResult result(String id) {
        calls.add("result " + id);
        InvocationRecord r = async.get(id);
        if (r == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no async invocation " + id);
        }
        return new AsyncResult(id, true, Optional.of(r));
    }

    @Override
    public synchronized CompletionStage<Integer> prewarm(String functionId, int count) {
        calls.add("prewarm " + functionId + " " + count);
        if (!functions.containsKey(functionId)) {
            throw unknown(functionId);
        }
        return CompletableFuture.completedFuture(Math.min(count, 2));
    }

    @Override
    public Map<String, String> use(String point, String plugin) {
        calls.add("use " + point + " " + plugin);
        if (!point.equals("queue") && !point.equals("keepalive")) {
            throw new ValidationException("point", "'" + point + "' is not a point this node puts plugins in force at;"
                    + " use keepalive, queue");
        }
        if (plugin.isBlank()) {
            throw new ValidationException("use", "a plugin's name is required");
        }
        return Map.of(point, plugin);
    }

    /** A registered function's estimate: 2 ahead of it, a 300 ms cold start and a 2 ms execution. */
    @Override
    public synchronized dev.vireo.api.worker.Estimate estimate(String functionId) {
        if (!functions.containsKey(functionId)) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
        }
        return new dev.vireo.api.worker.Estimate(functionId, "worker-1", dev.vireo.api.model.ContainerState.COLD,
                4_000, 300_000, 2_000, 306_000, 2, 1);
    }

    @Override
    public dev.vireo.api.worker.NodeSettings settings() {
        dev.vireo.api.worker.NodeSettings s = settings;
        return s != null ? s : WorkerService.super.settings();
    }

    @Override
    public WorkerStatus status() {
        RuntimeException e = statusFails;
        if (e != null) {
            throw e;
        }
        return STATUS;
    }
}
