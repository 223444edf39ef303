package dev.vireo.worker.internal;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.probe.CpuWaitProbe;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.NodeConfiguration;
import dev.vireo.api.worker.NodeSettings;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/** The worker as a service ({@code vireo.worker} configuration); the pipeline lives in {@link WorkerCore}. */
@Component(service = WorkerService.class, immediate = true, configurationPid = "vireo.worker")
@Designate(ocd = WorkerConfig.class)
public final class WorkerComponent implements WorkerService {
    private final WorkerCore core;
    /** The Vireo home (framework property vireo.home), always a code root: its examples/ are functions. */
    private final String home;
    private volatile NodeConfiguration configuration;
    private final PluginRegistry registry;

    @Activate
    public WorkerComponent(org.osgi.framework.BundleContext context, @Reference PluginRegistry registry,
            @Reference Clock clock, @Reference TaskScheduler scheduler,
            @Reference io.micrometer.core.instrument.MeterRegistry meters, WorkerConfig config) {
        this.home = context.getProperty("vireo.home");
        this.registry = registry;
        ActivationLog.Limits limits = activationLimits(config); // checked before anything starts
        this.core = new WorkerCore(registry, clock, scheduler, WorkerOptions.of(config, home), meters);
        core.activationLimits(limits);
        core.traceAll(config.trace_all());
        String runDir = context.getProperty("vireo.run.dir");
        if (config.state_persist() && runDir != null && !runDir.isBlank()) {
            java.nio.file.Path dir = java.nio.file.Path.of(runDir, "state");
            try {
                core.keepAsyncIn(new AsyncStore(dir.resolve("async")));
                core.keepRegistrationsIn(FunctionStore.in(dir.resolve("functions")));
            } catch (java.io.IOException e) {
                core.close();
                throw new IllegalStateException("the worker cannot keep its state in " + dir + ": " + e
                        + " (or set state.persist = false in vireo.worker)", e);
            }
        } else {
            core.reclaimLeftovers();
        }
    }

    /**
     * The CPU wait probe, when one is registered (bundle {@code dev.vireo.probe.rqlat}): the invocation records then
     * carry {@code cpu_wait_us}. Dynamic: it may come and go while the worker runs.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setCpuWaitProbe(CpuWaitProbe probe) {
        core.cpuWaitProbe(probe);
    }

    void unsetCpuWaitProbe(CpuWaitProbe probe) {
        core.cpuWaitProbeGone(probe);
    }

    /** Every span exporter registered (OTLP...): the spans of traced invocations go to each. */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        core.addSpanExporter(exporter);
    }

    void removeSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        core.removeSpanExporter(exporter);
    }

    /** The node's configuration, for {@link #settings()} (the kernel provides it). */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setConfiguration(NodeConfiguration view) {
        configuration = view;
    }

    void unsetConfiguration(NodeConfiguration view) {
        if (configuration == view) {
            configuration = null;
        }
    }

    @Modified
    void modified(WorkerConfig config) {
        core.reconfigure(WorkerOptions.of(config, home));
        core.activationLimits(activationLimits(config));
        core.traceAll(config.trace_all());
    }

    private static ActivationLog.Limits activationLimits(WorkerConfig c) {
        if (c.activations_max() < 0 || c.activations_max_bytes() < 0 || c.activations_retention_ms() < 1_000) {
            throw new dev.vireo.api.model.ValidationException("activations", "activations.max and"
                    + " activations.max.bytes must be at least 0, activations.retention.ms at least 1000");
        }
        return new ActivationLog.Limits(c.activations_max(), c.activations_max_bytes(),
                java.time.Duration.ofMillis(c.activations_retention_ms()));
    }

    @Deactivate
    void close() {
        core.close();
    }

    @Override
    public String name() {
        return core.name();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        return core.register(spec);
    }

    @Override
    public FunctionSpec update(FunctionSpec spec) {
        return core.update(spec);
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
            dev.vireo.api.trace.TraceContext trace) {
        return core.invoke(tid, functionId, payload, trace);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload, dev.vireo.api.trace.TraceContext trace) {
        return core.invokeAsync(tid, functionId, payload, trace);
    }

    @Override
    public void unregister(String functionId) {
        core.unregister(functionId);
    }

    @Override
    public List<FunctionSpec> functions() {
        return core.functions();
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        return core.invoke(tid, functionId, payload);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        return core.invokeAsync(tid, functionId, payload);
    }

    @Override
    public List<InvocationRecord> activations(dev.vireo.api.worker.ActivationQuery query) {
        return core.activations(query);
    }

    @Override
    public InvocationRecord activation(String tid) {
        return core.activation(tid);
    }

    @Override
    public AsyncResult result(String id) {
        return core.result(id);
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        return core.prewarm(functionId, count);
    }

    @Override
    public WorkerStatus status() {
        return core.status();
    }

    @Override
    public java.util.Optional<dev.vireo.api.worker.InvocationAnatomy> anatomy(String tid) {
        return core.anatomy(tid);
    }

    @Override
    public dev.vireo.api.worker.Estimate estimate(String functionId) {
        return core.estimate(functionId);
    }

    /** What a worker puts in force when asked remotely: its queue and keep-alive policies. */
    static final java.util.Set<dev.vireo.api.plugin.ExtensionPoint> REMOTE_POINTS = java.util.Set.of(
            dev.vireo.api.plugin.ExtensionPoint.QUEUE, dev.vireo.api.plugin.ExtensionPoint.KEEPALIVE);

    @Override
    public java.util.Map<String, String> use(String point, String plugin) {
        return registry.use(point, plugin, REMOTE_POINTS);
    }

    @Override
    public NodeSettings settings() {
        NodeConfiguration view = configuration;
        if (view == null) {
            return WorkerService.super.settings();
        }
        return new NodeSettings(core.name(), "worker", view.current(), registry.inForce(), capacities(), List.of());
    }

    private java.util.Map<String, Double> capacities() {
        java.util.Map<String, Double> out = new java.util.TreeMap<>();
        core.status().resources().forEach(u -> out.put(u.resource(), u.capacity()));
        return out;
    }
}
