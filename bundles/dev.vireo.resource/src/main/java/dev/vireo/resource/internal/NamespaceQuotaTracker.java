package dev.vireo.resource.internal;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.resource.ResourceUsage;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Quotas of namespaces: invocations of a namespace's functions running at once ({@code concurrency}) and memory of
 * its containers ({@code memory.mb}), each namespace on its own; a namespace not listed has no quota here (the
 * worker's own trackers still bound it). An invocation over its namespace's concurrency waits in the queue as one over
 * the worker's; a container over its namespace's memory makes the worker give up the namespace's own idle containers
 * ({@link #perNamespace()}), never another's. The check and the update are one step under one monitor; grants are
 * tracked by identity. Limits change at runtime; what is granted stays until released.
 */
@Component(service = ResourceTracker.class, configurationPid = "vireo.resource.namespaces")
@Designate(ocd = NamespaceQuotaTracker.Config.class)
@PluginName("namespaces")
@PluginDescription("each namespace's quotas: invocations running at once and memory of its containers")
public final class NamespaceQuotaTracker implements ResourceTracker {

    @ObjectClassDefinition(name = "Vireo resource: namespaces", description = "Quotas of namespaces (functions"
            + " registered with a namespace, by its token or the namespace field).")
    public @interface Config {
        @AttributeDefinition(name = "Concurrency", description = "Invocations running at once per namespace:"
                + " 'namespace:N' entries separated by commas (N >= 1); a namespace not listed has no quota.")
        String concurrency() default "";

        @AttributeDefinition(name = "Memory (MB)", description = "Memory of a namespace's containers together, in MB:"
                + " 'namespace:MB' entries separated by commas (MB >= 16); a namespace not listed has no quota.")
        String memory_mb() default "";
    }

    private record Limits(Map<String, Long> concurrency, Map<String, Long> memoryMb) {
    }

    /** What a grant holds: the namespace and which of its quotas. */
    private record Held(String namespace, boolean memory) {
    }

    private static final ResourceGrant NOTHING = new ResourceGrant("namespaces", "-", 0, Map.of());

    private volatile Limits limits;
    private final Map<ResourceGrant, Held> outstanding = new IdentityHashMap<>();
    private final Map<String, long[]> used = new HashMap<>(); // namespace -> {running, memory MB}

    @Activate
    public NamespaceQuotaTracker(Config config) {
        this.limits = limits(config);
    }

    @Modified
    void modified(Config config) {
        this.limits = limits(config);
    }

    static Limits limits(Config config) {
        return new Limits(parse("concurrency", config.concurrency(), 1), parse("memory.mb", config.memory_mb(), 16));
    }

    /** {@code namespace:N, ...}; each namespace once, N at least {@code min}. */
    static Map<String, Long> parse(String key, String text, long min) {
        Map<String, Long> out = new TreeMap<>();
        if (text == null || text.isBlank()) {
            return Collections.unmodifiableMap(out);
        }
        for (String entry : text.trim().split("[,\\s]+")) {
            int colon = entry.indexOf(':');
            String namespace = colon < 0 ? "" : entry.substring(0, colon);
            if (!FunctionSpec.NAMESPACE.matcher(namespace).matches()) {
                throw new ValidationException(key, "'" + entry + "' is not namespace:number");
            }
            long n;
            try {
                n = Long.parseLong(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new ValidationException(key, "'" + entry + "' is not namespace:number");
            }
            if (n < min) {
                throw new ValidationException(key, "namespace " + namespace + ": " + n + " is below " + min);
            }
            if (out.put(namespace, n) != null) {
                throw new ValidationException(key, "namespace " + namespace + " is listed twice");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public boolean perNamespace() {
        return true;
    }

    @Override
    public Optional<ResourceGrant> tryAcquire(ResourceRequest request) {
        Limits l = limits;
        String namespace = FunctionSpec.namespaceOf(request.functionId());
        boolean memory = request.memoryMb() > 0;
        long amount = memory ? request.memoryMb() : request.slots();
        Long limit = (memory ? l.memoryMb() : l.concurrency()).get(namespace);
        if (amount == 0 || limit == null) {
            return Optional.of(NOTHING); // nothing this tracker counts: no monitor on the way
        }
        synchronized (this) {
            long[] u = used.computeIfAbsent(namespace, k -> new long[2]);
            int i = memory ? 1 : 0;
            if (u[i] + amount > limit) {
                return Optional.empty();
            }
            u[i] += amount;
            ResourceGrant grant = new ResourceGrant("namespaces", request.tid(), amount, Map.of());
            outstanding.put(grant, new Held(namespace, memory));
            return Optional.of(grant);
        }
    }

    @Override
    public void release(ResourceGrant grant) {
        if (grant.amount() == 0) {
            return;
        }
        synchronized (this) {
            Held held = outstanding.remove(grant);
            if (held != null) {
                long[] u = used.get(held.namespace());
                int i = held.memory() ? 1 : 0;
                u[i] = Math.max(0, u[i] - (long) grant.amount());
            }
        }
    }

    /** Capacity: the namespaces with a quota; used: those at one of their quotas; per namespace its use and quotas. */
    @Override
    public synchronized ResourceUsage usage() {
        Limits l = limits;
        Map<String, Double> detail = new TreeMap<>();
        java.util.Set<String> limited = new java.util.TreeSet<>(l.concurrency().keySet());
        limited.addAll(l.memoryMb().keySet());
        int full = 0;
        for (String ns : limited) {
            long[] u = used.getOrDefault(ns, new long[2]);
            detail.put(ns + ".running", (double) u[0]);
            detail.put(ns + ".memory_mb", (double) u[1]);
            Long c = l.concurrency().get(ns);
            Long m = l.memoryMb().get(ns);
            if (c != null) {
                detail.put(ns + ".concurrency_quota", (double) c);
            }
            if (m != null) {
                detail.put(ns + ".memory_mb_quota", (double) m);
            }
            if ((c != null && u[0] >= c) || (m != null && u[1] >= m)) {
                full++;
            }
        }
        return new ResourceUsage("namespaces", "namespaces", limited.size(), full, detail);
    }

    @Override
    public Optional<String> impossible(ResourceRequest request) {
        String namespace = FunctionSpec.namespaceOf(request.functionId());
        Long memory = limits.memoryMb().get(namespace);
        if (request.memoryMb() > 0 && memory != null && request.memoryMb() > memory) {
            return Optional.of("needs " + request.memoryMb() + " MB but namespace " + namespace + "'s memory quota is "
                    + memory + " MB (memory.mb of vireo.resource.namespaces)");
        }
        return Optional.empty();
    }
}
