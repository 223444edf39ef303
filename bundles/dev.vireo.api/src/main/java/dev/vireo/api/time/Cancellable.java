package dev.vireo.api.time;

import org.osgi.annotation.versioning.ProviderType;

/** A handle to scheduled work. Threading: safe from any thread. */
@ProviderType
public interface Cancellable {

    /** Cancels the work if it has not started yet. Returns true if this call prevented it from running. */
    boolean cancel();

    /** True once the work has run, failed or was cancelled. */
    boolean isDone();
}
