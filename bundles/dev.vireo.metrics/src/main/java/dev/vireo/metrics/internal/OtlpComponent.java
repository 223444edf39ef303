package dev.vireo.metrics.internal;

import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.trace.SpanExporter;
import dev.vireo.api.worker.WorkerService;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The OTLP span exporter ({@code vireo.tracing.otlp}): when enabled, an {@link OtlpExporter} registered as the node's
 * {@link SpanExporter}, which the worker and the controller hand their spans to. Disabled, nothing is registered and
 * nothing is traced.
 */
@Component(immediate = true, configurationPid = "vireo.tracing.otlp", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = OtlpComponent.Config.class)
public final class OtlpComponent {
    private static final System.Logger LOG = System.getLogger(OtlpComponent.class.getName());

    @ObjectClassDefinition(name = "Vireo tracing: OTLP export", description = "Sends the spans of traced invocations"
            + " to an OpenTelemetry collector over OTLP/HTTP (JSON).")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Export spans: invocations that arrive with a sampled traceparent (and, with trace.all of vireo.worker, every invocation) are traced.")
        boolean enabled() default false;

        @AttributeDefinition(name = "Endpoint", description = "The collector's OTLP/HTTP traces URL (its default port is 4318).")
        String endpoint() default "http://127.0.0.1:4318/v1/traces";

        @AttributeDefinition(name = "Service name", description = "The service.name resource attribute of every span (service.instance.id is the node's name).")
        String service_name() default "vireo";

        @AttributeDefinition(name = "Batch", description = "Most spans in one export request.", min = "1")
        int batch_max() default 512;

        @AttributeDefinition(name = "Queue", description = "Most spans waiting to be sent; beyond, the oldest are dropped (counted in vireo.tracing.spans{outcome=dropped}).", min = "1")
        int queue_max() default 8192;

        @AttributeDefinition(name = "Flush period (ms)", description = "How often what waits is sent, in milliseconds (a full batch goes at once).", min = "10")
        long flush_ms() default 1_000;

        @AttributeDefinition(name = "Timeout (ms)", description = "How long one export request may take, in milliseconds.", min = "1")
        long timeout_ms() default 5_000;
    }

    private final OtlpExporter exporter;
    private final ServiceRegistration<SpanExporter> registration;

    @Activate
    public OtlpComponent(BundleContext context, @Reference WorkerService node, @Reference TaskScheduler scheduler,
            @Reference MeterRegistry meters, Config config) {
        if (!config.enabled()) {
            exporter = null;
            registration = null;
            return;
        }
        Map<String, String> resource = new LinkedHashMap<>();
        resource.put("service.name", config.service_name());
        resource.put("service.instance.id", node.name());
        OtlpExporter.Options options = new OtlpExporter.Options(URI.create(config.endpoint()), resource,
                config.batch_max(), config.queue_max(), Duration.ofMillis(config.flush_ms()),
                Duration.ofMillis(config.timeout_ms()));
        HttpClient http = HttpClient.newBuilder().connectTimeout(options.timeout()).executor(scheduler::execute).build();
        exporter = new OtlpExporter(options, scheduler, http, meters);
        registration = context.registerService(SpanExporter.class, exporter, new Hashtable<>());
        LOG.log(Level.INFO, "exporting spans over OTLP to " + options.endpoint());
    }

    @Deactivate
    void close() {
        if (registration != null) {
            registration.unregister();
            exporter.close();
        }
    }
}
