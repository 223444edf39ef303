package dev.vireo.api.worker;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A worker's operations. Every method validates its input and throws {@link WorkerException} (or
 * {@link dev.vireo.api.model.ValidationException}) with a message saying what was wrong, changing nothing.
 *
 * <p>Threading: safe from any number of threads. {@link #invoke} never blocks: it returns a stage.
 */
@ProviderType
public interface WorkerService {

    /** The worker's name. */
    String name();

    /**
     * Registers a function; ALREADY_EXISTS if its id is taken, INVALID_REQUEST if a plugin name is unknown.
     *
     * @return the function as registered (an empty backend resolved to the one chosen)
     */
    FunctionSpec register(FunctionSpec spec);

    /**
     * Replaces a registered function in place (same id: new code, image, limits or configuration). Invocations that
     * have started finish on the old registration and its containers, which are then destroyed (idle ones at once);
     * invocations still queued, and every later one, run on the new one in new containers. Nothing is cancelled.
     *
     * @return the function as registered now
     * @throws WorkerException {@link dev.vireo.api.model.ErrorKind#UNKNOWN_FUNCTION} if it is not registered (register
     *                         it first), as {@link #register} for a spec this node cannot run (the old registration
     *                         stays), {@link dev.vireo.api.model.ErrorKind#INVALID_REQUEST} from a service that cannot
     *                         (the default)
     * @since 1.6
     */
    default FunctionSpec update(FunctionSpec spec) {
        throw new WorkerException(dev.vireo.api.model.ErrorKind.INVALID_REQUEST, name()
                + " does not update functions in place (unregister and register again)");
    }

    /** Removes a function and its idle containers; UNKNOWN_FUNCTION if it is not registered. */
    void unregister(String functionId);

    List<FunctionSpec> functions();

    /**
     * Invokes synchronously. Rejections (unknown function, full queue) throw at once; anything that happens to the
     * invocation afterwards (user error, timeout, container failure) is in the record.
     *
     * @param tid     the transaction id; null or empty to let the worker make one
     * @param payload JSON argument
     */
    CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload);

    /** Admits an invocation and returns its id at once; poll it with {@link #result}. */
    String invokeAsync(String tid, String functionId, String payload);

    /**
     * {@link #invoke} as part of a distributed trace: the node records its spans of the invocation under
     * {@code trace} (their parent is {@code trace.spanId()}) when it is sampled, and hands the trace on to the node it
     * calls. A null trace is none (a node configured to trace everything starts one).
     *
     * @since 1.7
     */
    default CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
            dev.vireo.api.trace.TraceContext trace) {
        return invoke(tid, functionId, payload);
    }

    /**
     * {@link #invokeAsync} as part of a distributed trace, as
     * {@link #invoke(String, String, String, dev.vireo.api.trace.TraceContext)}.
     *
     * @since 1.7
     */
    default String invokeAsync(String tid, String functionId, String payload, dev.vireo.api.trace.TraceContext trace) {
        return invokeAsync(tid, functionId, payload);
    }

    /** The state of an async invocation; UNKNOWN_FUNCTION if the id is unknown or its result has expired. */
    AsyncResult result(String id);

    /** Most containers one prewarm request may ask for (the APIs refuse more with this bound in the message). */
    int MAX_PREWARM = 1000;

    /**
     * Starts {@code count} containers of the function ahead of invocations, 1 to {@link #MAX_PREWARM}.
     *
     * @return a stage completing with the number actually started
     */
    CompletionStage<Integer> prewarm(String functionId, int count);

    WorkerStatus status();

    /**
     * The hops of invocation {@code tid} if it ended here recently (the worker keeps the last few thousand), for the
     * latency anatomy; empty for one it does not know, and from a service that keeps none (the default: a
     * controller, a remote worker).
     *
     * @since 1.2
     */
    default java.util.Optional<InvocationAnatomy> anatomy(String tid) {
        return java.util.Optional.empty();
    }

    /**
     * What this node runs with (its configuration; a controller adds that of each worker in service), so a run can
     * be reproduced: a live run stores it and {@code vireo sim --like} sets the simulation up from it.
     *
     * @throws WorkerException {@link dev.vireo.api.model.ErrorKind#INVALID_REQUEST} from a service that cannot tell
     *                         (the default)
     * @since 1.3
     */
    default NodeSettings settings() {
        throw new WorkerException(dev.vireo.api.model.ErrorKind.INVALID_REQUEST, name()
                + " does not report its settings");
    }

    /**
     * Puts a plugin in force at a point while the node runs, as the console's {@code vireo:use} does (until the
     * configuration of that point changes): a worker's {@code queue} or {@code keepalive}; a controller's
     * {@code balancer}, and {@code queue} or {@code keepalive} on every worker in service. A live sweep swaps policies
     * between its points this way.
     *
     * @param point  the point's id: {@code queue}, {@code keepalive} or {@code balancer}
     * @param plugin the plugin's name, as {@code vireo:plugins} lists it
     * @return what is in force at every point afterwards (a controller's: its own)
     * @throws dev.vireo.api.model.ValidationException naming {@code point} for a point this node does not swap, or
     *                         {@code use} for a plugin it does not have (the message lists those it has)
     * @throws WorkerException {@link dev.vireo.api.model.ErrorKind#INVALID_REQUEST} from a service that cannot (the
     *                         default); from a controller, the kind of a worker that did not take it, naming it
     * @since 1.3
     */
    default java.util.Map<String, String> use(String point, String plugin) {
        throw new WorkerException(dev.vireo.api.model.ErrorKind.INVALID_REQUEST, name()
                + " does not put plugins in force remotely");
    }

    /**
     * How long an invocation of {@code functionId} would take if sent now ({@link Estimate}): a worker runs its queue,
     * running invocations, containers and free resources forward with its queue policy; a controller asks every
     * worker in service and answers with the shortest. Nothing is sent or changed.
     *
     * @throws WorkerException {@link dev.vireo.api.model.ErrorKind#UNKNOWN_FUNCTION} for a function not registered,
     *                         {@link dev.vireo.api.model.ErrorKind#NO_RESOURCES} when it could not start even once
     *                         everything running ended, {@link dev.vireo.api.model.ErrorKind#UNREACHABLE} from a
     *                         controller without a worker in service, {@link dev.vireo.api.model.ErrorKind#INTERNAL}
     *                         when the model gives up (a queue past a million steps),
     *                         {@link dev.vireo.api.model.ErrorKind#INVALID_REQUEST} from a service that cannot tell
     *                         (the default)
     * @since 1.4
     */
    default Estimate estimate(String functionId) {
        throw new WorkerException(dev.vireo.api.model.ErrorKind.INVALID_REQUEST, name() + " does not estimate");
    }

    /**
     * The activation log: records of finished invocations (result, timings, error, the function's captured stdout and
     * stderr), newest first, as {@code query} asks. A worker keeps them for its configured retention, count and bytes
     * ({@code activations.*} of {@code vireo.worker}).
     *
     * @throws WorkerException {@link dev.vireo.api.model.ErrorKind#INVALID_REQUEST} from a service that keeps none
     *                         (the default)
     * @since 1.5
     */
    default java.util.List<InvocationRecord> activations(ActivationQuery query) {
        throw new WorkerException(dev.vireo.api.model.ErrorKind.INVALID_REQUEST, name() + " keeps no activation log"
                + " (ask the worker that ran the invocation: its records name it)");
    }

    /**
     * One record of the activation log by its transaction id ({@link #activations}).
     *
     * @throws WorkerException {@link dev.vireo.api.model.ErrorKind#UNKNOWN_FUNCTION} when the log does not hold it
     *                         (never run here, or past the retention); as {@link #activations} from a service that
     *                         keeps none
     * @since 1.5
     */
    default InvocationRecord activation(String tid) {
        throw new WorkerException(dev.vireo.api.model.ErrorKind.INVALID_REQUEST, name() + " keeps no activation log"
                + " (ask the worker that ran the invocation: its records name it)");
    }
}
