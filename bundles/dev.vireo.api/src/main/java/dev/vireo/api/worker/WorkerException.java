package dev.vireo.api.worker;

import dev.vireo.api.model.ErrorKind;
import java.util.Objects;

/** A request the worker refused, with the typed reason and a message for the user. */
public class WorkerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;

    public WorkerException(ErrorKind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ErrorKind kind() {
        return kind;
    }
}
