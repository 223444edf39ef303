package dev.vireo.worker.grpc.internal;

import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.validation.Numbers;
import dev.vireo.api.validation.Results;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.grpc.v1.ContinueDagReply;
import dev.vireo.grpc.v1.ContinueDagRequest;
import dev.vireo.grpc.v1.DagPlan;
import dev.vireo.grpc.v1.DagRequest;
import dev.vireo.grpc.v1.DagResult;
import dev.vireo.grpc.v1.DagSpec;
import dev.vireo.grpc.v1.DagStatus;
import dev.vireo.grpc.v1.DeleteDagReply;
import dev.vireo.grpc.v1.ErrorInfo;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.FunctionStats;
import dev.vireo.grpc.v1.HealthReply;
import dev.vireo.grpc.v1.HealthRequest;
import dev.vireo.grpc.v1.InvocationRecord.Builder;
import dev.vireo.grpc.v1.InvokeAsyncReply;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.ListReply;
import dev.vireo.grpc.v1.ListDagsReply;
import dev.vireo.grpc.v1.ListDagsRequest;
import dev.vireo.grpc.v1.ListRequest;
import dev.vireo.grpc.v1.PingReply;
import dev.vireo.grpc.v1.PingRequest;
import dev.vireo.grpc.v1.PrewarmReply;
import dev.vireo.grpc.v1.PrewarmRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.ResourceUsage;
import dev.vireo.grpc.v1.ResultReply;
import dev.vireo.grpc.v1.ResultRequest;
import dev.vireo.grpc.v1.StatusReply;
import dev.vireo.grpc.v1.StatusRequest;
import dev.vireo.grpc.v1.SubmitDagReply;
import dev.vireo.grpc.v1.SubmitDagRequest;
import dev.vireo.grpc.v1.Timings;
import dev.vireo.grpc.v1.UnregisterReply;
import dev.vireo.grpc.v1.UnregisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Maps the gRPC messages onto {@link WorkerService} and, for workflows, the {@link DagService} when one is here;
 * rejections become gRPC status codes with the message.
 */
final class WorkerGrpcService extends WorkerGrpc.WorkerImplBase {
    private final WorkerService worker;
    private final Supplier<DagService> dags;

    private final dev.vireo.api.time.Clock clock;

    /** @param dags the workflow service now, or null when none is here */
    WorkerGrpcService(WorkerService worker, Supplier<DagService> dags, dev.vireo.api.time.Clock clock) {
        this.worker = worker;
        this.dags = dags;
        this.clock = clock;
    }

    /** gRPC status of a rejection. */
    static Status status(ErrorKind kind) {
        return switch (kind) {
            case INVALID_REQUEST -> Status.INVALID_ARGUMENT;
            case UNKNOWN_FUNCTION -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case OVERLOADED, NO_RESOURCES -> Status.RESOURCE_EXHAUSTED;
            case TIMEOUT -> Status.DEADLINE_EXCEEDED;
            case CANCELLED, START_FAILED, UNREACHABLE -> Status.UNAVAILABLE;
            case USER_ERROR, OUT_OF_MEMORY, CONTAINER_FAILED -> Status.ABORTED;
            case FORBIDDEN -> Status.PERMISSION_DENIED;
            case INTERNAL -> Status.INTERNAL;
        };
    }

    private static StatusRuntimeException rejection(RuntimeException e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        if (e instanceof RunNotFinishedException early) {
            Metadata m = trailers(RunNotFinishedException.KIND);
            m.put(Messages.ERROR_FIELD, early.field());
            m.put(Messages.TASKS_FINISHED, Integer.toString(early.finished()));
            m.put(Messages.TASKS, Integer.toString(early.tasks()));
            return Status.FAILED_PRECONDITION.withDescription(early.getMessage()).asRuntimeException(m);
        }
        if (e instanceof WorkerException w) {
            return status(w.kind()).withDescription(w.getMessage()).asRuntimeException(trailers(w.kind()));
        }
        if (e instanceof ValidationException || e instanceof IllegalArgumentException) {
            Metadata m = trailers(ErrorKind.INVALID_REQUEST);
            if (e instanceof ValidationException v) {
                m.put(Messages.ERROR_FIELD, v.field()); // the client throws the same exception back
            }
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException(m);
        }
        return Status.INTERNAL.withDescription("internal error: " + e).withCause(e)
                .asRuntimeException(trailers(ErrorKind.INTERNAL));
    }

    /** gRPC's retry pushback: how long (ms) a client's retry policy waits before it tries again. */
    static final Metadata.Key<String> RETRY_PUSHBACK = Metadata.Key.of("grpc-retry-pushback-ms",
            Metadata.ASCII_STRING_MARSHALLER);

    /** The kinds a client may retry after a while (HTTP answers them 429 or 503 with Retry-After). */
    static final java.util.Set<ErrorKind> RETRY_LATER = java.util.EnumSet.of(ErrorKind.OVERLOADED,
            ErrorKind.START_FAILED, ErrorKind.NO_RESOURCES, ErrorKind.CANCELLED, ErrorKind.UNREACHABLE);

    static Metadata trailers(ErrorKind kind) {
        Metadata m = trailers(kind.name());
        if (RETRY_LATER.contains(kind)) {
            m.put(RETRY_PUSHBACK, "1000");
        }
        return m;
    }

    private static Metadata trailers(String kind) {
        Metadata m = new Metadata();
        m.put(Messages.ERROR_KIND, kind);
        return m;
    }

    private static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
        T reply;
        try {
            reply = call.get();
        } catch (RuntimeException e) {
            out.onError(rejection(e));
            return;
        }
        out.onNext(reply);
        out.onCompleted();
    }

    @Override
    public void ping(PingRequest request, StreamObserver<PingReply> out) {
        out.onNext(PingReply.newBuilder().setPayload(request.getPayload()).build());
        out.onCompleted();
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthReply> out) {
        answer(out, () -> HealthReply.newBuilder().setStatus("ok").setWorker(worker().name()).build());
    }

    @Override
    public void register(RegisterRequest request, StreamObserver<FunctionSpec> out) {
        answer(out, () -> {
            return Messages.spec(worker().register(Messages.spec(request.getSpec())));
        });
    }

    @Override
    public void update(RegisterRequest request, StreamObserver<FunctionSpec> out) {
        answer(out, () -> Messages.spec(worker().update(Messages.spec(request.getSpec()))));
    }

    @Override
    public void unregister(UnregisterRequest request, StreamObserver<UnregisterReply> out) {
        answer(out, () -> {
            worker().unregister(request.getFunctionId());
            return UnregisterReply.newBuilder().setFunctionId(request.getFunctionId()).build();
        });
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListReply> out) {
        answer(out, () -> ListReply.newBuilder().addAllFunctions(worker().functions().stream().map(Messages::spec)
                .toList()).build());
    }

    /**
     * The payload as the HTTP API takes it: blank is none, anything else must pass the shared strict check
     * ({@link JsonText#check}) before the worker sees it, so a bad payload is INVALID_REQUEST, not a USER_ERROR of a
     * function that never ran.
     */
    static String payload(String text) {
        return text.isBlank() ? "" : JsonText.check("payload", text);
    }

    @Override
    public void invoke(InvokeRequest request, StreamObserver<InvokeReply> out) {
        long in = clock.nanoTime();
        WorkerService w = worker(); // the caller's view, also in the callback (another thread: no call context)
        try {
            w.invoke(request.getTid(), request.getFunctionId(), payload(request.getPayload()),
                    TraceHeader.CURRENT.get()).whenComplete((r, e) -> {
                if (e != null) {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    out.onError(rejection(cause instanceof RuntimeException re ? re : new IllegalStateException(cause)));
                    return;
                }
                InvokeReply reply = Messages.reply(Results.checked(r), request.getEnhanced());
                if (request.getAnatomy()) {
                    reply = reply.toBuilder().setAnatomy(Messages.anatomy(w.anatomy(r.tid()), in,
                            clock.nanoTime())).build();
                }
                out.onNext(reply);
                out.onCompleted();
            });
        } catch (RuntimeException e) {
            out.onError(rejection(e));
        }
    }

    @Override
    public void invokeAsync(InvokeRequest request, StreamObserver<InvokeAsyncReply> out) {
        answer(out, () -> InvokeAsyncReply.newBuilder()
                .setId(worker().invokeAsync(request.getTid(), request.getFunctionId(), payload(request.getPayload()),
                        TraceHeader.CURRENT.get()))
                .build());
    }

    @Override
    public void result(ResultRequest request, StreamObserver<ResultReply> out) {
        answer(out, () -> {
            AsyncResult r = worker().result(request.getId());
            ResultReply.Builder b = ResultReply.newBuilder().setId(r.id()).setDone(r.done());
            r.record().ifPresent(rec -> b.setReply(Messages.reply(Results.checked(rec), true)));
            return b.build();
        });
    }

    @Override
    public void prewarm(PrewarmRequest request, StreamObserver<PrewarmReply> out) {
        try {
            // 0 is proto3's "not set": one container, as an HTTP request without a count; else the same check
            int count = request.getCount() == 0 ? 1 : (int) Numbers.integer("count",
                    Integer.toString(request.getCount()), 1, WorkerService.MAX_PREWARM, "containers");
            worker().prewarm(request.getFunctionId(), count).whenComplete((n, e) -> {
                if (e != null) {
                    out.onError(Status.UNAVAILABLE.withDescription("prewarm failed: " + e.getMessage()).asRuntimeException());
                    return;
                }
                out.onNext(PrewarmReply.newBuilder().setStarted(n).build());
                out.onCompleted();
            });
        } catch (RuntimeException e) {
            out.onError(rejection(e));
        }
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusReply> out) {
        answer(out, () -> Messages.status(worker().status()));
    }

    @Override
    public void use(dev.vireo.grpc.v1.UseRequest request, StreamObserver<dev.vireo.grpc.v1.UseReply> out) {
        answer(out, () -> dev.vireo.grpc.v1.UseReply.newBuilder()
                .putAllPolicies(worker().use(request.getPoint(), request.getUse())).build());
    }

    @Override
    public void estimate(dev.vireo.grpc.v1.EstimateRequest request,
            StreamObserver<dev.vireo.grpc.v1.EstimateReply> out) {
        answer(out, () -> {
            if (request.getFunctionId().isEmpty()) {
                throw new dev.vireo.api.model.ValidationException("function_id", "is empty: name a function's id"
                        + " (name-version)");
            }
            return Messages.estimate(worker().estimate(request.getFunctionId()));
        });
    }

    @Override
    public void activations(dev.vireo.grpc.v1.ActivationsRequest request,
            StreamObserver<dev.vireo.grpc.v1.ActivationsReply> out) {
        answer(out, () -> {
            // 0 is proto3's "not set": the default, as an HTTP request without limit; else the same check
            dev.vireo.api.worker.ActivationQuery query;
            try {
                query = dev.vireo.api.worker.ActivationQuery.of(request.getFunctionId(), request.getSince(),
                        request.getUntil(), request.getStatus(), request.getLimit() == 0 ? null
                                : Integer.toString(request.getLimit()));
            } catch (dev.vireo.api.model.ValidationException e) {
                if (!e.field().equals("function")) {
                    throw e;
                }
                throw new dev.vireo.api.model.ValidationException("function_id", e.getMessage()
                        .substring(e.getMessage().indexOf(' ') + 1)); // this API spells it function_id
            }
            var b = dev.vireo.grpc.v1.ActivationsReply.newBuilder();
            worker().activations(query).forEach(r -> b.addActivations(Messages.reply(Results.checked(r), true)));
            return b.build();
        });
    }

    @Override
    public void activation(dev.vireo.grpc.v1.ActivationRequest request, StreamObserver<InvokeReply> out) {
        answer(out, () -> {
            if (request.getId().isEmpty()) {
                throw new dev.vireo.api.model.ValidationException("id", "is empty: name an activation's transaction id");
            }
            return Messages.reply(Results.checked(worker().activation(request.getId())), true);
        });
    }

    @Override
    public void settings(dev.vireo.grpc.v1.SettingsRequest request,
            StreamObserver<dev.vireo.grpc.v1.NodeSettings> out) {
        answer(out, () -> Messages.settings(worker().settings()));
    }

    /** The workflow service, or UNIMPLEMENTED (kind NOT_FOUND, as HTTP's 404) where none runs. */
    /** The node as this call's caller sees it ({@link GrpcApi#CALLER}: a namespace's view), else the node itself. */
    private WorkerService worker() {
        WorkerService view = GrpcApi.CALLER.get();
        return view != null ? view : worker;
    }

    private DagService dags() {
        if (GrpcApi.CALLER.get() instanceof dev.vireo.api.worker.ScopedWorker scoped) {
            throw new WorkerException(ErrorKind.FORBIDDEN, "workflows need the node's own token: they are not in"
                    + " namespaces yet (namespace " + scoped.namespace() + ")");
        }
        DagService d = dags.get();
        if (d == null) {
            throw Status.UNIMPLEMENTED.withDescription("workflows are not served here: " + worker().name() + " has no"
                    + " workflow service (bundle dev.vireo.dag)").asRuntimeException(trailers("NOT_FOUND"));
        }
        return d;
    }

    @Override
    public void submitDag(SubmitDagRequest request, StreamObserver<SubmitDagReply> out) {
        answer(out, () -> {
            DagService d = dags();
            return SubmitDagReply.newBuilder().setRun(d.submit(d.parse(request.getSpec()), request.getResume(),
                    request.getRun())).build();
        });
    }

    @Override
    public void getDag(DagRequest request, StreamObserver<DagStatus> out) {
        answer(out, () -> Messages.dag(request.getOmitRecords() ? dags().summary(request.getRun())
                : dags().status(request.getRun()), !request.getOmitRecords()));
    }

    @Override
    public void getDagResult(DagRequest request, StreamObserver<DagResult> out) {
        answer(out, () -> Messages.result(dags().result(request.getRun())));
    }

    @Override
    public void getDagSpec(DagRequest request, StreamObserver<DagSpec> out) {
        answer(out, () -> DagSpec.newBuilder().setRun(request.getRun()).setSpec(dags().spec(request.getRun())).build());
    }

    @Override
    public void getDagPlan(DagRequest request, StreamObserver<DagPlan> out) {
        answer(out, () -> Messages.plan(dags().plan(request.getRun())));
    }

    @Override
    public void cancelDag(DagRequest request, StreamObserver<DagStatus> out) {
        answer(out, () -> Messages.dag(dags().cancel(request.getRun()), true));
    }

    @Override
    public void deleteDag(DagRequest request, StreamObserver<DeleteDagReply> out) {
        answer(out, () -> {
            dags().delete(request.getRun());
            return DeleteDagReply.newBuilder().setRun(request.getRun()).build();
        });
    }

    @Override
    public void listDags(ListDagsRequest request, StreamObserver<ListDagsReply> out) {
        answer(out, () -> ListDagsReply.newBuilder().addAllRuns(dags().runs().stream()
                .map(s -> Messages.dag(s, false)).toList()).build());
    }

    @Override
    public void runDagChain(dev.vireo.grpc.v1.DagChainRequest request,
            StreamObserver<dev.vireo.grpc.v1.DagChainReply> out) {
        try {
            java.util.concurrent.CompletableFuture<java.util.List<dev.vireo.api.dag.ChainStep>> chain = dags().runChain(
                    request.getLinksList().stream().map(l -> new dev.vireo.api.dag.ChainLink(l.getTid(), l.getTask(),
                            l.getFunctionId(), l.getArgs(), l.getInputsList(), l.getReturned())).toList(),
                    request.getPayload(), request.getMaxOutputBytes()).toCompletableFuture();
            if (out instanceof io.grpc.stub.ServerCallStreamObserver<?> call) {
                call.setOnCancelHandler(() -> chain.cancel(false)); // the caller went away: no further link runs
            }
            chain.whenComplete((steps, e) -> {
                try {
                    if (e != null) {
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        if (!(cause instanceof java.util.concurrent.CancellationException)) {
                            out.onError(rejection(cause instanceof RuntimeException re ? re
                                    : new IllegalStateException(cause)));
                        }
                        return;
                    }
                    dev.vireo.grpc.v1.DagChainReply.Builder b = dev.vireo.grpc.v1.DagChainReply.newBuilder();
                    for (dev.vireo.api.dag.ChainStep st : steps) {
                        // as Invoke answers: a result that cannot be passed on unchanged is the function's error
                        b.addSteps(dev.vireo.grpc.v1.DagChainStep.newBuilder().setTask(st.task())
                                .setReply(Messages.reply(Results.checked(st.record()), true))
                                .setReturned(st.returned()).setOutputBytes(st.outputBytes()));
                    }
                    out.onNext(b.build());
                    out.onCompleted();
                } catch (RuntimeException bug) {
                    out.onError(rejection(bug)); // never leave the caller (who set no deadline) waiting
                }
            });
        } catch (RuntimeException e) {
            out.onError(rejection(e));
        }
    }

    @Override
    public void continueDag(ContinueDagRequest request, StreamObserver<ContinueDagReply> out) {
        answer(out, () -> {
            java.util.List<String> tasks = new java.util.ArrayList<>();
            if (!request.getTask().isEmpty()) {
                tasks.add(request.getTask());
            }
            tasks.addAll(request.getTasksList());
            dags().continueTasks(request.getRun(), tasks, request.getInputsMap());
            return ContinueDagReply.getDefaultInstance();
        });
    }
}
