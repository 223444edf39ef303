package dev.vireo.api.spi.balance;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Picks a worker per invocation.
 *
 * <p>Threading: {@link #pick} is called from many threads at once and must be thread-safe.
 */
@ProviderType
public interface Balancer {

    /** The worker for this invocation among the healthy {@code workers}; empty if there is none. */
    Optional<WorkerView> pick(String tid, String functionId, List<WorkerView> workers);

    /** The invocation sent to {@code workerId} finished (to keep in-flight counts). */
    default void completed(String workerId, String functionId) {
    }
}
