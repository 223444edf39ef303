package dev.vireo.api.cluster;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The workers of the cluster as this node knows them: on a controller its own membership ({@link ClusterService}
 * extends this), on a worker that joined a controller the list it last learned from it ({@code GET /workers} after
 * each join; empty while the controller cannot be reached). Absent on a node alone. The gRPC bundle hands workflow
 * tasks to the healthy ones other than this node ({@link dev.vireo.api.dag.DagPeers}).
 *
 * <p>Threading: safe from any thread; {@link #members} never blocks (it answers the last list known).
 */
@ProviderType
public interface ClusterMembers {

    /** Every known worker, healthy or not, by name; this node too when it is one of them. */
    List<WorkerMember> members();
}
