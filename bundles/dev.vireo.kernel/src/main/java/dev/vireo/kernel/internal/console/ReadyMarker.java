package dev.vireo.kernel.internal.console;

import dev.vireo.api.plugin.PluginRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Writes {@code <vireo.run.dir>/ready} (JSON: pid, JVM uptime at readiness) when the kernel becomes ready and removes
 * it when it stops being ready, so scripts and the boot benchmark can wait for it without a console round trip.
 */
@Component(immediate = true)
public final class ReadyMarker {
    static final String RUN_DIR = "vireo.run.dir";
    private static final System.Logger LOG = System.getLogger(ReadyMarker.class.getName());

    private final PluginRegistry registry;
    private final Path file;
    private final AutoCloseable subscription;
    private boolean written;

    @Activate
    public ReadyMarker(BundleContext context, @Reference PluginRegistry registry) {
        this.registry = registry;
        String dir = context.getProperty(RUN_DIR);
        this.file = dir == null || dir.isBlank() ? null : Path.of(dir, "ready");
        this.subscription = registry.addListener((point, before, after) -> update());
        update();
    }

    private synchronized void update() {
        if (file == null) {
            return;
        }
        boolean ready = registry.ready();
        try {
            if (ready && !written) {
                long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
                Files.createDirectories(file.getParent());
                Files.writeString(file, "{\"pid\":" + ProcessHandle.current().pid() + ",\"uptime_ms\":" + uptime + "}\n");
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
