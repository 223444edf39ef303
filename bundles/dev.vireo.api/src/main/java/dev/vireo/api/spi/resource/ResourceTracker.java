package dev.vireo.api.spi.resource;

import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Hands out one kind of resource. The sum of outstanding grants never exceeds the capacity, under any interleaving of
 * threads: acquisition is a single atomic decision, not a check followed by an update.
 *
 * <p>Threading: every method is safe from many threads at once and never blocks.
 */
@ProviderType
public interface ResourceTracker {

    /** Grants the request if the resource allows it now, else empty. Requests that do not need it get a zero grant. */
    Optional<ResourceGrant> tryAcquire(ResourceRequest request);

    /** Returns a grant. Idempotent: releasing the same grant twice releases once. */
    void release(ResourceGrant grant);

    /** Capacity and use now. */
    ResourceUsage usage();

    /**
     * Why this request could never be granted, even on an idle worker (it asks for more than the capacity); empty if it
     * could. The worker rejects such registrations instead of queueing invocations that would wait forever.
     */
    default Optional<String> impossible(ResourceRequest request) {
        return Optional.empty();
    }
}
