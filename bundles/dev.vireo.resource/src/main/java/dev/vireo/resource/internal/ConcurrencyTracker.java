package dev.vireo.resource.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A hard limit on invocations running at once on the worker. The check and the increment are one atomic step (the
 * Rust system's counter let extra invocations through between them).
 */
@Component(service = ResourceTracker.class, configurationPid = "vireo.resource.concurrency")
@Designate(ocd = ConcurrencyTracker.Config.class)
@PluginName("concurrency")
@PluginDescription("at most limit invocations running at once")
public final class ConcurrencyTracker extends CapacityTracker {

    @ObjectClassDefinition(name = "Vireo resource: concurrency", description = "Running-invocation limit.")
    public @interface Config {
        @AttributeDefinition(name = "Limit", description = "Invocations running at once, at most.", min = "1")
        int limit() default 256;
    }

    @Activate
    public ConcurrencyTracker(Config config) {
        super("concurrency", "invocations", check(config.limit()));
    }

    @Modified
    void modified(Config config) {
        capacity(check(config.limit()));
    }

    private static int check(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit " + limit + " must be at least 1");
        }
        return limit;
    }

    @Override
    double amount(ResourceRequest request) {
        return request.slots();
    }
}
