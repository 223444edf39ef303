package dev.vireo.api.spi.backend;

/** A backend operation failed; the message says what and why, for the user. */
public class BackendException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
