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

/** CPU shares of running invocations: capacity = cores x oversubscription; each invocation takes its function's cpus. */
@Component(service = ResourceTracker.class, configurationPid = "vireo.resource.cpu")
@Designate(ocd = CpuTracker.Config.class)
@PluginName("cpu")
@PluginDescription("CPU shares of running invocations (cores x oversubscription)")
public final class CpuTracker extends CapacityTracker {

    @ObjectClassDefinition(name = "Vireo resource: cpu", description = "CPU capacity for running invocations.")
    public @interface Config {
        @AttributeDefinition(name = "Cores", description = "Cores to hand out; 0 = every core of this machine.", min = "0")
        int cores() default 0;

        @AttributeDefinition(name = "Oversubscription", description = "Factor over the cores (e.g. 4 lets I/O-bound functions share a core four ways).", min = "0.1")
        double oversubscription() default 1.0;
    }

    @Activate
    public CpuTracker(Config config) {
        super("cpu", "cores", capacityOf(config));
    }

    @Modified
    void modified(Config config) {
        capacity(capacityOf(config));
    }

    static double capacityOf(Config c) {
        if (c.cores() < 0 || !(c.oversubscription() >= 0.1)) {
            throw new IllegalArgumentException("cores must be >= 0 and oversubscription >= 0.1, got cores=" + c.cores()
                    + " oversubscription=" + c.oversubscription());
        }
        int cores = c.cores() == 0 ? Runtime.getRuntime().availableProcessors() : c.cores();
        return cores * c.oversubscription();
    }

    @Override
    double amount(ResourceRequest request) {
        return request.slots() > 0 ? request.cpus() : 0;
    }
}
