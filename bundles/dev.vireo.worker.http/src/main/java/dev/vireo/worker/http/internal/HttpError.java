package dev.vireo.worker.http.internal;

/** A request the API answers with an HTTP error status and a message. */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String kind;
    /** The methods a 405 names in its Allow header, else null. */
    final String allow;
    /** Whether the connection is closed after the answer (the rest of its stream cannot be trusted). */
    final boolean close;

    HttpError(int status, String kind, String message) {
        this(status, kind, message, null);
    }

    HttpError(int status, String kind, String message, String allow) {
        this(status, kind, message, allow, false);
    }

    HttpError(int status, String kind, String message, String allow, boolean close) {
        super(message);
        this.status = status;
        this.kind = kind;
        this.allow = allow;
        this.close = close;
    }
}
