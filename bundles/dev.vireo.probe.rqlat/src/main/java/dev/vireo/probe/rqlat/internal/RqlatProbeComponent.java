package dev.vireo.probe.rqlat.internal;

import dev.vireo.api.spi.probe.CpuWaitProbe;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.bpf.BpfArtifacts;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Objects;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The DS shell of the CPU wait probe {@code rqlat}: at activation it starts {@link RqlatRuntime} and, when that
 * works, registers the probe as a {@link CpuWaitProbe} (the worker picks it up); otherwise it logs one INFO line
 * saying why the probe is off, registers nothing, and the worker records {@code cpu_wait_us = -1}. The pins are per
 * worker ({@code /sys/fs/bpf/vireo/<worker name>/rqlat}), hence the reference to the worker. A configuration change
 * makes a new instance (the old loader stops, a new one starts).
 */
@Component(immediate = true, configurationPid = "vireo.probe.rqlat")
@Designate(ocd = RqlatConfig.class)
public final class RqlatProbeComponent {
    private static final System.Logger LOG = System.getLogger(RqlatProbeComponent.class.getName());

    private final RqlatRuntime runtime;
    private final ServiceRegistration<CpuWaitProbe> registration;

    @Activate
    public RqlatProbeComponent(BundleContext context, @Reference WorkerService worker, RqlatConfig config) {
        RqlatOptions options = RqlatOptions.of(config, worker.name());
        Path home = Path.of(Objects.requireNonNullElse(context.getProperty("vireo.home"), "."));
        RqlatRuntime started = null;
        try {
            started = RqlatRuntime.start(options, BpfArtifacts.in(home));
        } catch (RqlatRuntime.Off off) {
            LOG.log(Level.INFO, "cpu wait probe rqlat is off (invocation records say cpu_wait_us = -1): "
                    + off.getMessage());
        }
        this.runtime = started;
        if (started == null) {
            this.registration = null;
            return;
        }
        this.registration = context.registerService(CpuWaitProbe.class, started.probe(), new Hashtable<>());
        LOG.log(Level.INFO, "cpu wait probe rqlat is on: loader pid " + started.loader().pid() + ", maps pinned in "
                + options.pinDir());
    }

    @Deactivate
    void close() {
        if (registration != null) {
            registration.unregister();
        }
        if (runtime != null) {
            runtime.close();
        }
    }
}
