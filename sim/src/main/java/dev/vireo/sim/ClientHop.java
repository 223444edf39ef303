package dev.vireo.sim;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The load generator's way to the controller on the virtual clock: an invocation reaches the controller after
 * {@code latency} and its answer comes back after {@code latency} again (a live run's client-to-controller hop, as
 * {@code --like} measures it); the other calls are direct (they happen before the replay).
 */
final class ClientHop implements WorkerService {
    private final WorkerService controller;
    private final TaskScheduler scheduler;
    private final Duration latency;

    ClientHop(WorkerService controller, TaskScheduler scheduler, Duration latency) {
        this.controller = controller;
        this.scheduler = scheduler;
        this.latency = latency;
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        CompletableFuture<InvocationRecord> out = new CompletableFuture<>();
        scheduler.delay(latency).thenCompose(v -> controller.invoke(tid, functionId, payload))
                .whenComplete((r, e) -> scheduler.delay(latency).whenComplete((v, x) -> {
                    if (e != null) {
                        out.completeExceptionally(e);
                    } else {
                        out.complete(r);
                    }
                }));
        return out;
    }

    @Override
    public String name() {
        return controller.name();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        return controller.register(spec);
    }

    @Override
    public FunctionSpec update(FunctionSpec spec) {
        return controller.update(spec);
    }

    @Override
    public void unregister(String functionId) {
        controller.unregister(functionId);
    }

    @Override
    public List<FunctionSpec> functions() {
        return controller.functions();
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        return controller.invokeAsync(tid, functionId, payload);
    }

    @Override
    public AsyncResult result(String id) {
        return controller.result(id);
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        return controller.prewarm(functionId, count);
    }

    @Override
    public WorkerStatus status() {
        return controller.status();
    }
}
