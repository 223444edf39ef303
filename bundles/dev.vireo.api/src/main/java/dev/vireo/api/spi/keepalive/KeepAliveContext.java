package dev.vireo.api.spi.keepalive;

import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.time.Clock;
import org.osgi.annotation.versioning.ProviderType;

/** What a keep-alive index may know about its worker. Threading: safe from any thread. */
@ProviderType
public interface KeepAliveContext {
    Clock clock();

    FunctionStats stats(String functionId);
}
