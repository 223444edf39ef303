package dev.vireo.metrics.internal;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerService;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tag;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Pushes every meter of the framework's registry to Graphite (carbon's plaintext protocol, {@code path value
 * epoch-seconds} per line) every step: the worker's and the controller's series, for experiments that want them
 * stored beside their results. Paths: {@code <prefix>.<worker or controller name>.<meter name without "vireo.">
 * [.<tag>_<value> for each tag but worker, by key].<statistic>} (value, count, total_time, max...). Counts are
 * cumulative, as Micrometer measures them; times are in the registry's base unit (seconds).
 */
@Component(immediate = true, configurationPid = "vireo.metrics.graphite", configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = GraphitePush.Config.class)
public final class GraphitePush {
    private static final System.Logger LOG = System.getLogger(GraphitePush.class.getName());

    @ObjectClassDefinition(name = "Vireo metrics: Graphite push", description = "Pushes the metrics to carbon.")
    public @interface Config {
        @AttributeDefinition(name = "Enabled", description = "Push every meter to carbon.")
        boolean enabled() default false;

        @AttributeDefinition(name = "Host", description = "Host of carbon's plaintext (line) receiver.")
        String host() default "127.0.0.1";

        @AttributeDefinition(name = "Port", description = "carbon's plaintext (line) port.", min = "1", max = "65535")
        int port() default 2003;

        @AttributeDefinition(name = "Step (ms)", description = "How often every series is pushed, in milliseconds.", min = "100")
        long step_ms() default 10_000;

        @AttributeDefinition(name = "Prefix", description = "First node of every path: <prefix>.<worker or controller name>.<meter without 'vireo.'>[.<tag>_<value>...].<statistic>, e.g. vireo.worker-1.queue.length.value.")
        String prefix() default "vireo";
    }

    private final Cancellable task;
    private volatile String lastError = "";

    @Activate
    public GraphitePush(@Reference MeterRegistry registry, @Reference WorkerService service, @Reference Clock clock,
            @Reference TaskScheduler scheduler, Config config) {
        if (!config.enabled()) {
            task = null;
            return;
        }
        if (config.port() < 1 || config.port() > 65_535 || config.step_ms() < 100 || config.host().isBlank()) {
            throw new IllegalArgumentException("vireo.metrics.graphite: host must be set, port 1-65535, step.ms >= 100");
        }
        String root = node(config.prefix()) + "." + node(service.name());
        LOG.log(Level.INFO, "pushing metrics to Graphite at " + config.host() + ":" + config.port() + " every "
                + config.step_ms() + " ms as " + root + ".*");
        task = scheduler.scheduleAtFixedRate("metrics.graphite", () -> push(registry, root, clock.now().getEpochSecond(), config),
                Duration.ofMillis(config.step_ms()));
    }

    /** The lines of one push, sorted (tests read them). */
    static List<String> lines(MeterRegistry registry, String root, long epochSeconds) {
        List<String> lines = new ArrayList<>();
        for (Meter m : registry.getMeters()) {
            StringBuilder path = new StringBuilder(root).append('.');
            String name = m.getId().getName();
            path.append(node(name.startsWith("vireo.") ? name.substring("vireo.".length()) : name));
            m.getId().getTags().stream().filter(t -> !t.getKey().equals("worker"))
                    .sorted(Comparator.comparing(Tag::getKey))
                    .forEach(t -> path.append('.').append(node(t.getKey())).append('_').append(node(t.getValue())));
            for (Measurement x : m.measure()) {
                double v = x.getValue();
                if (Double.isFinite(v)) {
                    lines.add(path + "." + x.getStatistic().getTagValueRepresentation().toLowerCase(Locale.ROOT) + " "
                            + (v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v))
                            + " " + epochSeconds);
                }
            }
        }
        lines.sort(null);
        return lines;
    }

    /** A path node: dots inside names become separators only where meant; anything else unusual becomes '_'. */
    static String node(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private void push(MeterRegistry registry, String root, long epochSeconds, Config config) {
        List<String> lines = lines(registry, root, epochSeconds);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(config.host(), config.port()), 2_000);
            OutputStream out = socket.getOutputStream();
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (!lastError.isEmpty()) {
                LOG.log(Level.INFO, "Graphite at " + config.host() + ":" + config.port() + " reachable again");
                lastError = "";
            }
        } catch (IOException e) {
            String error = e.toString();
            if (!error.equals(lastError)) {
                LOG.log(Level.WARNING, "cannot push metrics to Graphite at " + config.host() + ":" + config.port()
                        + ": " + error + " (retrying every step)");
                lastError = error;
            }
        }
    }

    @Deactivate
    void close() {
        if (task != null) {
            task.cancel();
        }
    }
}
