package dev.vireo.api.spi.queue;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.Invocation;
import java.util.Objects;

/**
 * An admitted invocation waiting to run.
 *
 * @param invocation    the invocation
 * @param function      its function
 * @param sequence      admission order, unique and increasing within a worker (ties and FCFS use it)
 * @param enqueuedNanos clock time of admission
 * @param warmAvailable whether a warm container of this function was idle at admission (cold-priority uses it)
 */
public record QueuedInvocation(Invocation invocation, FunctionSpec function, long sequence, long enqueuedNanos,
        boolean warmAvailable) {
    public QueuedInvocation {
        Objects.requireNonNull(invocation, "invocation");
        Objects.requireNonNull(function, "function");
    }
}
