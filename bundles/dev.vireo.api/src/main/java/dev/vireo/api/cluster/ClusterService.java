package dev.vireo.api.cluster;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The controller's view of its workers. Registered beside the controller's {@link dev.vireo.api.worker.WorkerService}
 * (and as {@link ClusterMembers}) so the HTTP API can serve {@code /workers}.
 *
 * <p>Threading: safe from any thread.
 */
@ProviderType
public interface ClusterService extends ClusterMembers {

    /**
     * Adds a worker, or refreshes it if one of that name is known (a worker re-joining after a restart, or its
     * periodic join): idempotent. The controller pushes every registered function to a worker that joins or rejoins.
     *
     * @param name    the worker's name, unique in the cluster
     * @param address where its gRPC API listens, {@code host:port}
     * @return the worker as the controller now sees it
     * @throws dev.vireo.api.model.ValidationException if the name or address is malformed
     */
    WorkerMember join(String name, String address);

    /** Removes a worker; UNKNOWN_FUNCTION-style {@link dev.vireo.api.worker.WorkerException} if it is not known. */
    void leave(String name);

    /** Every known worker, healthy or not, by name. */
    @Override
    List<WorkerMember> members();

    /** The controller's name. */
    String name();
}
