package dev.vireo.dag.internal;

import dev.vireo.api.model.ValidationException;
import java.time.Duration;

/** {@link DagConfig} checked once and turned into values. */
record DagOptions(int maxOutputBytes, Duration retention, Duration sweep, int platformRetries,
        Duration platformBackoff, Duration recovery) {
    static final DagOptions DEFAULTS = new DagOptions(16 * 1024 * 1024, Duration.ofHours(1), Duration.ofMinutes(1), 3,
            Duration.ofMillis(50), Duration.ofSeconds(2));

    static DagOptions of(DagConfig c) {
        if (c.max_output_bytes() < 1) {
            throw new ValidationException("max.output.bytes", c.max_output_bytes() + " must be at least 1");
        }
        if (c.retention_ms() < 1_000) {
            throw new ValidationException("retention.ms", c.retention_ms() + " must be at least 1000 ms");
        }
        if (c.sweep_ms() < 100) {
            throw new ValidationException("sweep.ms", c.sweep_ms() + " must be at least 100 ms");
        }
        if (c.platform_retries() < 0 || c.platform_retries() > 100) {
            throw new ValidationException("platform.retries", c.platform_retries() + " is out of range [0, 100]");
        }
        if (c.platform_backoff_ms() < 0) {
            throw new ValidationException("platform.backoff.ms", c.platform_backoff_ms() + " must be at least 0 ms");
        }
        if (c.recovery_ms() < 10) {
            throw new ValidationException("recovery.ms", c.recovery_ms() + " must be at least 10 ms");
        }
        return new DagOptions(c.max_output_bytes(), Duration.ofMillis(c.retention_ms()), Duration.ofMillis(c.sweep_ms()),
                c.platform_retries(), Duration.ofMillis(c.platform_backoff_ms()), Duration.ofMillis(c.recovery_ms()));
    }
}
