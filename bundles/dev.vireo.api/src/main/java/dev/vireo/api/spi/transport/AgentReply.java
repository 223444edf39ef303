package dev.vireo.api.spi.transport;

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
 */
public record AgentReply(long startUs, long endUs, long durationUs, boolean cold, boolean success, String result,
        String errorType, String errorMessage, String traceback) {
    public AgentReply {
        result = Objects.requireNonNullElse(result, "");
        errorType = Objects.requireNonNullElse(errorType, "");
        errorMessage = Objects.requireNonNullElse(errorMessage, "");
        traceback = Objects.requireNonNullElse(traceback, "");
    }
}
