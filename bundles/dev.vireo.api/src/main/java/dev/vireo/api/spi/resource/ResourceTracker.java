package dev.vireo.api.spi.resource;

import dev.vireo.api.model.ContainerPlacement;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Hands out one kind of resource. The sum of outstanding grants never exceeds the capacity, under any interleaving of
 * threads: acquisition is a single atomic decision, not a check followed by an update.
 *
 * <p>Threading: every method is safe from many threads at once and never blocks.
 *
 * <p>Placement (since 1.1): once an invocation holds its slot grant and its container, the worker tells the trackers
 * where that container runs ({@link #bind}); before the container goes back to the pool it calls {@link #unbind}, and
 * {@link #release} undoes whatever is still bound; once the container is destroyed, {@link #destroyed} (since 1.3). A
 * tracker that confines containers (e.g. to a CPU group) does it there; the others ignore them.
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

    /**
     * The invocation that holds {@code grant} runs in the container {@code placement} describes: confine it as the
     * grant says (e.g. write the container's {@code cpuset.cpus}). Called once per invocation, after {@link #tryAcquire}
     * and before the call to the agent, on the invocation's own thread. A grant that was released already, or a zero
     * grant, binds nothing. A failure to confine is the tracker's to report (log it with the grant's tid); it does not
     * fail the invocation. Nothing unless overridden.
     */
    default void bind(ResourceGrant grant, ContainerPlacement placement) {
    }

    /**
     * Undoes {@link #bind} for {@code grant} (e.g. restores the container's previous {@code cpuset.cpus}), keeping the
     * grant itself: the worker calls it before a container that stays goes back to the pool, so the next invocation
     * on it starts from the container's own state. Idempotent; {@link #release} implies it. Nothing unless overridden.
     */
    default void unbind(ResourceGrant grant) {
    }

    /**
     * The container {@code placement} describes is destroyed (its cgroups are gone): forget whatever is kept of it
     * (since 1.3; e.g. a container a tracker left confined between invocations). Called once per destroyed container,
     * after its backend destroyed it, on any thread; after every {@link #unbind} of it, though a {@link #release} of a
     * grant still bound to it (a failed invocation) may come after. Must not throw. Nothing unless overridden.
     *
     * @param tid the transaction id of what destroyed it, for the log
     */
    default void destroyed(ContainerPlacement placement, String tid) {
    }

    /**
     * Whether this tracker's capacity is each namespace's own (a quota): when it refuses a new container, only idle
     * containers of the same namespace free what it refused, so the worker evicts those (least recently used first)
     * and never another namespace's. False by default: evicting any idle container may help.
     *
     * @since 1.4
     */
    default boolean perNamespace() {
        return false;
    }
}
