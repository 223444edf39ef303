package dev.vireo.worker.internal;

import dev.vireo.api.model.ValidationException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** {@link WorkerConfig} checked once and turned into values. */
record WorkerOptions(String name, int queueCapacity, Duration asyncRetention, Duration keepAliveCheck, int maxFunctions,
        Duration memorySample, int pressureFreePercent, List<Path> codeRoots, String raplDir) {

    /** Worker names keep the rule function names had before '_' was allowed in those. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    /** Options without RAPL (no energy per invocation): what tests and tools that do not read the host use. */
    WorkerOptions(String name, int queueCapacity, Duration asyncRetention, Duration keepAliveCheck, int maxFunctions,
            Duration memorySample, int pressureFreePercent, List<Path> codeRoots) {
        this(name, queueCapacity, asyncRetention, keepAliveCheck, maxFunctions, memorySample, pressureFreePercent,
                codeRoots, "");
    }

    /** These options under another name (a running worker keeps its name across reconfigurations). */
    WorkerOptions named(String other) {
        return new WorkerOptions(other, queueCapacity, asyncRetention, keepAliveCheck, maxFunctions, memorySample,
                pressureFreePercent, codeRoots, raplDir);
    }

    /** The options of {@code c}; {@code home} (the Vireo home, or null) is a code root besides those configured. */
    static WorkerOptions of(WorkerConfig c, String home) {
        if (!NAME.matcher(c.name()).matches()) {
            throw new ValidationException("name", "'" + c.name() + "' is not a worker name (lower-case letters, digits, '-')");
        }
        if (c.queue_capacity() < 1) {
            throw new ValidationException("queue.capacity", c.queue_capacity() + " must be at least 1");
        }
        if (c.async_retention_ms() < 1_000) {
            throw new ValidationException("async.retention.ms", c.async_retention_ms() + " must be at least 1000 ms");
        }
        if (c.keepalive_check_ms() < 10) {
            throw new ValidationException("keepalive.check.ms", c.keepalive_check_ms() + " must be at least 10 ms");
        }
        if (c.max_functions() < 1) {
            throw new ValidationException("max.functions", c.max_functions() + " must be at least 1");
        }
        if (c.memory_sample_ms() < 10) {
            throw new ValidationException("memory.sample.ms", c.memory_sample_ms() + " must be at least 10 ms");
        }
        if (c.memory_pressure_free_percent() < 0 || c.memory_pressure_free_percent() > 90) {
            throw new ValidationException("memory.pressure.free.percent", c.memory_pressure_free_percent()
                    + " is out of range [0, 90] %");
        }
        return new WorkerOptions(c.name(), c.queue_capacity(), Duration.ofMillis(c.async_retention_ms()),
                Duration.ofMillis(c.keepalive_check_ms()), c.max_functions(), Duration.ofMillis(c.memory_sample_ms()),
                c.memory_pressure_free_percent(), roots(home == null || home.isBlank() ? c.code_roots()
                        : home + "," + c.code_roots()), raplDir(c.energy_rapl_dir()));
    }

    /** The RAPL folder: empty (none) or absolute. */
    static String raplDir(String dir) {
        String d = dir == null ? "" : dir.strip();
        if (!d.isEmpty() && (!d.startsWith("/") || d.indexOf('\0') >= 0)) {
            throw new ValidationException("energy.rapl.dir", "'" + d + "' is not an absolute directory (empty: none)");
        }
        return d;
    }

    /** "a, b" -> [a, b]; each must be absolute. */
    static List<Path> roots(String list) {
        List<Path> roots = new ArrayList<>();
        for (String part : list.split(",")) {
            String root = part.strip();
            if (root.isEmpty()) {
                continue;
            }
            if (!root.startsWith("/") || root.indexOf('\0') >= 0) {
                throw new ValidationException("code.roots", "'" + root + "' is not an absolute directory");
            }
            roots.add(Path.of(root).normalize());
        }
        return List.copyOf(roots);
    }
}
