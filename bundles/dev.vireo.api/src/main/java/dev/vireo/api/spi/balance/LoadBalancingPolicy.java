package dev.vireo.api.spi.balance;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The controller's choice of worker. A factory: the controller creates one balancer from the active policy and a new
 * one on a swap (balancer state such as a hash ring is rebuilt from the worker list).
 *
 * <p>Threading: {@link #newBalancer} may be called from any thread.
 */
@ProviderType
public interface LoadBalancingPolicy {
    Balancer newBalancer(BalancerContext context);
}
