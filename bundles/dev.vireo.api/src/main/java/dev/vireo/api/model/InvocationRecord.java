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
 */
public record InvocationRecord(String tid, String functionId, String worker, String backend,
        Optional<ContainerState> state, Instant arrival, Timings timings, String result,
        Optional<InvocationError> error) {

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
    }

    public boolean success() {
        return error.isEmpty();
    }
}
