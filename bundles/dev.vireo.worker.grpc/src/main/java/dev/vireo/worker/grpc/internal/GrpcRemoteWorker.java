package dev.vireo.worker.grpc.internal;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.grpc.v1.ContinueDagRequest;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.ListRequest;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.ResultRequest;
import dev.vireo.grpc.v1.StatusRequest;
import dev.vireo.grpc.v1.UnregisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A worker over gRPC. Rejections by the worker come back with their own {@link ErrorKind} (the server puts it in the
 * {@code vireo-error-kind} trailer); a failure with no such trailer happened on the way (refused, reset, no answer)
 * and becomes {@link ErrorKind#UNREACHABLE}.
 */
final class GrpcRemoteWorker implements RemoteWorker {
    /** Calls other than invocations (registration, status) give up after this long. */
    private static final long CONTROL_DEADLINE_MS = 5_000;
    /** A heartbeat that takes longer than this counts as missed. */
    private static final long HEARTBEAT_DEADLINE_MS = 1_000;

    private final String address;
    private final ManagedChannel channel;
    private final WorkerGrpc.WorkerFutureStub async;
    private final WorkerGrpc.WorkerBlockingStub blocking;

    GrpcRemoteWorker(String address, TaskScheduler scheduler) {
        this(address, scheduler, () -> "");
    }

    /**
     * @param token the bearer token every call presents (metadata {@code authorization}), read at each call so that a
     *              changed configuration applies to workers connected before it; empty for none
     */
    GrpcRemoteWorker(String address, TaskScheduler scheduler, java.util.function.Supplier<String> token) {
        this(address, scheduler, token, null);
    }

    /** @param tls the TLS context of the channel (trusting the worker's certificate), or null for plaintext */
    GrpcRemoteWorker(String address, TaskScheduler scheduler, java.util.function.Supplier<String> token,
            io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls) {
        this.address = address;
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(address);
        if (tls == null) {
            builder.usePlaintext();
        } else {
            builder.sslContext(tls);
        }
        this.channel = builder.directExecutor()
                .maxInboundMessageSize(64 * 1024 * 1024).intercept(new BearerHeader(token)).build();
        this.async = WorkerGrpc.newFutureStub(channel);
        this.blocking = WorkerGrpc.newBlockingStub(channel);
    }

    /** Adds {@code authorization: Bearer <token>} to every call while there is a token. */
    private static final class BearerHeader implements io.grpc.ClientInterceptor {
        private final java.util.function.Supplier<String> token;

        BearerHeader(java.util.function.Supplier<String> token) {
            this.token = token;
        }

        @Override
        public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(io.grpc.MethodDescriptor<Q, R> method,
                io.grpc.CallOptions options, io.grpc.Channel next) {
            String t = token.get();
            io.grpc.ClientCall<Q, R> call = next.newCall(method, options);
            if (t == null || t.isEmpty()) {
                return call;
            }
            return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(GrpcApi.AUTHORIZATION, "Bearer " + t);
                    super.start(listener, headers);
                }
            };
        }
    }

    private WorkerException failure(Throwable t) {
        if (t instanceof WorkerException w) {
            return w;
        }
        if (t instanceof StatusRuntimeException e) {
            String kind = e.getTrailers() == null ? null : e.getTrailers().get(Messages.ERROR_KIND);
            if (kind != null) {
                return new WorkerException(Messages.kind(kind), e.getStatus().getDescription());
            }
            Status s = e.getStatus();
            if (s.getCode() == Status.Code.UNAUTHENTICATED) {
                // it answered, and refused: a wrong or missing token (client.token) is not a worker that is down,
                // though a controller still takes it out of service, saying why
                return new WorkerException(ErrorKind.UNREACHABLE, "worker at " + address + " refused the bearer"
                        + " token presented (a node's client.token or auth.token of vireo.worker.grpc): "
                        + s.getDescription());
            }
            return new WorkerException(ErrorKind.UNREACHABLE, "worker at " + address + " did not answer: "
                    + s.getCode() + (s.getDescription() == null ? "" : " " + s.getDescription())
                    + (s.getCause() == null ? "" : " (" + s.getCause().getMessage() + ")"));
        }
        return new WorkerException(ErrorKind.UNREACHABLE, "worker at " + address + ": " + t);
    }

    /**
     * {@link #failure} as the exception the node's own service threw, for a caller that stands for that service
     * ({@link GrpcDagClient}): a refusal whose trailers name a field is that {@link ValidationException} (the same
     * field and message), any other a WorkerException of the node's kind, a failure on the way UNREACHABLE.
     */
    RuntimeException refusal(Throwable t) {
        if (t instanceof StatusRuntimeException e && e.getTrailers() != null) {
            String field = e.getTrailers().get(Messages.ERROR_FIELD);
            String message = e.getStatus().getDescription();
            String prefix = field + ": ";
            if (field != null && message != null && message.startsWith(prefix)) {
                return new ValidationException(field, message.substring(prefix.length()));
            }
        }
        return failure(t);
    }

    /**
     * Runs {@code call} outside any gRPC call's context: a call this node makes to another while it answers one of
     * its own (a task continued here made others ready) would otherwise be cancelled as soon as that answer is sent.
     */
    static <T> T detached(java.util.function.Supplier<T> call) {
        io.grpc.Context previous = io.grpc.Context.ROOT.attach();
        try {
            return call.get();
        } finally {
            io.grpc.Context.ROOT.detach(previous);
        }
    }

    /** A blocking stub on this node's channel whose calls give up after {@code deadlineMs}. */
    WorkerGrpc.WorkerBlockingStub blocking(long deadlineMs) {
        return blocking.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS);
    }

    private <T> T call(Function<WorkerGrpc.WorkerBlockingStub, T> call) {
        try {
            return call.apply(blocking.withDeadlineAfter(CONTROL_DEADLINE_MS, TimeUnit.MILLISECONDS));
        } catch (RuntimeException e) {
            throw failure(e);
        }
    }

    private <M, T> CompletionStage<T> stage(ListenableFuture<M> future, Function<M, T> map) {
        return stage(future, map, this::failure);
    }

    /** {@link #stage(ListenableFuture, Function)} whose failure is what {@code failed} makes of it. */
    private <M, T> CompletionStage<T> stage(ListenableFuture<M> future, Function<M, T> map,
            Function<Throwable, Throwable> failed) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Futures.addCallback(future, new FutureCallback<M>() {
            @Override
            public void onSuccess(M result) {
                try {
                    out.complete(map.apply(result));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            }

            @Override
            public void onFailure(Throwable t) {
                out.completeExceptionally(failed.apply(t));
            }
        }, MoreExecutors.directExecutor());
        return out;
    }

    @Override
    public String name() {
        return call(s -> s.health(dev.vireo.grpc.v1.HealthRequest.getDefaultInstance())).getWorker();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        dev.vireo.grpc.v1.FunctionSpec registered = call(s -> s.register(RegisterRequest.newBuilder()
                .setSpec(Messages.request(spec)).build()));
        // the reply names the secrets only: what is kept (a controller pushes it to workers that join) keeps them
        try {
            return configured(spec, registered);
        } catch (WorkerException e) {
            unregister(spec.id()); // registered without its configuration: it must not run so
            throw e;
        }
    }

    @Override
    public FunctionSpec update(FunctionSpec spec) {
        dev.vireo.grpc.v1.FunctionSpec updated;
        try {
            updated = blocking.withDeadlineAfter(CONTROL_DEADLINE_MS, TimeUnit.MILLISECONDS).update(
                    RegisterRequest.newBuilder().setSpec(Messages.request(spec)).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                // a node of a version before the rpc: it answered, it cannot do it (not a node that is down)
                WorkerException old = new WorkerException(ErrorKind.INVALID_REQUEST, "the node at " + address
                        + " does not update functions in place (a version without the Update rpc)");
                old.initCause(e);
                throw old;
            }
            throw failure(e);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        return configured(spec, updated);
    }

    /**
     * The node's answer with the configuration sent (the answer names the secrets only); refused when the node did
     * not keep what was sent: a version that does not know the fields drops them silently.
     */
    private FunctionSpec configured(FunctionSpec sent, dev.vireo.grpc.v1.FunctionSpec answer) {
        var c = sent.config();
        if (!answer.getEnvMap().equals(c.env()) || !answer.getParameters().equals(c.parameters())
                || !new java.util.TreeSet<>(answer.getSecretNamesList()).equals(c.secrets().keySet())) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "the node at " + address + " did not keep the"
                    + " function's env, parameters or secrets (a version without them?)");
        }
        return Messages.spec(answer).withConfig(c);
    }

    @Override
    public void unregister(String functionId) {
        call(s -> s.unregister(UnregisterRequest.newBuilder().setFunctionId(functionId).build()));
    }

    @Override
    public List<FunctionSpec> functions() {
        return call(s -> s.list(ListRequest.getDefaultInstance())).getFunctionsList().stream().map(f -> Messages.spec(f))
                .toList();
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        return invoke(tid, functionId, payload, null);
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
            dev.vireo.api.trace.TraceContext trace) {
        return stage(TraceHeader.attach(async, trace).invoke(InvokeRequest.newBuilder().setTid(tid == null ? "" : tid)
                .setFunctionId(functionId).setPayload(payload == null ? "" : payload).setEnhanced(true).build()),
                Messages::record);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        return invokeAsync(tid, functionId, payload, null);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload, dev.vireo.api.trace.TraceContext trace) {
        return call(s -> TraceHeader.attach(s, trace).invokeAsync(InvokeRequest.newBuilder().setTid(tid == null ? ""
                : tid).setFunctionId(functionId).setPayload(payload == null ? "" : payload).build())).getId();
    }

    @Override
    public AsyncResult result(String id) {
        var r = call(s -> s.result(ResultRequest.newBuilder().setId(id).build()));
        return new AsyncResult(r.getId(), r.getDone(),
                r.hasReply() ? java.util.Optional.of(Messages.record(r.getReply())) : java.util.Optional.empty());
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        return stage(async.prewarm(PrewarmRequest.newBuilder().setFunctionId(functionId).setCount(count).build()),
                r -> r.getStarted());
    }

    @Override
    public WorkerStatus status() {
        dev.vireo.grpc.v1.StatusReply reply = call(s -> s.status(StatusRequest.getDefaultInstance()));
        return Messages.status(reply);
    }

    @Override
    public java.util.Map<String, String> use(String point, String plugin) {
        return call(s -> s.use(dev.vireo.grpc.v1.UseRequest.newBuilder().setPoint(point).setUse(plugin).build()))
                .getPoliciesMap();
    }

    @Override
    public dev.vireo.api.worker.Estimate estimate(String functionId) {
        dev.vireo.grpc.v1.EstimateReply reply = call(s -> s.estimate(dev.vireo.grpc.v1.EstimateRequest.newBuilder()
                .setFunctionId(functionId).build()));
        return Messages.estimate(reply);
    }

    @Override
    public java.util.List<InvocationRecord> activations(dev.vireo.api.worker.ActivationQuery q) {
        var b = dev.vireo.grpc.v1.ActivationsRequest.newBuilder().setFunctionId(q.functionId())
                .setStatus(q.status().name().toLowerCase(java.util.Locale.ROOT)).setLimit(q.limit());
        if (q.since() != null) {
            b.setSince(q.since().toString());
        }
        if (q.until() != null) {
            b.setUntil(q.until().toString());
        }
        return call(s -> s.activations(b.build())).getActivationsList().stream().map(Messages::record).toList();
    }

    @Override
    public InvocationRecord activation(String tid) {
        return Messages.record(call(s -> s.activation(dev.vireo.grpc.v1.ActivationRequest.newBuilder().setId(tid)
                .build())));
    }

    @Override
    public dev.vireo.api.worker.NodeSettings settings() {
        dev.vireo.grpc.v1.NodeSettings reply;
        try {
            reply = blocking.withDeadlineAfter(CONTROL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .settings(dev.vireo.grpc.v1.SettingsRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                // a node of a version before the rpc: it cannot tell, as a node without the service says
                WorkerException old = new WorkerException(ErrorKind.INVALID_REQUEST, "the node at " + address
                        + " does not report its settings (a version without the Settings rpc)");
                old.initCause(e);
                throw old;
            }
            throw failure(e);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        return Messages.settings(reply);
    }

    @Override
    public CompletionStage<WorkerStatus> statusAsync() {
        return stage(async.withDeadlineAfter(HEARTBEAT_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance()), r -> Messages.status(r));
    }

    /**
     * Asks the node to start task {@code task} of run {@code run} (rpc ContinueDag): a task handed over by a peer.
     * Fails with the node's own kind (UNKNOWN_FUNCTION for a run it cannot see), or UNREACHABLE; one that fails for
     * want of an answer may still have started there.
     */
    CompletionStage<Void> continueTasks(String run, java.util.List<String> tasks, java.util.Map<String, String> inputs) {
        return stage(async.withDeadlineAfter(CONTROL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .continueDag(ContinueDagRequest.newBuilder().setRun(run).addAllTasks(tasks).putAllInputs(inputs)
                        .build()), r -> null);
    }

    /**
     * Asks the node to run a chain of a run's tasks (rpc RunDagChain), with no deadline (its links' own timeouts
     * bound it, as an invocation's do). Fails as the node refuses, UNREACHABLE, or with an
     * UnsupportedOperationException from a node that does not know the rpc (UNIMPLEMENTED: an older one).
     */
    CompletionStage<java.util.List<dev.vireo.api.dag.ChainStep>> chain(java.util.List<dev.vireo.api.dag.ChainLink> links,
            String payload, int maxOutputBytes) {
        dev.vireo.grpc.v1.DagChainRequest.Builder b = dev.vireo.grpc.v1.DagChainRequest.newBuilder()
                .setPayload(payload == null ? "" : payload).setMaxOutputBytes(maxOutputBytes);
        for (dev.vireo.api.dag.ChainLink l : links) {
            b.addLinks(dev.vireo.grpc.v1.DagChainLink.newBuilder().setTid(l.tid()).setTask(l.task())
                    .setFunctionId(l.functionId()).setArgs(l.args()).addAllInputs(l.inputs()).setReturned(l.returned()));
        }
        return stage(async.runDagChain(b.build()), r -> r.getStepsList().stream().map(st ->
                new dev.vireo.api.dag.ChainStep(st.getTask(), Messages.record(st.getReply()), st.getReturned(),
                        st.getOutputBytes())).toList(), t -> t instanceof StatusRuntimeException s
                        && s.getStatus().getCode() == io.grpc.Status.Code.UNIMPLEMENTED
                        ? new UnsupportedOperationException(address + " runs no chains: " + s.getStatus()) : failure(t));
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    @Override
    public String toString() {
        return "worker at " + address;
    }
}
