package dev.vireo.controller.internal;

import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/** The controller as a service ({@code vireo.controller}); the logic lives in {@link ControllerCore}. */
@Component(service = {WorkerService.class, ClusterService.class}, immediate = true, configurationPid = "vireo.controller")
@Designate(ocd = ControllerConfig.class)
public final class ControllerComponent implements WorkerService, ClusterService {
    private static final System.Logger LOG = System.getLogger(ControllerComponent.class.getName());
    private final ControllerCore core;

    @Activate
    public ControllerComponent(@Reference PluginRegistry registry, @Reference Clock clock,
            @Reference TaskScheduler scheduler, @Reference WorkerConnector connector, @Reference MeterRegistry meters,
            ControllerConfig config) {
        core = new ControllerCore(new ControllerCore.Options(config.name(), Duration.ofMillis(config.heartbeat_ms()),
                config.missed_heartbeats(), config.retry()), registry, clock, scheduler, connector,
                new ControllerMetrics(meters));
        for (String entry : config.workers().split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new ValidationException("workers", "'" + e + "' is not name=host:port");
            }
            String name = e.substring(0, eq).trim();
            String address = e.substring(eq + 1).trim();
            scheduler.execute(() -> {
                try {
                    core.join(name, address);
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, "configured worker " + name + " at " + address + " is not in service yet: "
                            + ex.getMessage() + " (heartbeats keep trying)");
                }
            });
        }
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
    public WorkerMember join(String name, String address) {
        return core.join(name, address);
    }

    @Override
    public void leave(String name) {
        core.leave(name);
    }

    @Override
    public List<WorkerMember> members() {
        return core.members();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        return core.register(spec);
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

}
