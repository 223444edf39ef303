package dev.vireo.worker.grpc.internal;

import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Routing;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerStatus;
import dev.vireo.grpc.v1.DagPlan;
import dev.vireo.grpc.v1.DagPlanStep;
import dev.vireo.grpc.v1.DagResult;
import dev.vireo.grpc.v1.DagStatus;
import dev.vireo.grpc.v1.ErrorInfo;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.FunctionStats;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.StatusReply;
import dev.vireo.grpc.v1.TaskCounts;
import dev.vireo.grpc.v1.Timings;
import io.grpc.Metadata;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Conversions between the API's value types and the gRPC messages, both ways (server and client share them). */
final class Messages {
    /** Trailer naming the {@link ErrorKind} of a rejection, so a client gets the same kind back. */
    static final Metadata.Key<String> ERROR_KIND = Metadata.Key.of("vireo-error-kind", Metadata.ASCII_STRING_MARSHALLER);
    /**
     * Trailer naming the field of a rejection that was a {@link ValidationException} (whose message, the status's
     * description, starts with {@code field: }), so a client throws the same exception back.
     */
    static final Metadata.Key<String> ERROR_FIELD = Metadata.Key.of("vireo-error-field",
            Metadata.ASCII_STRING_MARSHALLER);
    /** Trailers of a result asked for too early ({@link RunNotFinishedException}): tasks done, and in all. */
    static final Metadata.Key<String> TASKS_FINISHED = Metadata.Key.of("vireo-tasks-finished",
            Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> TASKS = Metadata.Key.of("vireo-tasks", Metadata.ASCII_STRING_MARSHALLER);

    private Messages() {
    }

    /** A spec as replies carry it: the secrets' names only. */
    static FunctionSpec spec(dev.vireo.api.model.FunctionSpec s) {
        return builder(s).addAllSecretNames(s.config().secrets().keySet()).build();
    }

    /** A spec as a registration request carries it: with the secrets' values (a client's, a controller's). */
    static FunctionSpec request(dev.vireo.api.model.FunctionSpec s) {
        return builder(s).putAllSecrets(s.config().secrets()).build();
    }

    private static FunctionSpec.Builder builder(dev.vireo.api.model.FunctionSpec s) {
        return FunctionSpec.newBuilder().putAllEnv(s.config().env()).setParameters(s.config().parameters()).setId(s.id()).setName(s.name()).setVersion(s.version()).setImage(s.image())
                .setCode(s.codeDir()).setHandler(s.handler()).setBackend(s.backend())
                .setCompute(s.compute().name().toLowerCase(Locale.ROOT)).setTransport(s.transport())
                .setMemoryMb(s.memoryMb()).setCpus(s.cpus()).setTimeoutMs(s.timeout().toMillis())
                .setConcurrency(s.concurrency()).setExpectedColdStartMs(s.expected().coldStartMs())
                .setExpectedWarmMs(s.expected().warmMs()).setScratchMb(s.scratchMb()).setNamespace(s.namespace());
    }

    /** A registration message as the API's spec; absent fields take the documented defaults. */
    static dev.vireo.api.model.FunctionSpec spec(FunctionSpec s) {
        return new dev.vireo.api.model.FunctionSpec(s.getName(),
                s.getVersion().isEmpty() ? "1" : s.getVersion(), s.getImage(), s.getCode(), s.getHandler(),
                s.getBackend(), Compute.parse(s.getCompute().isEmpty() ? "cpu" : s.getCompute()),
                s.getTransport().isEmpty() ? "uds" : s.getTransport(), s.getMemoryMb() == 0 ? 128 : s.getMemoryMb(),
                s.getCpus() == 0 ? 1 : s.getCpus(),
                Duration.ofMillis(s.getTimeoutMs() == 0 ? 60_000 : s.getTimeoutMs()),
                s.getConcurrency() == 0 ? 1 : s.getConcurrency(),
                new ExpectedTimings(s.getExpectedColdStartMs(), s.getExpectedWarmMs()),
                s.getScratchMb() == 0 ? dev.vireo.api.model.FunctionSpec.DEFAULT_SCRATCH_MB : s.getScratchMb(),
                new dev.vireo.api.model.FunctionConfig(s.getEnvMap(), s.getParameters(), secrets(s)), s.getNamespace());
    }

    /**
     * A message's secrets: a request's with their values; a reply's (which names them only, in secret_names) with
     * empty values, so that what the node answered can be compared by name. Never push such a spec anywhere.
     */
    private static Map<String, String> secrets(FunctionSpec s) {
        if (s.getSecretsCount() > 0 || s.getSecretNamesCount() == 0) {
            return s.getSecretsMap();
        }
        Map<String, String> named = new java.util.TreeMap<>();
        s.getSecretNamesList().forEach(n -> named.put(n, ""));
        return named;
    }

    /**
     * An invocation's hops with the gRPC service's own two ({@code in}, {@code out}); only those two when the worker
     * does not know it, or what it knows is an earlier invocation with the same tid (it arrived before this call).
     */
    static dev.vireo.grpc.v1.Anatomy anatomy(java.util.Optional<dev.vireo.api.worker.InvocationAnatomy> known,
            long in, long out) {
        dev.vireo.grpc.v1.Anatomy.Builder b = dev.vireo.grpc.v1.Anatomy.newBuilder().setGrpcInNs(in).setGrpcOutNs(out);
        known.filter(a -> a.arrivalNs() >= in).ifPresent(a -> b.setArrivalNs(a.arrivalNs())
                .setDequeuedNs(a.dequeuedNs()).setAcquiredNs(a.acquiredNs()).setStartedNs(a.startedNs())
                .setSentNs(a.sentNs()).setWriteNs(a.writeNs()).setAgentInNs(a.agentInNs())
                .setAgentOutNs(a.agentOutNs()).setReadNs(a.readNs()).setDoneNs(a.doneNs())
                .setRecordedNs(a.recordedNs()));
        return b.build();
    }

    static InvokeReply reply(InvocationRecord r, boolean enhanced) {
        InvokeReply.Builder b = InvokeReply.newBuilder().setTid(r.tid()).setSuccess(r.success()).setResult(r.result());
        r.error().ifPresent(e -> b.setError(ErrorInfo.newBuilder().setKind(e.kind().name()).setMessage(e.message())
                .setDetail(e.detail())));
        if (enhanced) {
            var t = r.timings();
            Timings.Builder timings = Timings.newBuilder().setQueuedUs(t.queuedUs()).setAcquireUs(t.acquireUs())
                    .setColdStartUs(t.coldStartUs()).setTransportUs(t.transportUs())
                    .setExecutionUs(t.executionUs()).setE2EUs(t.e2eUs()).setOverheadUs(t.overheadUs());
            if (t.cpuWaitMeasured()) {
                timings.setCpuWaitUs(t.cpuWaitUs());
            }
            if (t.cpuTimeUs() >= 0) {
                timings.setCpuTimeUs(t.cpuTimeUs());
            }
            if (t.energyUj() >= 0) {
                timings.setEnergyUj(t.energyUj());
            }
            var rec = dev.vireo.grpc.v1.InvocationRecord.newBuilder().setTid(r.tid()).setFunctionId(r.functionId())
                    .setWorker(r.worker()).setBackend(r.backend())
                    .setState(r.state().map(s -> s.name().toLowerCase(Locale.ROOT)).orElse(""))
                    .setArrival(r.arrival().toString())
                    .setTimings(timings);
            r.routing().ifPresent(g -> rec.setRouting(dev.vireo.grpc.v1.Routing.newBuilder()
                    .setController(g.controller()).setAttempts(g.attempts()).setPickUs(g.pickUs())
                    .setForwardUs(g.forwardUs()).setE2EUs(g.e2eUs())));
            if (!r.output().isEmpty()) {
                rec.setOutput(dev.vireo.grpc.v1.Output.newBuilder().setStdout(r.output().stdout())
                        .setStderr(r.output().stderr()).setTruncated(r.output().truncated()));
            }
            b.setRecord(rec);
        }
        return b.build();
    }

    /** An enhanced reply back into a record (the client side of {@link #reply}). */
    static InvocationRecord record(InvokeReply reply) {
        var r = reply.getRecord();
        var t = r.getTimings();
        Optional<InvocationError> error = reply.hasError()
                ? Optional.of(new InvocationError(kind(reply.getError().getKind()), reply.getError().getMessage(),
                        reply.getError().getDetail()))
                : Optional.empty();
        Optional<ContainerState> state = r.getState().isEmpty() ? Optional.empty()
                : Optional.of(ContainerState.valueOf(r.getState().toUpperCase(Locale.ROOT)));
        Optional<Routing> routing = r.hasRouting()
                ? Optional.of(new Routing(r.getRouting().getController(), r.getRouting().getAttempts(),
                        r.getRouting().getPickUs(), r.getRouting().getForwardUs(), r.getRouting().getE2EUs()))
                : Optional.empty();
        Output output = r.hasOutput()
                ? new Output(r.getOutput().getStdout(), r.getOutput().getStderr(), r.getOutput().getTruncated())
                : Output.NONE;
        return new InvocationRecord(reply.getTid(), r.getFunctionId(), r.getWorker(), r.getBackend(), state,
                r.getArrival().isEmpty() ? Instant.EPOCH : Instant.parse(r.getArrival()),
                new dev.vireo.api.model.Timings(t.getQueuedUs(), t.getAcquireUs(), t.getColdStartUs(),
                        t.getTransportUs(), t.getExecutionUs(), t.getE2EUs(),
                        t.hasCpuWaitUs() ? t.getCpuWaitUs() : dev.vireo.api.model.Timings.NOT_MEASURED,
                        t.hasCpuTimeUs() ? t.getCpuTimeUs() : dev.vireo.api.model.Timings.NOT_MEASURED,
                        t.hasEnergyUj() ? t.getEnergyUj() : dev.vireo.api.model.Timings.NOT_MEASURED),
                reply.getResult(), error, routing, output);
    }

    static ErrorKind kind(String name) {
        try {
            return ErrorKind.valueOf(name);
        } catch (IllegalArgumentException e) {
            return ErrorKind.INTERNAL;
        }
    }

    static dev.vireo.grpc.v1.NodeSettings settings(dev.vireo.api.worker.NodeSettings s) {
        var b = dev.vireo.grpc.v1.NodeSettings.newBuilder().setNode(s.node()).setRole(s.role());
        s.configuration().forEach((pid, values) -> b.putConfiguration(pid,
                dev.vireo.grpc.v1.PidSettings.newBuilder().putAllValues(values).build()));
        s.workers().forEach(w -> b.addWorkers(settings(w)));
        b.putAllPolicies(s.policies()).putAllCapacities(s.capacities());
        return b.build();
    }

    static dev.vireo.api.worker.NodeSettings settings(dev.vireo.grpc.v1.NodeSettings s) {
        Map<String, Map<String, String>> configuration = new HashMap<>();
        s.getConfigurationMap().forEach((pid, values) -> configuration.put(pid, values.getValuesMap()));
        return new dev.vireo.api.worker.NodeSettings(s.getNode(), s.getRole(), configuration, s.getPoliciesMap(),
                s.getCapacitiesMap(), s.getWorkersList().stream().map(Messages::settings).toList());
    }

    static StatusReply status(WorkerStatus s) {
        StatusReply.Builder b = StatusReply.newBuilder().setWorker(s.name()).setQueued(s.queued())
                .setQueueCapacity(s.queueCapacity()).setRunning(s.running()).setFunctions(s.functions())
                .setContainersRunning(s.containersRunning()).setContainersCached(s.containersIdle())
                .setMemoryRunningMb(s.memoryRunningMb()).setMemoryCachedMb(s.memoryCachedMb())
                .setMemoryRunningUsedMb(s.memoryRunningUsedMb()).setMemoryCachedUsedMb(s.memoryCachedUsedMb())
                .setMemoryLimitMb(s.memoryLimitMb()).putAllBackends(s.backends()).putAllPolicies(s.policies());
        s.resources().forEach(u -> b.addResources(dev.vireo.grpc.v1.ResourceUsage.newBuilder().setResource(u.resource())
                .setUnit(u.unit()).setCapacity(u.capacity()).setUsed(u.used())));
        s.stats().forEach((id, f) -> {
            FunctionStats.Builder fs = FunctionStats.newBuilder().setInvocations(f.invocations())
                    .setColdStartUs(f.coldStartUs()).setWarmUs(f.warmUs()).setExecutionUs(f.executionUs())
                    .setE2EUs(f.e2eUs()).setInterArrivalUs(f.interArrivalUs()).setMemoryMb(f.memoryMb())
                    .setContainers(f.containers());
            if (f.cpuWaitUs() >= 0) {
                fs.setCpuWaitUs(f.cpuWaitUs());
            }
            b.putStats(id, fs.build());
        });
        return b.build();
    }

    static WorkerStatus status(StatusReply s) {
        Map<String, dev.vireo.api.model.FunctionStats> stats = new HashMap<>();
        s.getStatsMap().forEach((id, f) -> stats.put(id, new dev.vireo.api.model.FunctionStats(f.getInvocations(),
                f.getColdStartUs(), f.getWarmUs(), f.getExecutionUs(), f.getE2EUs(), f.getInterArrivalUs(),
                f.getMemoryMb(), 0, f.hasCpuWaitUs() ? f.getCpuWaitUs() : dev.vireo.api.model.Timings.NOT_MEASURED,
                f.getContainers())));
        return new WorkerStatus(s.getWorker(), s.getQueued(), s.getQueueCapacity(), s.getRunning(), s.getFunctions(),
                s.getContainersRunning(), s.getContainersCached(), s.getMemoryRunningMb(), s.getMemoryCachedMb(),
                s.getMemoryRunningUsedMb(), s.getMemoryCachedUsedMb(), s.getMemoryLimitMb(), s.getBackendsMap(),
                s.getPoliciesMap(), s.getResourcesList().stream().map(u -> new ResourceUsage(u.getResource(),
                        u.getUnit(), u.getCapacity(), u.getUsed(), Map.of())).toList(), stats);
    }

    /** A run as the API shows it (the fields of HTTP's JSON); {@code records} false for a listing. */
    static DagStatus dag(RunStatus s, boolean records) {
        Map<TaskState, Integer> c = s.counts();
        DagStatus.Builder b = DagStatus.newBuilder().setRun(s.run()).setName(s.name()).setState(lower(s.state()))
                .setSubmitted(s.submitted().toString()).setElapsedUs(s.elapsedUs()).setTasks(s.tasks())
                .setFinished(s.finished()).setCounts(TaskCounts.newBuilder()
                        .setWaiting(c.getOrDefault(TaskState.WAITING, 0))
                        .setRunning(c.getOrDefault(TaskState.RUNNING, 0))
                        .setSucceeded(c.getOrDefault(TaskState.SUCCEEDED, 0))
                        .setFailed(c.getOrDefault(TaskState.FAILED, 0))
                        .setSkipped(c.getOrDefault(TaskState.SKIPPED, 0))
                        .setCancelled(c.getOrDefault(TaskState.CANCELLED, 0)))
                .setFailure(s.failure().orElse(""));
        if (records) {
            s.records().forEach(r -> b.addRecords(task(r)));
        }
        return b.build();
    }

    static dev.vireo.grpc.v1.TaskRecord task(dev.vireo.api.dag.TaskRecord r) {
        dev.vireo.grpc.v1.TaskRecord.Builder b = dev.vireo.grpc.v1.TaskRecord.newBuilder().setTask(r.task())
                .setFunctionId(r.functionId()).setState(lower(r.state())).setWorker(r.worker())
                .setContainer(r.container()).setAttempts(r.attempts()).setItems(r.items()).setStartUs(r.startUs())
                .setEndUs(r.endUs()).setQueuedUs(r.queuedUs()).setInputUs(r.inputUs())
                .setExecutionUs(r.executionUs()).setOutputUs(r.outputUs()).setBytesIn(r.bytesIn())
                .setBytesOut(r.bytesOut());
        r.error().ifPresent(e -> b.setError(ErrorInfo.newBuilder().setKind(e.kind().name()).setMessage(e.message())
                .setDetail(e.detail())));
        return b.build();
    }

    /**
     * A finished run's outputs, each the text its function returned. One that is not strict JSON is refused as the
     * function's error (USER_ERROR naming the task), as over HTTP, where it could not be embedded unchanged.
     */
    static DagResult result(RunResult r) {
        DagResult.Builder b = DagResult.newBuilder().setRun(r.run()).setState(lower(r.state()));
        r.outputs().forEach((task, output) -> {
            try {
                JsonText.check("output", output);
            } catch (ValidationException bad) {
                throw new WorkerException(ErrorKind.USER_ERROR, "task '" + task + "' returned an output that cannot"
                        + " be passed on unchanged: " + bad.getMessage());
            }
            b.putOutputs(task, output);
        });
        return b.build();
    }

    /** A run's status back from its message (the client side of {@link #dag(RunStatus, boolean)}). */
    static RunStatus dag(DagStatus s) {
        TaskCounts c = s.getCounts();
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        counts.put(TaskState.WAITING, c.getWaiting());
        counts.put(TaskState.RUNNING, c.getRunning());
        counts.put(TaskState.SUCCEEDED, c.getSucceeded());
        counts.put(TaskState.FAILED, c.getFailed());
        counts.put(TaskState.SKIPPED, c.getSkipped());
        counts.put(TaskState.CANCELLED, c.getCancelled());
        return new RunStatus(s.getRun(), s.getName(), state(RunState.class, s.getState()),
                s.getSubmitted().isEmpty() ? Instant.EPOCH : Instant.parse(s.getSubmitted()), s.getElapsedUs(), counts,
                s.getRecordsList().stream().map(Messages::task).toList(),
                s.getFailure().isEmpty() ? Optional.empty() : Optional.of(s.getFailure()));
    }

    /** A task's record back from its message. */
    static dev.vireo.api.dag.TaskRecord task(dev.vireo.grpc.v1.TaskRecord r) {
        Optional<InvocationError> error = r.hasError() ? Optional.of(new InvocationError(kind(r.getError().getKind()),
                r.getError().getMessage(), r.getError().getDetail())) : Optional.empty();
        return new dev.vireo.api.dag.TaskRecord(r.getTask(), r.getFunctionId(), state(TaskState.class, r.getState()),
                r.getWorker(), r.getContainer(), r.getAttempts(), r.getItems(), r.getStartUs(), r.getEndUs(),
                r.getQueuedUs(), r.getInputUs(), r.getExecutionUs(), r.getOutputUs(), r.getBytesIn(), r.getBytesOut(),
                error);
    }

    /** A run's result back from its message: the outputs in the order they came (protobuf keeps it). */
    static RunResult result(DagResult r) {
        return new RunResult(r.getRun(), state(RunState.class, r.getState()), r.getOutputsMap());
    }

    /** A run's plan as the API shows it (the fields of HTTP's JSON of {@code GET /dags/{run}/plan}). */
    static DagPlan plan(RunPlan p) {
        DagPlan.Builder b = DagPlan.newBuilder().setRun(p.run()).setPlanner(p.planner()).setSla(p.sla()).setHome(p.home())
                .setPredictedMakespanUs(p.predictedMakespanUs());
        for (RunPlan.Step st : p.steps()) {
            b.addSteps(DagPlanStep.newBuilder().setTask(st.task()).setWorker(st.worker()).setGroup(st.group())
                    .setPrewarm(st.prewarm()).setPriority(st.priority()).setStartUs(st.startUs())
                    .setFinishUs(st.finishUs()));
        }
        return b.build();
    }

    /** A run's plan back from its message (the client side of {@link #plan(RunPlan)}). */
    static RunPlan plan(DagPlan p) {
        return new RunPlan(p.getRun(), p.getPlanner(), p.getSla(), p.getHome(), p.getPredictedMakespanUs(), p.getStepsList().stream()
                .map(st -> new RunPlan.Step(st.getTask(), st.getWorker(), st.getGroup(), st.getPrewarm(),
                        st.getPriority(), st.getStartUs(), st.getFinishUs())).toList());
    }

    /** The state {@code name} (lower case) names; one this side does not know is the peer's bug (INTERNAL). */
    private static <E extends Enum<E>> E state(Class<E> type, String name) {
        try {
            return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new WorkerException(ErrorKind.INTERNAL, "the peer answered " + type.getSimpleName() + " '" + name
                    + "', which is not one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static dev.vireo.grpc.v1.EstimateReply estimate(dev.vireo.api.worker.Estimate e) {
        return dev.vireo.grpc.v1.EstimateReply.newBuilder().setFunctionId(e.functionId()).setWorker(e.worker())
                .setState(e.state().name().toLowerCase(Locale.ROOT)).setQueueUs(e.queueUs())
                .setColdStartUs(e.coldStartUs()).setExecutionUs(e.executionUs()).setE2EUs(e.e2eUs())
                .setAhead(e.ahead()).setRunning(e.running()).build();
    }

    static dev.vireo.api.worker.Estimate estimate(dev.vireo.grpc.v1.EstimateReply r) {
        return new dev.vireo.api.worker.Estimate(r.getFunctionId(), r.getWorker(),
                state(ContainerState.class, r.getState()), r.getQueueUs(), r.getColdStartUs(), r.getExecutionUs(),
                r.getE2EUs(), r.getAhead(), r.getRunning());
    }
}
