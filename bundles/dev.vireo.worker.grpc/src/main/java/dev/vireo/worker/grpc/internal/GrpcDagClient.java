package dev.vireo.worker.grpc.internal;

import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.Workflow;
import dev.vireo.grpc.v1.ContinueDagRequest;
import dev.vireo.grpc.v1.DagPlan;
import dev.vireo.grpc.v1.DagRequest;
import dev.vireo.grpc.v1.DagResult;
import dev.vireo.grpc.v1.ListDagsRequest;
import dev.vireo.grpc.v1.SubmitDagRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link DagService} of a peer ({@link dev.vireo.api.dag.DagPeers#service}), each method one blocking rpc of its
 * gRPC API (docs/api.md "Workflows") on the channel {@link GrpcDagPeers} keeps to it, made outside any call's context
 * and without a bearer token. The peer is looked up on every call, so one that moved is followed and one that left
 * fails. Failures are the peer's own exceptions ({@link GrpcRemoteWorker#refusal}): a ValidationException with its
 * field and message, a {@link RunNotFinishedException} with its counts, a WorkerException of its kind
 * (UNKNOWN_FUNCTION for an unknown run); UNREACHABLE when the peer is not one, cannot be reached or does not answer in
 * time. {@link #parse} needs no peer: it reads the spec with this node's own workflow service, as the peer would.
 *
 * <p>Threading: safe from any thread; every method but {@link #parse} blocks until the peer answers or its deadline
 * passes.
 */
final class GrpcDagClient implements DagService {
    /** Calls whose answer is small: a summary, a task started. */
    static final long CONTROL_DEADLINE_MS = 5_000;
    /** Calls whose request or answer grows with the run (a spec, a plan, all records, the outputs, the runs). */
    static final long BULK_DEADLINE_MS = 30_000;

    private final Supplier<GrpcRemoteWorker> peer;
    private final Supplier<DagService> local;

    /**
     * @param peer  the peer's channel now; throws the WorkerException that says why there is none
     * @param local this node's workflow service, for {@link #parse}; throws when there is none
     */
    GrpcDagClient(Supplier<GrpcRemoteWorker> peer, Supplier<DagService> local) {
        this.peer = peer;
        this.local = local;
    }

    private static DagRequest request(String run, boolean omitRecords) {
        return DagRequest.newBuilder().setRun(run).setOmitRecords(omitRecords).build();
    }

    /** {@code call} on the peer within {@code deadlineMs}; {@code run}: the run it is about, for a refusal naming it. */
    private <T> T call(long deadlineMs, String run, Function<WorkerGrpc.WorkerBlockingStub, T> call) {
        GrpcRemoteWorker node = peer.get();
        try {
            return GrpcRemoteWorker.detached(() -> call.apply(node.blocking(deadlineMs)));
        } catch (RuntimeException e) {
            RunNotFinishedException early = notFinished(run, e);
            throw early != null ? early : node.refusal(e);
        }
    }

    /** The RunNotFinishedException a result asked for too early stands for; null for any other failure. */
    private RunNotFinishedException notFinished(String run, RuntimeException e) {
        Metadata trailers = e instanceof StatusRuntimeException s ? s.getTrailers() : null;
        if (trailers == null || !RunNotFinishedException.KIND.equals(trailers.get(Messages.ERROR_KIND))) {
            return null;
        }
        String finished = trailers.get(Messages.TASKS_FINISHED);
        String tasks = trailers.get(Messages.TASKS);
        if (finished != null && tasks != null) {
            try {
                return new RunNotFinishedException(run, Integer.parseInt(finished), Integer.parseInt(tasks));
            } catch (NumberFormatException bad) {
                // not what this side writes: ask, as below
            }
        }
        RunStatus now = summary(run); // a peer that does not say how far the run is: ask it
        return new RunNotFinishedException(run, now.finished(), now.tasks());
    }

    @Override
    public Workflow parse(String specJson) {
        return local.get().parse(specJson);
    }

    @Override
    public String submit(Workflow workflow, String resume, String run) {
        SubmitDagRequest request = SubmitDagRequest.newBuilder().setSpec(workflow.spec()).setResume(resume)
                .setRun(run).build();
        return call(BULK_DEADLINE_MS, run, s -> s.submitDag(request)).getRun();
    }

    @Override
    public RunStatus status(String run) {
        return Messages.dag(call(BULK_DEADLINE_MS, run, s -> s.getDag(request(run, false))));
    }

    @Override
    public void continueTask(String run, String task) {
        call(CONTROL_DEADLINE_MS, run, s -> s.continueDag(ContinueDagRequest.newBuilder().setRun(run).setTask(task)
                .build()));
    }

    @Override
    public void continueTasks(String run, java.util.List<String> tasks, java.util.Map<String, String> inputs) {
        call(CONTROL_DEADLINE_MS, run, s -> s.continueDag(ContinueDagRequest.newBuilder().setRun(run).addAllTasks(tasks)
                .putAllInputs(inputs).build()));
    }

    @Override
    public RunStatus summary(String run) {
        return Messages.dag(call(CONTROL_DEADLINE_MS, run, s -> s.getDag(request(run, true))));
    }

    @Override
    public String spec(String run) {
        return call(BULK_DEADLINE_MS, run, s -> s.getDagSpec(request(run, false))).getSpec();
    }

    @Override
    public RunPlan plan(String run) {
        DagPlan plan = call(BULK_DEADLINE_MS, run, s -> s.getDagPlan(request(run, false)));
        return Messages.plan(plan);
    }

    @Override
    public RunResult result(String run) {
        DagResult result = call(BULK_DEADLINE_MS, run, s -> s.getDagResult(request(run, false)));
        return Messages.result(result);
    }

    @Override
    public RunStatus cancel(String run) {
        return Messages.dag(call(BULK_DEADLINE_MS, run, s -> s.cancelDag(request(run, false))));
    }

    @Override
    public void delete(String run) {
        call(BULK_DEADLINE_MS, run, s -> s.deleteDag(request(run, false)));
    }

    @Override
    public List<RunStatus> runs() {
        return call(BULK_DEADLINE_MS, "", s -> s.listDags(ListDagsRequest.getDefaultInstance())).getRunsList().stream()
                .map(Messages::dag).toList();
    }
}
