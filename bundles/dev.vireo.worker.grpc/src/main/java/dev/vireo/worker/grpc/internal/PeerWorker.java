package dev.vireo.worker.grpc.internal;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The worker service of a peer ({@link dev.vireo.api.dag.DagPeers#worker}): each call goes to the peer's
 * {@link GrpcRemoteWorker} on the channel {@link GrpcDagPeers} keeps to it, looked up on every call (a peer that moved
 * is followed, one that left fails), outside any call's context and without a bearer token. Failures are those of
 * GrpcRemoteWorker (the peer's own kind, UNREACHABLE on the way); a name that is not a peer in service fails with the
 * WorkerException that says so (UNREACHABLE): a failed stage from {@link #invoke} and {@link #prewarm}, thrown by the
 * other methods. {@link #name} is the peer's name, known without asking it.
 *
 * <p>Threading: safe from any thread; {@link #invoke} and {@link #prewarm} never block, the others wait for the peer.
 */
final class PeerWorker implements WorkerService {
    private final String peer;
    private final Supplier<GrpcRemoteWorker> remote;

    /**
     * @param peer   the peer's name
     * @param remote the peer's channel now; throws the WorkerException that says why there is none
     */
    PeerWorker(String peer, Supplier<GrpcRemoteWorker> remote) {
        this.peer = peer;
        this.remote = remote;
    }

    /** {@code call} on the peer as it is now; a peer there is none of fails the stage. */
    private <T> CompletionStage<T> stage(Function<GrpcRemoteWorker, CompletionStage<T>> call) {
        GrpcRemoteWorker node;
        try {
            node = remote.get();
        } catch (WorkerException e) {
            return CompletableFuture.failedStage(e);
        }
        return GrpcRemoteWorker.detached(() -> call.apply(node));
    }

    private <T> T call(Function<GrpcRemoteWorker, T> call) {
        GrpcRemoteWorker node = remote.get();
        return GrpcRemoteWorker.detached(() -> call.apply(node));
    }

    @Override
    public String name() {
        return peer;
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        return call(node -> node.register(spec));
    }

    @Override
    public FunctionSpec update(FunctionSpec spec) {
        return call(node -> node.update(spec));
    }

    @Override
    public void unregister(String functionId) {
        call(node -> {
            node.unregister(functionId);
            return null;
        });
    }

    @Override
    public List<FunctionSpec> functions() {
        return call(GrpcRemoteWorker::functions);
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        return stage(node -> node.invoke(tid, functionId, payload));
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
            dev.vireo.api.trace.TraceContext trace) {
        return stage(node -> node.invoke(tid, functionId, payload, trace));
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        return call(node -> node.invokeAsync(tid, functionId, payload));
    }

    @Override
    public AsyncResult result(String id) {
        return call(node -> node.result(id));
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        return stage(node -> node.prewarm(functionId, count));
    }

    @Override
    public WorkerStatus status() {
        return call(GrpcRemoteWorker::status);
    }

    @Override
    public String toString() {
        return "worker '" + peer + "' (a peer)";
    }

    @Override
    public dev.vireo.api.worker.NodeSettings settings() {
        return call(GrpcRemoteWorker::settings);
    }

    @Override
    public dev.vireo.api.worker.Estimate estimate(String functionId) {
        return call(node -> node.estimate(functionId));
    }

    @Override
    public java.util.Map<String, String> use(String point, String plugin) {
        return call(node -> node.use(point, plugin));
    }
}
