package dev.vireo.api.model;

import java.util.Objects;

/**
 * Why an invocation failed.
 *
 * @param kind    the type of failure
 * @param message what happened, for the user
 * @param detail  more context (e.g. the function's traceback), possibly empty
 */
public record InvocationError(ErrorKind kind, String message, String detail) {
    public InvocationError {
        Objects.requireNonNull(kind, "kind");
        message = Objects.requireNonNullElse(message, kind.name());
        detail = Objects.requireNonNullElse(detail, "");
    }

    public static InvocationError of(ErrorKind kind, String message) {
        return new InvocationError(kind, message, "");
    }
}
