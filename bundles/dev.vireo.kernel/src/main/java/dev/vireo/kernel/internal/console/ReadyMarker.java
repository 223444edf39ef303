package dev.vireo.kernel.internal.console;

import dev.vireo.api.plugin.PluginRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import dev.vireo.api.worker.WorkerEndpoint;

/**
 * Writes {@code <vireo.run.dir>/ready} (JSON: pid, JVM uptime at readiness) when the kernel is ready and every
 * endpoint the role needs listens (framework property {@value #ENDPOINTS}, e.g. {@code http,grpc}), and removes it
 * when that stops being true, so scripts and the boot benchmark can wait for it without a console round trip.
 */
@Component(immediate = true)
public final class ReadyMarker {
    static final String RUN_DIR = "vireo.run.dir";
    static final String ENDPOINTS = "vireo.ready.endpoints";
    private static final System.Logger LOG = System.getLogger(ReadyMarker.class.getName());

    private final PluginRegistry registry;
    private final Path file;
    private final AutoCloseable subscription;
    private final java.util.Set<String> required;
    private final java.util.Set<WorkerEndpoint> endpoints = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private boolean written;

    @Activate
    public ReadyMarker(BundleContext context, @Reference PluginRegistry registry) {
        this.registry = registry;
        String dir = context.getProperty(RUN_DIR);
        this.file = dir == null || dir.isBlank() ? null : Path.of(dir, "ready");
        String needed = context.getProperty(ENDPOINTS);
        this.required = needed == null ? java.util.Set.of() : java.util.Arrays.stream(needed.split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).collect(java.util.stream.Collectors.toSet());
        this.subscription = registry.addListener((point, before, after) -> update());
        update();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addEndpoint(WorkerEndpoint endpoint) {
        endpoints.add(endpoint);
        update();
    }

    void removeEndpoint(WorkerEndpoint endpoint) {
        endpoints.remove(endpoint);
        update();
    }

    /** The protocols the role needs that are not listening yet. */
    java.util.Set<String> missingEndpoints() {
        java.util.Set<String> missing = new java.util.TreeSet<>(required);
        endpoints.forEach(e -> missing.remove(e.protocol()));
        return missing;
    }

    private synchronized void update() {
        if (file == null || registry == null) {
            return;
        }
        boolean ready = registry.ready() && missingEndpoints().isEmpty();
        try {
            if (ready && !written) {
                long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
                Files.createDirectories(file.getParent());
                String where = endpoints.stream().sorted(java.util.Comparator.comparing(WorkerEndpoint::protocol))
                        .map(e -> "\"" + e.protocol() + "\":\"" + e.address() + "\"")
                        .collect(java.util.stream.Collectors.joining(","));
                // written whole under another name and renamed: whoever sees the file reads all of it (a reader
                // polling for it once read it empty, between its creation and the write)
                Path part = file.resolveSibling(file.getFileName() + ".part");
                Files.writeString(part, "{\"pid\":" + ProcessHandle.current().pid() + ",\"uptime_ms\":" + uptime
                        + ",\"endpoints\":{" + where + "}}\n");
                Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                LOG.log(Level.INFO, "ready " + uptime + " ms after JVM start");
                written = true;
            } else if (!ready && written) {
                Files.deleteIfExists(file);
                written = false;
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot write " + file + ": " + e.getMessage());
        }
    }

    @Deactivate
    synchronized void close() throws Exception {
        subscription.close();
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
