package dev.vireo.api.worker;

import java.util.Objects;

/**
 * When one invocation passed each hop inside a worker, on the monotonic clock in nanoseconds (the worker's clock
 * service; the agent's two stamps read the same kernel clock); 0 where a hop was not passed (a cold start has no
 * warm container to acquire at once, a failed call no agent stamps) or not known (a transport without stamps). A
 * client on the same host reads the same clock ({@code System.nanoTime()}), so it can place its own send and receive
 * among them: the latency anatomy of {@code ./vireo bench worker} (docs/performance.md).
 *
 * @param tid        the invocation
 * @param arrivalNs  the worker took the invocation (admission)
 * @param dequeuedNs it left the queue
 * @param acquiredNs it had its container
 * @param sentNs     the worker handed the call to the transport
 * @param writeNs    the transport began writing the request
 * @param agentInNs  the agent had read the request
 * @param agentOutNs the agent was about to write its reply
 * @param readNs     the transport had read the reply
 * @param doneNs     the worker saw the reply (its completion callback)
 * @param recordedNs the record was made and handed to the caller
 * @since 1.2
 */
public record InvocationAnatomy(String tid, long arrivalNs, long dequeuedNs, long acquiredNs, long sentNs,
        long writeNs, long agentInNs, long agentOutNs, long readNs, long doneNs, long recordedNs) {
    public InvocationAnatomy {
        Objects.requireNonNull(tid, "tid");
    }
}
