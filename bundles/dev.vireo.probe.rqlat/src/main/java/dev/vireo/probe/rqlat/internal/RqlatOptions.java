package dev.vireo.probe.rqlat.internal;

import dev.vireo.api.model.ValidationException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The checked configuration of the probe.
 *
 * @param enabled      whether to measure at all
 * @param pinDir       where the loader pins its maps (its own directory)
 * @param defaultPins  whether {@code pinDir} is the default one under /sys/fs/bpf (then bpffs is mounted there if
 *                     it is not one)
 * @param startTimeout how long the loader may take to be ready
 */
record RqlatOptions(boolean enabled, Path pinDir, boolean defaultPins, Duration startTimeout) {
    /** Where pins go by default: a project-owned directory on the system's bpf filesystem. */
    static final Path BPFFS = Path.of("/sys/fs/bpf");

    static RqlatOptions of(RqlatConfig c, String worker) {
        if (c.start_timeout_ms() < 100) {
            throw new ValidationException("start.timeout.ms", c.start_timeout_ms() + " is below 100 ms");
        }
        boolean defaultPins = c.pin_dir().isBlank();
        Path dir = defaultPins ? BPFFS.resolve("vireo").resolve(worker).resolve("rqlat") : Path.of(c.pin_dir().strip());
        if (!dir.isAbsolute()) {
            throw new ValidationException("pin.dir", "'" + c.pin_dir() + "' is not an absolute path");
        }
        return new RqlatOptions(c.enabled(), dir, defaultPins, Duration.ofMillis(c.start_timeout_ms()));
    }
}
