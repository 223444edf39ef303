package dev.vireo.controller.internal;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.NodeConfiguration;
import dev.vireo.api.worker.WorkerService;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The controller as a service ({@code vireo.controller} configuration): makes a {@link ControllerCore} and registers
 * it as the {@link WorkerService} and {@link ClusterService} the API bundles serve, and as the {@link ClusterMembers}
 * the gRPC bundle hands workflow tasks to. A configuration change is applied
 * to the running core ({@link ControllerCore#reconfigure}): workers, registrations and invocations in flight stay.
 */
@Component(immediate = true, configurationPid = "vireo.controller")
@Designate(ocd = ControllerConfig.class)
public final class ControllerComponent {
    private final ControllerCore core;
    private final ServiceRegistration<?> registration;

    @Activate
    public ControllerComponent(BundleContext context, @Reference PluginRegistry registry, @Reference Clock clock,
            @Reference TaskScheduler scheduler, @Reference WorkerConnector connector, @Reference MeterRegistry meters,
            ControllerConfig config) {
        core = new ControllerCore(ControllerOptions.of(config), registry, clock, scheduler, connector, meters);
        registration = context.registerService(new String[] {WorkerService.class.getName(),
            ClusterService.class.getName(), ClusterMembers.class.getName()}, core, new Hashtable<>());
    }

    /** Every span exporter registered (OTLP...): the controller's spans of traced invocations go to each. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        core.addSpanExporter(exporter);
    }

    void removeSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        core.removeSpanExporter(exporter);
    }

    /** The node's configuration, for the controller's settings (the kernel provides it). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setConfiguration(NodeConfiguration view) {
        core.configuration(view);
    }

    void unsetConfiguration(NodeConfiguration view) {
        core.configurationGone(view);
    }

    @Modified
    void modified(ControllerConfig config) {
        core.reconfigure(ControllerOptions.of(config));
    }

    @Deactivate
    void close() {
        registration.unregister();
        core.close();
    }
}
