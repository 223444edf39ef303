package dev.vireo.kernel.internal.console;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.plugin.Selection;
import java.lang.management.ManagementFactory;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueueContext;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.queue.QueuedInvocation;
import dev.vireo.api.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Gogo commands of scope {@code vireo}: see what is installed and active, and swap plugins at runtime. */
@Component(service = VireoCommands.class, property = {"osgi.command.scope=vireo", "osgi.command.function=plugins",
        "osgi.command.function=use", "osgi.command.function=reset", "osgi.command.function=status",
        "osgi.command.function=points", "osgi.command.function=queue"})
public final class VireoCommands {
    private final PluginRegistry registry;
    private final Clock clock;

    @Activate
    public VireoCommands(@Reference PluginRegistry registry, @Reference Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Descriptor("run sample invocations through the active queue policy and show the order they leave in")
    public String queue(@Descriptor("samples as name:expectedMs, in arrival order") String... samples) {
        QueuePolicy policy = registry.active(QueuePolicy.class);
        InvocationQueue queue = policy.newQueue(new QueueContext() {
            @Override
            public Clock clock() {
                return clock;
            }

            @Override
            public FunctionStats stats(String functionId) {
                return FunctionStats.EMPTY;
            }
        });
        long seq = 0;
        for (String sample : samples) {
            String[] parts = sample.split(":", 2);
            long ms;
            try {
                ms = parts.length == 2 ? Long.parseLong(parts[1]) : 0;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("sample '" + sample + "': expected time must be whole milliseconds");
            }
            FunctionSpec f = new FunctionSpec(parts[0], "1", "preview", "", "", "", Compute.CPU, "uds", 128, 1,
                    Duration.ofMinutes(1), 1, new ExpectedTimings(0, ms));
            seq++;
            queue.offer(new QueuedInvocation(new Invocation("preview-" + seq, f.id(), "", clock.nanoTime()), f, seq,
                    clock.nanoTime(), false));
        }
        List<String> order = new java.util.ArrayList<>();
        for (QueuedInvocation q; (q = queue.poll()) != null;) {
            order.add(q.function().name());
        }
        return registry.selection(ExtensionPoint.QUEUE).effective() + " runs: " + String.join(" -> ", order);
    }

    @Descriptor("list every extension point, its plugins and which are active (*)")
    public String plugins() {
        return table(registry.plugins(), List.of(ExtensionPoint.values()));
    }

    @Descriptor("list the plugins of one extension point")
    public String plugins(@Descriptor("extension point, e.g. queue") String point) {
        ExtensionPoint p = ExtensionPoint.parse(point);
        return table(registry.plugins().stream().filter(i -> i.point() == p).toList(), List.of(p));
    }

    @Descriptor("list the extension points")
    public String points() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-8s %-18s %s%n", "POINT", "ACTIVE", "CONFIG KEY", "WHAT"));
        for (ExtensionPoint p : ExtensionPoint.values()) {
            sb.append(String.format(Locale.ROOT, "%-12s %-8s %-18s %s%n", p.id(), p.multiple() ? "several" : "one", p.configKey(),
                    p.description()));
        }
        return sb.toString().stripTrailing();
    }

    @Descriptor("select plugins of an extension point now, overriding configuration")
    public String use(@Descriptor("extension point, e.g. queue") String point,
            @Descriptor("plugin name(s), comma-separated for points that take several") String names) {
        ExtensionPoint p = ExtensionPoint.parse(point);
        Selection s = registry.use(p, List.of(names.split(",")).stream().map(String::trim).filter(n -> !n.isEmpty()).toList());
        return p.id() + " now uses " + String.join(", ", s.effective()) + " (configured: "
                + (s.configured().isEmpty() ? "none" : String.join(", ", s.configured())) + ")";
    }

    @Descriptor("drop the console's choice for an extension point: configuration rules again")
    public String reset(@Descriptor("extension point, e.g. queue") String point) {
        ExtensionPoint p = ExtensionPoint.parse(point);
        Selection s = registry.use(p, List.of());
        return p.id() + " back to the configured " + (s.effective().isEmpty() ? "none" : String.join(", ", s.effective()));
    }

    @Descriptor("show readiness, every selection, and the JVM")
    public String status() {
        StringBuilder sb = new StringBuilder();
        sb.append("vireo: ").append(registry.ready() ? "ready" : "NOT READY").append('\n');
        sb.append(String.format(Locale.ROOT, "%-12s %-24s %-24s %s%n", "POINT", "IN FORCE", "CONFIGURED", "PROBLEM"));
        for (Selection s : registry.selections()) {
            String problem = !s.missing().isEmpty() ? "not installed: " + String.join(", ", s.missing())
                    : s.required() && s.effective().isEmpty() ? "nothing selected" : "";
            if (!s.required() && !problem.isEmpty()) {
                problem += " (not needed by this role)";
            }
            sb.append(String.format(Locale.ROOT, "%-12s %-24s %-24s %s%n", s.point().id(), join(s.effective()),
                    join(s.configured()) + (s.override().isEmpty() ? "" : " (overridden)"), problem));
        }
        var rt = Runtime.getRuntime();
        sb.append(String.format(Locale.ROOT, "jvm: %s, uptime %d ms, heap %d/%d MB, %d cpus", Runtime.version(),
                ManagementFactory.getRuntimeMXBean().getUptime(), (rt.totalMemory() - rt.freeMemory()) >> 20,
                rt.maxMemory() >> 20, rt.availableProcessors()));
        return sb.toString();
    }

    private static String join(List<String> names) {
        return names.isEmpty() ? "-" : String.join(",", names);
    }

    private static String table(List<PluginInfo> infos, List<ExtensionPoint> points) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-16s %-6s %-34s %s%n", "POINT", "PLUGIN", "ACTIVE",
                "BUNDLE", "DESCRIPTION"));
        for (ExtensionPoint p : points) {
            List<PluginInfo> of = infos.stream().filter(i -> i.point() == p).toList();
            if (of.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "%-12s %-16s%n", p.id(), "(none installed)"));
            }
            for (PluginInfo i : of) {
                sb.append(String.format(Locale.ROOT, "%-12s %-16s %-6s %-34s %s%n", p.id(), i.name(),
                        i.duplicate() ? "dup" : i.active() ? "*" : "", i.bundle(), i.description()));
            }
        }
        return sb.toString().stripTrailing();
    }
}
