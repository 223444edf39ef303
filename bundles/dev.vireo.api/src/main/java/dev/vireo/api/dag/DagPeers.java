package dev.vireo.api.dag;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The other nodes of the cluster that run workflows, as this node knows them: a node that continues a run kept in a
 * shared store ({@link dev.vireo.api.spi.dag.DagStore#shared()}) may hand a ready task to one of them instead of
 * running it itself, so that a fan-out spreads over the workers and no node is on every task's path. Registered by
 * the front end that knows the cluster (a worker learns its peers from the controller it joined; a controller knows
 * its members); absent on a node alone.
 *
 * <p>Threading: safe from any thread; {@link #start} never blocks.
 */
@ProviderType
public interface DagPeers {
    /** The workers a task may be handed to now (in service, with a workflow service), by name; never this node. */
    List<String> peers();

    /**
     * Asks worker {@code peer} to start tasks of run {@code run} ({@link DagService#continueTask} for each), in one
     * request; the stage fails if the peer cannot be reached or refuses, and the caller then runs them itself.
     */
    CompletionStage<Void> start(String peer, String run, List<String> tasks);

    /**
     * {@link #start(String, String, List)} with outputs of their inputs carried inline
     * ({@link DagService#continueTasks}): the peer reads those from the request, not from the store.
     *
     * @since 1.4
     */
    default CompletionStage<Void> start(String peer, String run, List<String> tasks,
            java.util.Map<String, String> inputs) {
        return start(peer, run, tasks);
    }

    /**
     * The workflow service of worker {@code peer}, reached over the network: a controller whose store keeps runs in
     * a node's memory runs each workflow on one of its workers through it. Its methods fail as the peer's own do
     * (the same exceptions); with a WorkerException UNREACHABLE when the peer cannot be reached or is not a peer.
     *
     * @since 1.3
     */
    DagService service(String peer);

    /**
     * The worker service of {@code peer}, reached over the network: a worker running a workflow invokes a ready task
     * there when it has no room for it itself. Invocations fail with UNREACHABLE when the peer cannot be reached or
     * is not a peer.
     *
     * @since 1.3
     */
    dev.vireo.api.worker.WorkerService worker(String peer);

    /**
     * Runs a chain of a run's tasks on worker {@code peer} in one request ({@link DagService#runChain} there): the
     * stage fails as an invocation there would (UNREACHABLE when the peer cannot be reached), and with an
     * {@link UnsupportedOperationException} when the peer (or this implementation, the default) runs no chains: the
     * caller then sends the tasks one by one.
     *
     * @since 1.5
     */
    default CompletionStage<List<ChainStep>> chain(String peer, List<ChainLink> links, String payload,
            int maxOutputBytes) {
        return java.util.concurrent.CompletableFuture.failedFuture(new UnsupportedOperationException(
                "chains are not sent to peers from here"));
    }

    /** {@link #start(String, String, List)} for one task. */
    default CompletionStage<Void> start(String peer, String run, String task) {
        return start(peer, run, List.of(task));
    }
}
