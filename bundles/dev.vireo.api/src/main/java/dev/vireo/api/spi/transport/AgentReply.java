package dev.vireo.api.spi.transport;

import dev.vireo.api.model.Output;
import java.util.Objects;

/**
 * The agent's answer to one invocation.
 *
 * @param startUs     agent clock when the handler started, in microseconds
 * @param endUs       agent clock when it returned
 * @param durationUs  the handler's execution time
 * @param cold        true for the first invocation the agent served
 * @param success     whether the handler returned normally
 * @param result      the handler's JSON result when it succeeded
 * @param errorType   the exception type when it failed
 * @param errorMessage the exception message
 * @param traceback   the traceback, possibly empty
 * @param output      what the function wrote to stdout and stderr meanwhile, {@link Output#NONE} if nothing
 * @param stamps      when the exchange passed each hop (since 1.2), {@link Stamps#NONE} when not known
 */
public record AgentReply(long startUs, long endUs, long durationUs, boolean cold, boolean success, String result,
        String errorType, String errorMessage, String traceback, Output output, Stamps stamps) {

    /**
     * The exchange's hops on the monotonic clock (nanoseconds; 0 where not known): the worker's clock service and the
     * agent's {@code time.monotonic_ns()} read the same kernel clock ({@code CLOCK_MONOTONIC}) when the container
     * shares the host's kernel and has no time namespace (runc as the backends configure it, docker on this host),
     * so the four compare; the transports keep the agent's two only when they fall between their own. For the
     * latency anatomy (docs/performance.md).
     *
     * @param writeNs    the transport began writing the request (worker clock)
     * @param agentInNs  the agent had read and decoded it
     * @param agentOutNs the agent was about to write its reply
     * @param readNs     the transport had read and decoded the reply (worker clock)
     * @since 1.2
     */
    public record Stamps(long writeNs, long agentInNs, long agentOutNs, long readNs) {
        public static final Stamps NONE = new Stamps(0, 0, 0, 0);
    }

    /** A reply without stamps. */
    public AgentReply(long startUs, long endUs, long durationUs, boolean cold, boolean success, String result,
            String errorType, String errorMessage, String traceback, Output output) {
        this(startUs, endUs, durationUs, cold, success, result, errorType, errorMessage, traceback, output,
                Stamps.NONE);
    }

    /** This reply with the transport's stamps. */
    public AgentReply withStamps(Stamps s) {
        return new AgentReply(startUs, endUs, durationUs, cold, success, result, errorType, errorMessage, traceback,
                output, s);
    }

    /** A reply without output (an agent that captures none, or a function that wrote nothing). */
    public AgentReply(long startUs, long endUs, long durationUs, boolean cold, boolean success, String result,
            String errorType, String errorMessage, String traceback) {
        this(startUs, endUs, durationUs, cold, success, result, errorType, errorMessage, traceback, Output.NONE);
    }

    public AgentReply {
        result = Objects.requireNonNullElse(result, "");
        errorType = Objects.requireNonNullElse(errorType, "");
        errorMessage = Objects.requireNonNullElse(errorMessage, "");
        traceback = Objects.requireNonNullElse(traceback, "");
        output = Objects.requireNonNullElse(output, Output.NONE);
        stamps = Objects.requireNonNullElse(stamps, Stamps.NONE);
    }
}
