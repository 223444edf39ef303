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
 * The container pool's memory: each container holds its function's memory for its lifetime. When it is full the worker
 * evicts idle containers chosen by the keep-alive policy.
 */
@Component(service = ResourceTracker.class, configurationPid = "vireo.resource.memory")
@Designate(ocd = MemoryTracker.Config.class)
@PluginName("memory")
@PluginDescription("memory of the container pool (running + cached containers)")
public final class MemoryTracker extends CapacityTracker {

    @ObjectClassDefinition(name = "Vireo resource: memory", description = "Memory for containers.")
    public @interface Config {
        @AttributeDefinition(name = "Memory (MB)", description = "Memory all containers together may hold, in MB.", min = "16")
        long memory_mb() default 4096;
    }

    @Activate
    public MemoryTracker(Config config) {
        super("memory", "MB", check(config.memory_mb()));
    }

    @Modified
    void modified(Config config) {
        capacity(check(config.memory_mb()));
    }

    private static long check(long mb) {
        if (mb < 16) {
            throw new IllegalArgumentException("memory.mb " + mb + " must be at least 16");
        }
        return mb;
    }

    @Override
    double amount(ResourceRequest request) {
        return request.memoryMb();
    }
}
