package dev.vireo.api.model;

/** How the container that served an invocation was obtained. */
public enum ContainerState {
    /** Created for this invocation: the caller waited for the cold start. */
    COLD,
    /** Created ahead by a prewarm request and used for the first time. */
    PREWARM,
    /** Reused from the warm pool. */
    WARM
}
