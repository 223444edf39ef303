package dev.vireo.metrics.internal;

import dev.vireo.api.metrics.MetricsExporter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The framework's meter registry: a Prometheus registry, offered as Micrometer's {@link MeterRegistry} for every
 * component to record in, and rendered by {@link #scrape()} for {@code GET /metrics}.
 */
@Component(service = MetricsExporter.class, immediate = true)
public final class PrometheusMetrics implements MetricsExporter {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ServiceRegistration<MeterRegistry> registration;
    private final dev.vireo.api.time.TaskScheduler scheduler;

    @Activate
    public PrometheusMetrics(BundleContext context, @Reference dev.vireo.api.time.TaskScheduler scheduler) {
        this.scheduler = scheduler;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        registration = context.registerService(MeterRegistry.class, registry, null);
    }

    @Deactivate
    void close() {
        registration.unregister();
        registry.close();
    }

    @Override
    public String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    @Override
    public String scrape() {
        taskFailures(registry, scheduler);
        return registry.scrape();
    }

    /**
     * A counter {@code vireo.task.failures{task}} for every supervised periodic task that has failed
     * ({@link dev.vireo.api.time.TaskScheduler#failures}), reading the scheduler's count; registering one that exists
     * is a lookup.
     */
    static void taskFailures(MeterRegistry registry, dev.vireo.api.time.TaskScheduler scheduler) {
        for (String task : scheduler.failures().keySet()) {
            io.micrometer.core.instrument.FunctionCounter.builder("vireo.task.failures", scheduler,
                    s -> s.failures().getOrDefault(task, 0L)).description("runs of a periodic task that threw")
                    .tag("task", task).register(registry);
        }
    }
}
