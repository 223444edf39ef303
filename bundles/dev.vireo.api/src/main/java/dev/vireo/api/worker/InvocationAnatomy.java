package dev.vireo.api.worker;

import java.util.Objects;

/**
 * When one invocation passed each hop inside a worker, on the monotonic clock in nanoseconds (the worker's clock
 * service; the agent's two stamps read the same kernel clock where the container shares it); 0 where a hop was not
 * passed (a call that never reached a container, a transport that failed) or not known (a transport or agent without
 * stamps, an agent on another clock). A client on the same host reads the same clock ({@code System.nanoTime()}), so
 * it can place its own send and receive among them: the latency anatomy of {@code ./vireo bench worker}
 * (docs/performance.md).
 *
 * @param tid        the invocation
 * @param arrivalNs  the worker took the invocation (admission)
 * @param dequeuedNs it left the queue
 * @param acquiredNs it had its container: a warm one taken with its slot (under the worker's lock), or a cold one
 *                   started and adopted
 * @param startedNs  the task that calls the container began (after the hand-off to the scheduler)
 * @param sentNs     the worker handed the call to the transport (after binding the slot, opening the channel and
 *                   reading the container's CPU wait)
 * @param writeNs    the transport began writing the request
 * @param agentInNs  the agent had read the request
 * @param agentOutNs the agent was about to write its reply
 * @param readNs     the transport had read the reply
 * @param doneNs     the worker saw the reply (its completion callback)
 * @param recordedNs the record was made and handed to the caller
 * @since 1.2
 */
public record InvocationAnatomy(String tid, long arrivalNs, long dequeuedNs, long acquiredNs, long startedNs,
        long sentNs, long writeNs, long agentInNs, long agentOutNs, long readNs, long doneNs, long recordedNs) {
    public InvocationAnatomy {
        Objects.requireNonNull(tid, "tid");
    }
}
