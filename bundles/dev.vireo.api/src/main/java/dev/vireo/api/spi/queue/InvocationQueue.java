package dev.vireo.api.spi.queue;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One queue of waiting invocations in the policy's order.
 *
 * <p>Threading: not thread-safe; the worker calls it under its own lock.
 */
@ProviderType
public interface InvocationQueue {

    void offer(QueuedInvocation invocation);

    /** Removes and returns the next invocation to run, or null when empty. */
    QueuedInvocation poll();

    /** The next invocation to run without removing it, or null when empty. */
    QueuedInvocation peek();

    int size();

    /** Removes and returns everything, in arrival order (so another policy can take it over). */
    List<QueuedInvocation> drain();
}
