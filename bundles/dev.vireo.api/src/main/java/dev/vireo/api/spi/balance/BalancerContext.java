package dev.vireo.api.spi.balance;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.time.Clock;
import org.osgi.annotation.versioning.ProviderType;

/** What a balancer may know about the cluster. Threading: safe from any thread. */
@ProviderType
public interface BalancerContext {
    Clock clock();

    /** Cluster-wide statistics of a function. */
    FunctionStats stats(String functionId);

    /**
     * The worker's own estimate of how long an invocation of the function would take there if sent now
     * ({@link dev.vireo.api.worker.WorkerService#estimate}): a call to the worker, so a balancer that asks it per
     * invocation pays a round trip per worker. Empty where the worker cannot answer (unreachable, an older worker) or
     * the context does not ask workers (the default).
     *
     * @since 1.1
     */
    default java.util.Optional<dev.vireo.api.worker.Estimate> estimate(String workerId, String functionId) {
        return java.util.Optional.empty();
    }
}
