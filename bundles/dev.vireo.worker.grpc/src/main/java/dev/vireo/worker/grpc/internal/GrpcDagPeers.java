package dev.vireo.worker.grpc.internal;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.dag.DagPeers;
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

/**
 * The {@link DagPeers} of a node in a cluster: the healthy workers its {@link ClusterMembers} lists (on a controller
 * its own membership; on a worker what its controller lists), less this node. A task is handed to one by rpc
 * ContinueDag on a channel kept per address: made on first use, closed when its address is no longer listed or when
 * the component stops. Absent where no ClusterMembers is registered (a node alone).
 *
 * <p>Threading: safe from any thread; {@link #start} does not block (the channel connects lazily, the call is
 * asynchronous).
 */
@Component(service = DagPeers.class)
public final class GrpcDagPeers implements DagPeers {
    private final ClusterMembers cluster;
    private final WorkerService node;
    private final TaskScheduler scheduler;
    /** Guarded by itself: the channel to each peer address. */
    private final Map<String, GrpcRemoteWorker> channels = new HashMap<>();
    /** Guarded by {@link #channels}. */
    private boolean closed;

    /**
     * @param cluster   the members, as this node knows them
     * @param node      this node's worker service, for its name (never a peer of itself)
     * @param scheduler what the gRPC client runs on
     */
    @Activate
    public GrpcDagPeers(@Reference ClusterMembers cluster, @Reference WorkerService node,
            @Reference TaskScheduler scheduler) {
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
        try {
            GrpcRemoteWorker remote = remote(peer);
            // outside any call's context: a hand-off is often made while this node answers a ContinueDag of its own
            // (a task continued here finished and made others ready); inheriting that call's context would cancel
            // this one as soon as that answer is sent
            return io.grpc.Context.ROOT.call(() -> remote.continueTasks(run, tasks));
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(e);
        } catch (Exception e) {
            return CompletableFuture.failedStage(e);
        }
    }

    private GrpcRemoteWorker remote(String peer) {
        String self = node.name();
        List<WorkerMember> members = cluster.members();
        WorkerMember member = members.stream().filter(m -> m.name().equals(peer)).findFirst().orElse(null);
        if (member == null || peer.equals(self)) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "'" + peer + "' is not a peer of " + self
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
                remote = new GrpcRemoteWorker(address, scheduler);
                channels.put(address, remote);
            }
            return remote;
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
