package dev.vireo.api.plugin;

import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.api.spi.gpu.GpuMonitor;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Every place a plugin can go. A plugin is an OSGi service registered under {@link #type()} with a {@link PluginName}.
 * A {@linkplain #multiple() multiple} point has any number of active plugins at once (several backends serve
 * different functions); a single point has exactly one active plugin (one queue order at a time).
 */
public enum ExtensionPoint {
    BACKEND("backend", ContainerBackend.class, true, "backends", "container backends that create and destroy containers"),
    TRANSPORT("transport", AgentTransport.class, true, "transports", "IPC transports to the agent inside a container"),
    RESOURCE("resource", ResourceTracker.class, true, "resources", "resource trackers (cpu, memory, gpu, concurrency)"),
    GPU_MONITOR("gpu-monitor", GpuMonitor.class, true, "gpu.monitors", "GPU utilisation and memory sources"),
    QUEUE("queue", QueuePolicy.class, false, "queue.policy", "order in which queued invocations run"),
    KEEPALIVE("keepalive", KeepAlivePolicy.class, false, "keepalive.policy", "which idle containers are kept or evicted"),
    BALANCER("balancer", LoadBalancingPolicy.class, false, "balancer.policy", "which worker the controller sends an invocation to"),
    DAG("dag", DagPlanner.class, false, "dag.planner", "how a workflow DAG is planned onto functions and workers"),
    DAG_STORE("dag-store", DagStore.class, false, "dag.store", "where workflow runs keep counters, outputs and records");

    private final String id;
    private final Class<?> type;
    private final boolean multiple;
    private final String configKey;
    private final String description;

    ExtensionPoint(String id, Class<?> type, boolean multiple, String configKey, String description) {
        this.id = id;
        this.type = type;
        this.multiple = multiple;
        this.configKey = configKey;
        this.description = description;
    }

    /** The short name used on the console and in messages, e.g. {@code queue}. */
    public String id() {
        return id;
    }

    /** The service interface plugins of this point register under. */
    public Class<?> type() {
        return type;
    }

    /** True if several plugins of this point may be active at once. */
    public boolean multiple() {
        return multiple;
    }

    /** The key in the kernel configuration ({@code vireo.kernel}) that selects this point's plugins. */
    public String configKey() {
        return configKey;
    }

    public String description() {
        return description;
    }

    /** Finds a point by {@link #id()} or service interface name; unknown names fail listing the known ones. */
    public static ExtensionPoint parse(String name) {
        for (ExtensionPoint p : values()) {
            if (p.id.equalsIgnoreCase(name) || p.type.getName().equals(name) || p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new UnknownPluginException("unknown extension point '" + name + "'; the extension points are: "
                + Arrays.stream(values()).map(ExtensionPoint::id).collect(Collectors.joining(", ")));
    }

    /** The point whose service interface is {@code type}. */
    public static ExtensionPoint of(Class<?> type) {
        for (ExtensionPoint p : values()) {
            if (p.type == type) {
                return p;
            }
        }
        throw new IllegalArgumentException(type.getName() + " is not an extension point");
    }
}
