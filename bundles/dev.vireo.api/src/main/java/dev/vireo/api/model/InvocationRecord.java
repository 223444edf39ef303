package dev.vireo.api.model;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one invocation: the "enhanced" response and the row a load generator stores.
 *
 * @param tid        transaction id
 * @param functionId {@code name-version}
 * @param worker     the worker that served it
 * @param backend    the backend plugin of the container, empty if none was used
 * @param state      how the container was obtained, empty if none was used
 * @param arrival    when the invocation arrived, on the clock service's calendar
 * @param timings    where the time went
 * @param result     the function's JSON result when it succeeded, else empty
 * @param error      why it failed, empty when it succeeded
 * @param routing    what the controller added when the invocation went through one, empty when it went to a worker
 *                   directly
 * @param output     what the function wrote to stdout and stderr, {@link Output#NONE} if nothing (or it never ran)
 */
public record InvocationRecord(String tid, String functionId, String worker, String backend,
        Optional<ContainerState> state, Instant arrival, Timings timings, String result,
        Optional<InvocationError> error, Optional<Routing> routing, Output output) {

    /** A record of an invocation served by a worker directly (no controller in the way). */
    public InvocationRecord(String tid, String functionId, String worker, String backend,
            Optional<ContainerState> state, Instant arrival, Timings timings, String result,
            Optional<InvocationError> error) {
        this(tid, functionId, worker, backend, state, arrival, timings, result, error, Optional.empty(), Output.NONE);
    }

    /** A record without output (the function wrote nothing, or it never ran). */
    public InvocationRecord(String tid, String functionId, String worker, String backend,
            Optional<ContainerState> state, Instant arrival, Timings timings, String result,
            Optional<InvocationError> error, Optional<Routing> routing) {
        this(tid, functionId, worker, backend, state, arrival, timings, result, error, routing, Output.NONE);
    }

    public InvocationRecord {
        Objects.requireNonNull(tid, "tid");
        Objects.requireNonNull(functionId, "functionId");
        worker = Objects.requireNonNullElse(worker, "");
        backend = Objects.requireNonNullElse(backend, "");
        state = Objects.requireNonNullElse(state, Optional.empty());
        Objects.requireNonNull(arrival, "arrival");
        timings = Objects.requireNonNullElse(timings, Timings.NONE);
        result = Objects.requireNonNullElse(result, "");
        error = Objects.requireNonNullElse(error, Optional.empty());
        routing = Objects.requireNonNullElse(routing, Optional.empty());
        output = Objects.requireNonNullElse(output, Output.NONE);
    }

    /** This record as the controller returns it: the worker's record plus the controller's own part. */
    public InvocationRecord withRouting(Routing routing) {
        return new InvocationRecord(tid, functionId, worker, backend, state, arrival, timings, result, error,
                Optional.of(routing), output);
    }

    public boolean success() {
        return error.isEmpty();
    }
}
