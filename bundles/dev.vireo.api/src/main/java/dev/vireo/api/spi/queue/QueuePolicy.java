package dev.vireo.api.spi.queue;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Orders the invocations waiting in a worker. The policy is a factory: the worker creates one queue from the active
 * policy and, on a swap, creates a queue from the new policy and moves every waiting invocation into it, so none is
 * lost or run twice.
 *
 * <p>Threading: {@link #newQueue} may be called from any thread.
 */
@ProviderType
public interface QueuePolicy {
    InvocationQueue newQueue(QueueContext context);
}
