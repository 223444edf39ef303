package dev.vireo.sim;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The simulated nodes' {@link DagPeers} and {@link ClusterMembers}, as the gRPC bundle and the worker's join provide
 * them live: the peers are the controller's healthy members other than the asking node; a peer's workflow service is
 * its node's own (called directly), its worker service is reached through the {@link InProcessConnector} (with the
 * simulated network latency), a hand-off is {@code continueTask} on the peer, and a chain its {@code runChain}
 * (with the latency too). So a workflow is placed, spread
 * and recovered in the simulation as it is live. One instance per node; the workflow services are filled in as the
 * nodes boot.
 *
 * <p>Threading: confined to the simulation's event loop.
 */
final class InProcessDagPeers implements DagPeers, ClusterMembers {
    private final String self;
    private final Supplier<ClusterMembers> controller;
    private final Map<String, DagService> services;
    private final Supplier<WorkerConnector> connector;

    /**
     * @param self       the node this instance serves (never its own peer)
     * @param controller the controller's membership, once it is up (null before)
     * @param services   every worker's workflow service by name, filled as they boot
     * @param connector  how the controller reaches workers (the same for worker to worker), once they are up
     */
    InProcessDagPeers(String self, Supplier<ClusterMembers> controller, Map<String, DagService> services,
            Supplier<WorkerConnector> connector) {
        this.self = self;
        this.controller = controller;
        this.services = services;
        this.connector = connector;
    }

    /** A map for {@code services}: shared by every node's instance. */
    static Map<String, DagService> registry() {
        return new ConcurrentHashMap<>();
    }

    @Override
    public List<WorkerMember> members() {
        ClusterMembers c = controller.get();
        return c == null ? List.of() : c.members();
    }

    @Override
    public List<String> peers() {
        return members().stream().filter(m -> m.healthy() && !m.name().equals(self)
                && services.containsKey(m.name())).map(WorkerMember::name).toList();
    }

    @Override
    public CompletionStage<Void> start(String peer, String run, List<String> tasks) {
        return start(peer, run, tasks, java.util.Map.of());
    }

    @Override
    public CompletionStage<Void> start(String peer, String run, List<String> tasks,
            java.util.Map<String, String> inputs) {
        try {
            service(peer).continueTasks(run, tasks, inputs);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The peer's {@link DagService#runChain}, across the simulated network (its latency each way). */
    @Override
    public CompletionStage<List<dev.vireo.api.dag.ChainStep>> chain(String peer,
            List<dev.vireo.api.dag.ChainLink> links, String payload, int maxOutputBytes) {
        try {
            DagService s = service(peer);
            return connector.get() instanceof InProcessConnector c
                    ? c.across(() -> s.runChain(links, payload, maxOutputBytes))
                    : s.runChain(links, payload, maxOutputBytes);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public DagService service(String peer) {
        DagService s = peers().contains(peer) ? services.get(peer) : null;
        if (s == null) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "'" + peer + "' is not a peer of " + self + " (peers: "
                    + String.join(", ", peers()) + ")");
        }
        return s;
    }

    @Override
    public WorkerService worker(String peer) {
        service(peer); // a peer, in service
        return connector.get().connect(InProcessConnector.SCHEME + peer);
    }
}
