package dev.vireo.policy.keepalive.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.keepalive.KeepAliveContext;
import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import org.osgi.service.component.annotations.Component;

/** Least recently used: idle containers stay until memory is needed, then the least recently used go first. */
@Component
@PluginName("lru")
@PluginDescription("keep idle containers until memory is needed; evict least recently used first")
public final class LruKeepAlivePolicy implements KeepAlivePolicy {

    @Override
    public KeepAliveIndex newIndex(KeepAliveContext context) {
        return new RecencyIndex(context.clock(), Long.MAX_VALUE);
    }
}
