package dev.vireo.controller.internal;

import dev.vireo.api.model.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@link ControllerConfig} checked once and turned into values.
 *
 * <p>What a configuration change does at runtime ({@link ControllerCore#reconfigure}): {@code heartbeat.ms}
 * reschedules the heartbeat; {@code missed.heartbeats} applies from the next heartbeat and {@code retry} from the next
 * failed invocation; a worker added to {@code workers} joins, and one removed from it leaves (if it is still at the
 * address the list gave it). Only {@code name} keeps its value until the controller restarts: it is the controller's
 * identity to those that read it once (the metrics push roots its series at it) and is in every record and generated
 * transaction id already handed out.
 *
 * @param workers the workers the configuration names, in its order
 */
record ControllerOptions(String name, Duration heartbeat, int missedHeartbeats, boolean retry,
        List<Seed> workers) {
    /** A controller's or a worker's name. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** A worker named in the configuration ({@code name=host:port}): joined at start, or when added later. */
    record Seed(String name, String address) {
    }

    ControllerOptions {
        check(name, heartbeat, missedHeartbeats);
        workers = List.copyOf(workers);
    }

    /** Options without configured workers (they join by themselves). */
    ControllerOptions(String name, Duration heartbeat, int missedHeartbeats, boolean retry) {
        this(name, heartbeat, missedHeartbeats, retry, List.of());
    }

    static ControllerOptions of(ControllerConfig c) {
        Duration heartbeat = Duration.ofMillis(c.heartbeat_ms());
        check(c.name(), heartbeat, c.missed_heartbeats());
        List<Seed> workers = new ArrayList<>();
        for (String entry : c.workers().split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new ValidationException("workers", "'" + e + "' is not name=host:port");
            }
            workers.add(new Seed(e.substring(0, eq).trim(), e.substring(eq + 1).trim()));
        }
        return new ControllerOptions(c.name(), heartbeat, c.missed_heartbeats(), c.retry(), workers);
    }

    /** These options under another name (a running controller keeps its own). */
    ControllerOptions withName(String other) {
        return new ControllerOptions(other, heartbeat, missedHeartbeats, retry, workers);
    }

    private static void check(String name, Duration heartbeat, int missedHeartbeats) {
        if (!NAME.matcher(name).matches()) {
            throw new ValidationException("name", "'" + name + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (heartbeat.toMillis() < 10 || missedHeartbeats < 1) {
            throw new ValidationException("heartbeat", "heartbeat.ms must be >= 10 and missed.heartbeats >= 1");
        }
    }
}
