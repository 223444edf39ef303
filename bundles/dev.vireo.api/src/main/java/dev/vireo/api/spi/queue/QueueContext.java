package dev.vireo.api.spi.queue;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.time.Clock;
import org.osgi.annotation.versioning.ProviderType;

/** What a queue may know about its worker. Threading: safe from any thread. */
@ProviderType
public interface QueueContext {
    Clock clock();

    /** The function's statistics so far ({@link FunctionStats#EMPTY} if none). */
    FunctionStats stats(String functionId);
}
