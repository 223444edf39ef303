package dev.vireo.cli.instance;

import dev.vireo.cli.CliException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private copy of a configuration folder for one instance or experiment, and edits of its keys. An edit names a
 * key that must already be in the file (the shipped files list every key): a renamed key fails loudly instead of
 * being silently ignored. Each edit replaces the file atomically, so FileInstall never reads half a file.
 */
public final class ConfigFolder {
    private final Path dir;

    private ConfigFolder(Path dir) {
        this.dir = dir;
    }

    /** Copies every {@code .cfg} of {@code from} into {@code to} (created; existing files replaced). */
    public static ConfigFolder copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cfg")).sorted().toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return new ConfigFolder(to);
    }

    public Path dir() {
        return dir;
    }

    /** Sets {@code key = value} in {@code PID.cfg}; fails if the file or the key does not exist. */
    public ConfigFolder set(String pid, String key, String value) throws IOException {
        Path file = dir.resolve(pid + ".cfg");
        if (!Files.isRegularFile(file)) {
            throw new CliException(CliException.FAILED, "no configuration file " + file);
        }
        String text = Files.readString(file);
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "\\s*=.*$").matcher(text);
        if (!m.find()) {
            throw new CliException(CliException.FAILED, file + " has no key '" + key + "' to set");
        }
        String edited = m.replaceFirst(Matcher.quoteReplacement(key + " = " + value));
        Path tmp = dir.resolve(pid + ".cfg.tmp");
        Files.writeString(tmp, edited);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return this;
    }

    /**
     * Lifts the trackers' limits and zeroes the simulated times, so a no-op function measures the pipeline, not the
     * trackers (the benchmarks' instances).
     */
    public ConfigFolder openLimits() throws IOException {
        set("vireo.resource.concurrency", "limit", "4096");
        set("vireo.resource.cpu", "oversubscription", "1000");
        set("vireo.backend.sim", "exec.ms", "0");
        set("vireo.backend.sim", "cold.start.ms", "0");
        return set("vireo.worker", "queue.capacity", "100000");
    }
}
