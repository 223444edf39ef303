package dev.vireo.kernel.internal.log;

import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The console's {@code vireo:log}: see the levels set, change one while the node runs. */
@Component(service = LogCommands.class, property = {"osgi.command.scope=vireo", "osgi.command.function=log"})
public final class LogCommands {
    private final LogSettings settings;

    @Activate
    public LogCommands(@Reference LogSettings settings) {
        this.settings = settings;
    }

    @Descriptor("the log levels set, by logger (the root is '')")
    public String log() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : settings.levels().entrySet()) {
            out.append(e.getKey().isEmpty() ? "(root)" : e.getKey()).append(" = ").append(e.getValue()).append('\n');
        }
        return out.toString();
    }

    @Descriptor("set a logger's level until the configuration changes (reset: back to its parent's)")
    public String log(@Descriptor("logger or package, e.g. dev.vireo.worker; root for all") String logger,
            @Descriptor("SEVERE, WARNING, INFO, FINE, ALL, OFF (or ERROR, WARN, DEBUG, TRACE), or reset") String level) {
        settings.level(logger, level.equalsIgnoreCase("reset") ? null : LogSettings.level(level));
        return log();
    }
}
