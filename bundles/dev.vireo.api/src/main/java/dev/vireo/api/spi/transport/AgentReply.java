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
 */
public record AgentReply(long startUs, long endUs, long durationUs, boolean cold, boolean success, String result,
        String errorType, String errorMessage, String traceback, Output output) {

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
    }
}
