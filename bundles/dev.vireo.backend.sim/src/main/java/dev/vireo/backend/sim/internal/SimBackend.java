package dev.vireo.backend.sim.internal;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.backend.BackendException;
import dev.vireo.api.spi.backend.BackendStatus;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.backend.ContainerUsage;
import dev.vireo.api.time.TaskScheduler;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Simulated containers: creation takes the function's declared cold-start time (else {@code cold.start.ms}), on the
 * clock service; the container's agent is reached through the {@code sim} transport, whatever transport the function
 * names. Its endpoint carries the execution time the agent will simulate. Simulated containers have no cgroup: their
 * {@link #placement placement} is unplaced (the interface's default), and trackers that confine containers skip them.
 */
@Component(service = ContainerBackend.class, configurationPid = "vireo.backend.sim")
@Designate(ocd = SimBackend.Config.class)
@PluginName("sim")
@PluginDescription("simulated containers: cold start and execution times on the clock service")
public final class SimBackend implements ContainerBackend {
    static final String EXEC_US = "sim.exec.us";
    static final String SEED = "sim.seed";
    static final String DISTRIBUTION = "sim.distribution";

    @ObjectClassDefinition(name = "Vireo backend: sim", description = "Times of simulated containers.")
    public @interface Config {
        @AttributeDefinition(name = "Cold start (ms)", description = "Container creation time when the function declares none, in milliseconds.", min = "0")
        long cold_start_ms() default 100;

        @AttributeDefinition(name = "Execution (ms)", description = "Execution time when the function declares none, in milliseconds.", min = "0")
        long exec_ms() default 1;

        @AttributeDefinition(name = "Distribution", description = "fixed, exponential or uniform around the mean.")
        String distribution() default "fixed";

        @AttributeDefinition(name = "Seed", description = "Seed of the random draws (same seed, same times).")
        long seed() default 1;

        @AttributeDefinition(name = "GPU", description = "Also simulate GPU functions.")
        boolean gpu() default false;
    }

    private final TaskScheduler scheduler;
    private final Map<String, ContainerHandle> containers = new ConcurrentHashMap<>();
    private volatile Config config;
    private volatile SimTiming timing;

    @Activate
    public SimBackend(@Reference TaskScheduler scheduler, Config config) {
        this.scheduler = scheduler;
        modified(config);
    }

    @Modified
    void modified(Config config) {
        if (config.cold_start_ms() < 0 || config.exec_ms() < 0) {
            throw new IllegalArgumentException("cold.start.ms and exec.ms must be >= 0");
        }
        this.timing = new SimTiming(config.distribution(), config.seed());
        this.config = config;
    }

    @Override
    public BackendStatus status() {
        return new BackendStatus(true, "simulated (" + timing.distribution() + " times)",
                config.gpu() ? EnumSet.allOf(Compute.class) : EnumSet.of(Compute.CPU), containers.size());
    }

    @Override
    public CompletionStage<ContainerHandle> create(ContainerRequest request) {
        FunctionSpec fn = request.function();
        if (fn.compute() == Compute.GPU && !config.gpu()) {
            return CompletableFuture.failedFuture(new BackendException("the sim backend is not simulating GPUs (gpu=false)"));
        }
        SimTiming t = timing;
        long coldMeanUs = (fn.expected().coldStartMs() > 0 ? fn.expected().coldStartMs() : config.cold_start_ms()) * 1_000;
        long execMeanUs = (fn.expected().warmMs() > 0 ? fn.expected().warmMs() : config.exec_ms()) * 1_000;
        long coldUs = t.draw(coldMeanUs, t.random(request.id()));
        AgentEndpoint endpoint = new AgentEndpoint("sim", request.id(), Map.of(EXEC_US, Long.toString(execMeanUs),
                SEED, Long.toString(t.seed()), DISTRIBUTION, t.distribution()));
        ContainerHandle handle = new ContainerHandle(request.id(), fn.id(), "sim", endpoint, fn.memoryMb(),
                request.labels());
        CompletableFuture<ContainerHandle> ready = new CompletableFuture<>();
        scheduler.schedule(() -> {
            containers.put(handle.id(), handle);
            ready.complete(handle);
        }, Duration.ofNanos(coldUs * 1_000));
        return ready;
    }

    @Override
    public CompletionStage<Void> destroy(ContainerHandle container, String tid) {
        containers.remove(container.id());
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public ContainerUsage usage(ContainerHandle container) {
        long bytes = (long) container.memoryMb() << 20;
        return new ContainerUsage(bytes, bytes, 0);
    }

    @Override
    public int reclaim(String instance) {
        return 0;
    }
}
