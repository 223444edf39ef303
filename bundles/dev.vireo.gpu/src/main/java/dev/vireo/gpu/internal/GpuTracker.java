package dev.vireo.gpu.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.gpu.GpuMonitor;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.resource.ResourceUsage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Hands GPUs to GPU containers: each GPU is cut into {@code shares.per.gpu} shares (1 = a whole GPU per container),
 * a container takes one share of the device with the most free shares and keeps it for its lifetime; the grant's
 * assignment ({@code gpu -> "2"}) tells the backend which device to request. The devices are configured, or found
 * through the selected GPU monitors on first use.
 */
@Component(service = ResourceTracker.class, configurationPid = "vireo.resource.gpu")
@Designate(ocd = GpuTracker.Config.class)
@PluginName("gpu")
@PluginDescription("GPUs (or shares of one) for GPU containers, with device assignment")
public final class GpuTracker implements ResourceTracker {

    @ObjectClassDefinition(name = "Vireo resource: gpu", description = "GPUs for containers.")
    public @interface Config {
        @AttributeDefinition(name = "Devices", description = "GPU indices to hand out, e.g. 0,1; empty = those the selected GPU monitors report; none = no GPUs.")
        String devices() default "";

        @AttributeDefinition(name = "Shares per GPU", description = "Containers one GPU may serve at once (its memory split as evenly).", min = "1", max = "64")
        int shares_per_gpu() default 1;
    }

    /** The kernel's registry, looked up when devices are discovered (a reference would be a cycle: it tracks us). */
    private final java.util.function.Supplier<PluginRegistry> registry;
    private final Config config;
    private final Set<ResourceGrant> outstanding = Collections.newSetFromMap(new IdentityHashMap<>());
    private List<Integer> devices;
    private int[] free;
    private String why = "";

    @Activate
    public GpuTracker(org.osgi.framework.BundleContext context, Config config) {
        this(() -> {
            var ref = context.getServiceReference(PluginRegistry.class);
            return ref == null ? null : context.getService(ref);
        }, config);
    }

    GpuTracker(java.util.function.Supplier<PluginRegistry> registry, Config config) {
        if (config.shares_per_gpu() < 1 || config.shares_per_gpu() > 64) {
            throw new IllegalArgumentException("shares.per.gpu " + config.shares_per_gpu() + " is out of range [1, 64]");
        }
        this.registry = registry;
        this.config = config;
        String d = config.devices().trim();
        if (d.equals("none")) {
            devices(List.of(), "devices = none");
        } else if (!d.isEmpty()) {
            List<Integer> list = new ArrayList<>();
            for (String part : d.split(",")) {
                try {
                    list.add(Integer.parseInt(part.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("devices must be GPU indices like 0,1 (or none), got '" + d + "'");
                }
            }
            devices(list, "");
        }
    }

    private void devices(List<Integer> list, String reason) {
        devices = List.copyOf(list);
        free = new int[list.size()];
        java.util.Arrays.fill(free, config.shares_per_gpu());
        why = reason;
    }

    /** The devices, asking the monitors once when none are configured. */
    private synchronized void discover() {
        if (devices != null) {
            return;
        }
        List<Integer> found = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        PluginRegistry plugins = registry.get();
        Map<String, GpuMonitor> monitors = plugins == null ? Map.of() : plugins.activeAll(GpuMonitor.class);
        for (var e : monitors.entrySet()) {
            try {
                e.getValue().sample().forEach(s -> found.add(s.index()));
            } catch (IOException | RuntimeException x) {
                errors.add(e.getKey() + ": " + x.getMessage());
            }
        }
        devices(found, found.isEmpty() ? (monitors.isEmpty()
                ? "no GPU monitor is selected (gpu.monitors in vireo.kernel) and vireo.resource.gpu names no devices"
                : "the GPU monitors found no GPU" + (errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")")) : "");
    }

    @Override
    public Optional<ResourceGrant> tryAcquire(ResourceRequest request) {
        if (request.gpus() == 0) {
            return Optional.of(new ResourceGrant("gpu", request.tid(), 0, Map.of()));
        }
        discover();
        synchronized (this) {
            int best = -1;
            for (int i = 0; i < free.length; i++) {
                if (free[i] > 0 && (best < 0 || free[i] > free[best])) {
                    best = i;
                }
            }
            if (best < 0 || request.gpus() > 1) {
                return Optional.empty();
            }
            free[best]--;
            ResourceGrant grant = new ResourceGrant("gpu", request.tid(), 1,
                    Map.of("gpu", Integer.toString(devices.get(best))));
            outstanding.add(grant);
            return Optional.of(grant);
        }
    }

    @Override
    public synchronized void release(ResourceGrant grant) {
        if (grant.amount() == 0 || !outstanding.remove(grant)) {
            return;
        }
        int index = devices.indexOf(Integer.parseInt(grant.assignment().get("gpu")));
        if (index >= 0) {
            free[index]++;
        }
    }

    @Override
    public ResourceUsage usage() {
        discover();
        synchronized (this) {
            int capacity = devices.size() * config.shares_per_gpu();
            int used = capacity - java.util.Arrays.stream(free).sum();
            return new ResourceUsage("gpu", config.shares_per_gpu() == 1 ? "gpus" : "gpu shares", capacity, used,
                    Map.of("devices", (double) devices.size()));
        }
    }

    @Override
    public Optional<String> impossible(ResourceRequest request) {
        if (request.gpus() == 0) {
            return Optional.empty();
        }
        discover();
        synchronized (this) {
            if (devices.isEmpty()) {
                return Optional.of("needs a GPU but this worker has none: " + why);
            }
            return request.gpus() > 1 ? Optional.of("needs " + request.gpus() + " GPUs; a container gets one GPU")
                    : Optional.empty();
        }
    }
}
