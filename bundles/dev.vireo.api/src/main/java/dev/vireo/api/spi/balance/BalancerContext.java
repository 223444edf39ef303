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
}
