package dev.vireo.worker.grpc.internal;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The {@link DagPeers} of a node in a cluster: the healthy workers its {@link ClusterMembers} lists (on a controller
 * its own membership; on a worker what its controller lists), less this node. A task is handed to one by rpc
 * ContinueDag on a channel kept per address: made on first use, closed when its address is no longer listed or when
 * the component stops. A peer's workflow and worker services ({@link #service}, {@link #worker}) go over the same
 * channels. Absent where no ClusterMembers is registered (a node alone).
 *
 * <p>Threading: safe from any thread; {@link #start} does not block (the channel connects lazily, the call is
 * asynchronous).
 */
@Component(service = DagPeers.class, configurationPid = "vireo.worker.grpc")
public final class GrpcDagPeers implements DagPeers {
    private final ClusterMembers cluster;
    private final WorkerService node;
    private final TaskScheduler scheduler;
    /** The bearer token presented to the peers (client.token, else auth.token). */
    private volatile String token;
    private volatile io.grpc.netty.shaded.io.netty.handler.ssl.SslContext tls;
    /** Guarded by itself: the channel to each peer address. */
    private final Map<String, GrpcRemoteWorker> channels = new HashMap<>();
    /** Guarded by {@link #channels}. */
    private boolean closed;
    /** This node's workflow service, when one is here. */
    private volatile DagService dags;

    /**
     * @param cluster   the members, as this node knows them
     * @param node      this node's worker service, for its name (never a peer of itself)
     * @param scheduler what the gRPC client runs on
     */
    @Activate
    public GrpcDagPeers(@Reference ClusterMembers cluster, @Reference WorkerService node,
            @Reference TaskScheduler scheduler, GrpcApi.Config config) {
        this.token = GrpcWorkerConnector.clientToken(config);
        this.tls = Tls.client(config);
        this.cluster = cluster;
        this.node = node;
        this.scheduler = scheduler;
    }

    /** A changed configuration: every call to a peer from now on presents the new token. */
    @org.osgi.service.component.annotations.Modified
    void modified(GrpcApi.Config config) {
        var next = Tls.client(config); // a bad file changes nothing
        token = GrpcWorkerConnector.clientToken(config);
        tls = next; // connections made from now on
    }

    /** Peers reached without a token. */
    GrpcDagPeers(ClusterMembers cluster, WorkerService node, TaskScheduler scheduler) {
        this.token = "";
        this.cluster = cluster;
        this.node = node;
        this.scheduler = scheduler;
    }

    @Override
    public List<String> peers() {
        String self = node.name();
        return cluster.members().stream().filter(m -> m.healthy() && !m.name().equals(self)).map(WorkerMember::name)
                .toList();
    }

    @Override
    public CompletionStage<Void> start(String peer, String run, List<String> tasks) {
        return start(peer, run, tasks, java.util.Map.of());
    }

    @Override
    public CompletionStage<Void> start(String peer, String run, List<String> tasks,
            java.util.Map<String, String> inputs) {
        try {
            GrpcRemoteWorker remote = remote(peer, ErrorKind.INVALID_REQUEST);
            // a hand-off is often made while this node answers a ContinueDag of its own (a task continued here
            // finished and made others ready)
            return GrpcRemoteWorker.detached(() -> remote.continueTasks(run, tasks, inputs));
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(e);
        }
    }

    @Override
    public CompletionStage<List<dev.vireo.api.dag.ChainStep>> chain(String peer,
            List<dev.vireo.api.dag.ChainLink> links, String payload, int maxOutputBytes) {
        try {
            GrpcRemoteWorker remote = remote(peer, ErrorKind.UNREACHABLE);
            return GrpcRemoteWorker.detached(() -> remote.chain(links, payload, maxOutputBytes));
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(e);
        }
    }

    /** A {@link GrpcDagClient} to the peer as the members list it at each call; UNREACHABLE if it is not a peer. */
    @Override
    public DagService service(String peer) {
        return new GrpcDagClient(() -> remote(peer, ErrorKind.UNREACHABLE), this::local);
    }

    /** A {@link PeerWorker} to the peer as the members list it at each call; UNREACHABLE if it is not a peer. */
    @Override
    public WorkerService worker(String peer) {
        return new PeerWorker(peer, () -> remote(peer, ErrorKind.UNREACHABLE));
    }

    /** This node's workflow service, which reads specs for the peers' ({@link GrpcDagClient#parse}). */
    private DagService local() {
        DagService d = dags;
        if (d == null) {
            throw new WorkerException(ErrorKind.INTERNAL, "workflows are not served here: " + node.name() + " has no"
                    + " workflow service (bundle dev.vireo.dag) to read a spec with; build the Workflow instead"
                    + " (Workflow.builder)");
        }
        return d;
    }

    /**
     * The channel to {@code peer}; a WorkerException if there is none: {@code notAPeer} for a name that is not a
     * member or is this node's, UNREACHABLE for a member out of service, CANCELLED once this component stops.
     */
    private GrpcRemoteWorker remote(String peer, ErrorKind notAPeer) {
        String self = node.name();
        List<WorkerMember> members = cluster.members();
        WorkerMember member = members.stream().filter(m -> m.name().equals(peer)).findFirst().orElse(null);
        if (member == null || peer.equals(self)) {
            throw new WorkerException(notAPeer, "'" + peer + "' is not a peer of " + self
                    + " (peers: " + String.join(", ", peers()) + ")");
        }
        if (!member.healthy()) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "worker '" + peer + "' is out of service: "
                    + member.reason());
        }
        String address = GrpcWorkerConnector.checked(member.address());
        synchronized (channels) {
            if (closed) {
                throw new WorkerException(ErrorKind.CANCELLED, self + " is stopping: no task is handed over");
            }
            GrpcRemoteWorker remote = channels.get(address);
            if (remote == null) {
                // a new address: first let go of those no longer listed (workers that left, or moved)
                Set<String> listed = members.stream().map(WorkerMember::address).collect(Collectors.toSet());
                channels.entrySet().removeIf(e -> {
                    if (listed.contains(e.getKey())) {
                        return false;
                    }
                    e.getValue().close();
                    return true;
                });
                remote = new GrpcRemoteWorker(address, scheduler, () -> token, tls);
                channels.put(address, remote);
            }
            return remote;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setDags(DagService service) {
        dags = service;
    }

    void unsetDags(DagService service) {
        if (dags == service) {
            dags = null;
        }
    }

    /** The addresses a channel is kept to now (tests). */
    Set<String> channels() {
        synchronized (channels) {
            return Set.copyOf(channels.keySet());
        }
    }

    @Deactivate
    void close() {
        synchronized (channels) {
            closed = true;
            channels.values().forEach(GrpcRemoteWorker::close);
            channels.clear();
        }
    }
}
