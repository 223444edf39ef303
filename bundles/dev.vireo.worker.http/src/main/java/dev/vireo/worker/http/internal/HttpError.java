package dev.vireo.worker.http.internal;

/** A request the API answers with an HTTP error status and a message. */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String kind;

    HttpError(int status, String kind, String message) {
        super(message);
        this.status = status;
        this.kind = kind;
    }
}
