package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.resource.ResourceUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;

/**
 * Resource tracker {@code cpu-groups}: the DS shell over {@link CpuGroups}. A configuration change makes a new
 * instance (no {@code @Modified}): the old one takes its containers out of their groups when it is deactivated, and
 * grants it handed out are still returned to it. Also registered under its own class for {@link CpuGroupsCommands}.
 */
@Component(service = {ResourceTracker.class, CpuGroupsTracker.class}, configurationPid = "vireo.resource.cpugroups")
@Designate(ocd = CpuGroupsConfig.class)
@PluginName("cpu-groups")
@PluginDescription("invocations run in CPU groups (cpuset or sched-ext), at most max.in.flight at once")
public final class CpuGroupsTracker implements ResourceTracker {
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private final CpuGroups core;

    @Activate
    public CpuGroupsTracker(CpuGroupsConfig config, BundleContext context) {
        this(CpuGroupsOptions.of(config, online()), host(context));
    }

    /** Outside a framework, on a host with no Vireo home (tests: cpuset, or sched-ext falling back to it). */
    public CpuGroupsTracker(CpuGroupsConfig config) {
        this(CpuGroupsOptions.of(config, online()));
    }

    CpuGroupsTracker(CpuGroupsOptions options) {
        this(options, new Mode.Host(Path.of("."), "vireo"));
    }

    CpuGroupsTracker(CpuGroupsOptions options, Mode.Host host) {
        this.core = new CpuGroups(options, options.mode().enforcer(options, host));
    }

    /** The home (its BPF build output) and this instance's name (its run directory's, else "vireo"). */
    static Mode.Host host(BundleContext context) {
        String home = context.getProperty("vireo.home");
        String run = context.getProperty("vireo.run.dir");
        Path runDir = run == null || run.isBlank() ? null : Path.of(run).getFileName();
        return new Mode.Host(Path.of(home == null || home.isBlank() ? "." : home), runDir == null ? "vireo"
                : runDir.toString());
    }

    /** This machine's online CPUs, else 0..n-1 for the processors the JVM sees. */
    static CpuList online() {
        try {
            return CpuList.parse(Files.readString(ONLINE));
        } catch (IOException | IllegalArgumentException e) {
            return CpuList.parse("0-" + (Runtime.getRuntime().availableProcessors() - 1));
        }
    }

    @Deactivate
    void close() {
        core.close();
    }

    CpuGroups core() {
        return core;
    }

    @Override
    public Optional<ResourceGrant> tryAcquire(ResourceRequest request) {
        return core.tryAcquire(request);
    }

    @Override
    public void release(ResourceGrant grant) {
        core.release(grant);
    }

    @Override
    public ResourceUsage usage() {
        return core.usage();
    }

    @Override
    public Optional<String> impossible(ResourceRequest request) {
        return core.impossible(request);
    }

    @Override
    public void bind(ResourceGrant grant, ContainerPlacement placement) {
        core.bind(grant, placement);
    }

    @Override
    public void unbind(ResourceGrant grant) {
        core.unbind(grant);
    }

    @Override
    public void destroyed(ContainerPlacement placement, String tid) {
        core.forget(placement);
    }
}
