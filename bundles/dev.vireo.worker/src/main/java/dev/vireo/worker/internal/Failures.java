package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.spi.transport.AgentReply;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * How an invocation that failed is classified: which {@link ErrorKind} and message its record gets. Stateless.
 *
 * <ul>
 * <li>the agent answered with an error: USER_ERROR (the container stays);</li>
 * <li>no answer before the function's timeout (the worker's guard): TIMEOUT;</li>
 * <li>the call broke and the backend says the container exceeded its memory limit: OUT_OF_MEMORY;</li>
 * <li>the call broke otherwise (the agent died, or broke the protocol: a malformed frame, bytes that are not
 * UTF-8): CONTAINER_FAILED, with the backend's account of why if it has one;</li>
 * <li>no container could be started: START_FAILED.</li>
 * </ul>
 * Every failure but USER_ERROR costs the container ({@link InvocationRunner} destroys it).
 */
final class Failures {
    private Failures() {
    }

    /** The agent ran the function and it failed. */
    static InvocationError userError(AgentReply reply) {
        return new InvocationError(ErrorKind.USER_ERROR, reply.errorType() + ": " + reply.errorMessage(),
                reply.traceback());
    }

    /**
     * The call to the container's agent failed or timed out.
     *
     * @param diagnose the backend's account of why the container died, asked only if the call broke (not on timeout)
     */
    static InvocationError callFailed(Throwable error, FunctionSpec fn, String containerId,
            Supplier<Optional<String>> diagnose) {
        Throwable e = unwrap(error);
        if (e instanceof TimeoutException) {
            return InvocationError.of(ErrorKind.TIMEOUT, fn.id() + " timed out after " + fn.timeout().toMillis()
                    + " ms");
        }
        Optional<String> why = diagnose.get();
        return why.isPresent() && why.get().startsWith("exceeded memory limit")
                ? InvocationError.of(ErrorKind.OUT_OF_MEMORY, fn.id() + " " + why.get())
                : InvocationError.of(ErrorKind.CONTAINER_FAILED, "container " + containerId + " failed: "
                        + why.orElse(message(e)));
    }

    /** No container could be started for the invocation. */
    static InvocationError startFailed(FunctionSpec fn, Throwable error) {
        return InvocationError.of(ErrorKind.START_FAILED, "could not start a container for " + fn.id() + ": "
                + message(error));
    }

    /** The cause of a failed stage: what CompletionException and ExecutionException wrap. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The unwrapped cause's message, or its type if it has none. */
    static String message(Throwable t) {
        Throwable e = unwrap(t);
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
