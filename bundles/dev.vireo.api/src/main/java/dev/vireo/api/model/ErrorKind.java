package dev.vireo.api.model;

/** The typed outcome of an invocation that did not succeed. */
public enum ErrorKind {
    /** The request was malformed or named something that does not exist. */
    INVALID_REQUEST,
    /** The function id is not registered (or an async invocation id is unknown or expired). */
    UNKNOWN_FUNCTION,
    /** The function is already registered. */
    ALREADY_EXISTS,
    /** The admission queue is full: try later (HTTP 429, gRPC RESOURCE_EXHAUSTED). */
    OVERLOADED,
    /** The function's code raised an error; the container is fine. */
    USER_ERROR,
    /** The invocation ran past its timeout. */
    TIMEOUT,
    /** The function used more memory than its limit. */
    OUT_OF_MEMORY,
    /** The agent or container died while serving the invocation. */
    CONTAINER_FAILED,
    /** No container could be created (backend error, image missing). */
    START_FAILED,
    /** Resources (memory, CPU, GPU) could not be found for a new container. */
    NO_RESOURCES,
    /** The worker is shutting down or the invocation was cancelled. */
    CANCELLED,
    /** The controller could not reach the worker it chose (connection refused, reset, or no answer in time). */
    UNREACHABLE,
    /**
     * The caller's token does not allow this: a namespace's token asked for what only the node's own token may do
     * (settings, policies, workers, workflows, metrics) or for another namespace (HTTP 403, gRPC PERMISSION_DENIED).
     */
    FORBIDDEN,
    /** Anything else: a bug in Vireo. */
    INTERNAL
}
