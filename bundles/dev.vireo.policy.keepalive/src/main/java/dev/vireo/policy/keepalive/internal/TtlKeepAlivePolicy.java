package dev.vireo.policy.keepalive.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.keepalive.KeepAliveContext;
import dev.vireo.api.spi.keepalive.KeepAliveIndex;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import java.time.Duration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Time to live: an idle container expires after a fixed idle time (configuration {@code vireo.keepalive.ttl}, key
 * {@code ttl.ms}); under memory pressure the least recently used go first.
 */
@Component(configurationPid = "vireo.keepalive.ttl")
@Designate(ocd = TtlKeepAlivePolicy.Config.class)
@PluginName("ttl")
@PluginDescription("evict containers idle longer than ttl.ms; least recently used first under pressure")
public final class TtlKeepAlivePolicy implements KeepAlivePolicy {

    @ObjectClassDefinition(name = "Vireo keep-alive: ttl", description = "Fixed keep-alive time for idle containers.")
    public @interface Config {
        @AttributeDefinition(name = "Time to live (ms)", description = "Idle time after which a container is evicted, in milliseconds (1 s to 24 h).", min = "1000", max = "86400000")
        long ttl_ms() default 600_000;
    }

    private volatile Duration ttl;

    @Activate
    public TtlKeepAlivePolicy(Config config) {
        modified(config);
    }

    @Modified
    void modified(Config config) {
        long ms = config.ttl_ms();
        if (ms < 1_000 || ms > 86_400_000) {
            throw new IllegalArgumentException("ttl.ms " + ms + " is out of range [1000, 86400000] ms");
        }
        ttl = Duration.ofMillis(ms);
    }

    /** The time to live new indexes use. */
    public Duration ttl() {
        return ttl;
    }

    @Override
    public KeepAliveIndex newIndex(KeepAliveContext context) {
        return new RecencyIndex(context.clock(), ttl.toNanos());
    }
}
