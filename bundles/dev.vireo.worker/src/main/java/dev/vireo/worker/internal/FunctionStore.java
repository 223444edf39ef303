package dev.vireo.worker.internal;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The worker's registrations on disk, so that a restart (a crash, {@code kill -9}, a reboot) registers them again: one
 * file per function, {@code ID.properties} (a format a person can read and fix), written to a temporary file, synced
 * and renamed over the old one, so a crash leaves the old file or the new one, never half of one. A file that cannot
 * be read back is reported with its name and left for a person to look at; it never stops the others.
 *
 * <p>A function's environment variables ({@code env.NAME}) and default parameters ({@code parameters}) are in its
 * file; its secrets are apart, in {@code ID.secrets}, created readable and writable by the worker's user only
 * (written before the registration's file, removed after it).
 */
final class FunctionStore {
    private static final String SUFFIX = ".properties";
    private static final String SECRETS = ".secrets";
    private static final String ENV = "env.";
    private static final String SECRET_NAMES = "secrets";
    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    private final Path dir;

    /** One stored registration: its spec, or why its file could not be read. */
    record Stored(Path file, FunctionSpec spec, String problem) {
    }

    private FunctionStore(Path dir) {
        this.dir = dir;
    }

    /** A store in {@code dir} (made when missing), or none when {@code dir} is null. */
    static FunctionStore in(Path dir) throws IOException {
        if (dir == null) {
            return null;
        }
        Files.createDirectories(dir);
        return new FunctionStore(dir);
    }

    Path dir() {
        return dir;
    }

    /**
     * 16 hex digits of SHA-256 over the registration as it is stored (every field, its secrets' values too), for the
     * containers' {@link ContainerLifecycle#SPEC_LABEL}: equal for a registration and the one read back from its file.
     */
    static String fingerprint(FunctionSpec spec) {
        Properties p = properties(spec);
        StringBuilder text = new StringBuilder();
        new java.util.TreeMap<>(p).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        new java.util.TreeMap<>(spec.config().secrets()).forEach((k, v) -> text.append("secret.").append(k).append('=')
                .append(v).append('\n'));
        return Digests.sha256Hex(text, 8);
    }

    void save(FunctionSpec spec) throws IOException {
        Properties p = properties(spec);
        // the secrets' names are in the registration, their values apart: a registration whose secrets file does
        // not hold exactly those names (a crash between the two writes, a file lost) is reported, never half restored
        Path secrets = dir.resolve(spec.id() + SECRETS);
        if (!spec.config().secrets().isEmpty()) {
            Properties s = new Properties();
            s.putAll(spec.config().secrets());
            write(secrets, s, "secrets of " + spec.id());
        }
        write(file(spec.id()), p, "registration of " + spec.id() + " (the worker registers it again at start)");
        if (spec.config().secrets().isEmpty()) {
            Files.deleteIfExists(secrets); // after: until the registration without them is written, they belong
        }
        syncDir();
    }

    /** The registration's file: every field but the secrets' values (their names are in it). */
    private static Properties properties(FunctionSpec spec) {
        Properties p = new Properties();
        p.setProperty("namespace", spec.namespace());
        p.setProperty("name", spec.name());
        p.setProperty("version", spec.version());
        p.setProperty("image", spec.image());
        p.setProperty("code", spec.codeDir());
        p.setProperty("handler", spec.handler());
        p.setProperty("backend", spec.backend());
        p.setProperty("compute", spec.compute().name().toLowerCase(java.util.Locale.ROOT));
        p.setProperty("transport", spec.transport());
        p.setProperty("memory_mb", Integer.toString(spec.memoryMb()));
        p.setProperty("cpus", Double.toString(spec.cpus()));
        p.setProperty("timeout_ms", Long.toString(spec.timeout().toMillis()));
        p.setProperty("concurrency", Integer.toString(spec.concurrency()));
        p.setProperty("expected_cold_start_ms", Long.toString(spec.expected().coldStartMs()));
        p.setProperty("expected_warm_ms", Long.toString(spec.expected().warmMs()));
        p.setProperty("scratch_mb", Integer.toString(spec.scratchMb()));
        spec.config().env().forEach((k, v) -> p.setProperty(ENV + k, v));
        if (!spec.config().parameters().isEmpty()) {
            p.setProperty("parameters", spec.config().parameters());
        }
        if (!spec.config().secrets().isEmpty()) {
            p.setProperty(SECRET_NAMES, String.join(",", new java.util.TreeSet<>(spec.config().secrets().keySet())));
        }
        return p;
    }

    /** Writes {@code p} to {@code file} atomically, readable and writable by this user only. */
    private void write(Path file, Properties p, String comment) throws IOException {
        // its own temporary file: saves never share one; owner-only from its creation, secrets or not
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + "-", ".tmp", OWNER_ONLY);
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                // ISO-8859-1 with \\uXXXX escapes: a code folder's name in any script comes back as it was
                p.store(out, comment);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    void remove(String functionId) throws IOException {
        boolean gone = Files.deleteIfExists(file(functionId));
        if (Files.deleteIfExists(dir.resolve(functionId + SECRETS)) || gone) {
            syncDir();
        }
    }

    /** Every stored registration, in file-name order. */
    List<Stored> load() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            all.forEach(files::add);
        }
        files.sort(null);
        List<Stored> out = new ArrayList<>();
        for (Path f : files) {
            Properties p = new Properties();
            try (java.io.InputStream in = Files.newInputStream(f)) {
                p.load(in);
                FunctionSpec spec = new FunctionSpec(p.getProperty("name"), p.getProperty("version"),
                        p.getProperty("image"), p.getProperty("code"), p.getProperty("handler"),
                        p.getProperty("backend"), Compute.valueOf(need(p, "compute").toUpperCase(java.util.Locale.ROOT)),
                        p.getProperty("transport"), Integer.parseInt(need(p, "memory_mb")),
                        Double.parseDouble(need(p, "cpus")), Duration.ofMillis(Long.parseLong(need(p, "timeout_ms"))),
                        Integer.parseInt(need(p, "concurrency")),
                        new ExpectedTimings(Long.parseLong(need(p, "expected_cold_start_ms")),
                                Long.parseLong(need(p, "expected_warm_ms"))),
                        Integer.parseInt(need(p, "scratch_mb")));
                spec = spec.withNamespace(p.getProperty("namespace", "")); // stores before namespaces: the default
                spec = spec.withConfig(config(p, dir.resolve(spec.id() + SECRETS)));
                if (!f.getFileName().toString().equals(spec.id() + SUFFIX)) {
                    out.add(new Stored(f, null, "it holds " + spec.id() + ", not what its name says"));
                } else {
                    out.add(new Stored(f, spec, null));
                }
            } catch (IOException | RuntimeException e) {
                out.add(new Stored(f, null, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        return out;
    }

    private static dev.vireo.api.model.FunctionConfig config(Properties p, Path secretsFile) throws IOException {
        java.util.Map<String, String> env = new java.util.TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(ENV)) {
                env.put(key.substring(ENV.length()), p.getProperty(key));
            }
        }
        java.util.Map<String, String> secrets = new java.util.TreeMap<>();
        String names = p.getProperty(SECRET_NAMES, "").trim();
        if (!names.isEmpty()) {
            Properties s = new Properties();
            try (java.io.InputStream in = Files.newInputStream(secretsFile)) {
                s.load(in);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IOException("its secrets (" + names + ") are not in " + secretsFile.getFileName());
            }
            s.stringPropertyNames().forEach(k -> secrets.put(k, s.getProperty(k)));
            if (!String.join(",", secrets.keySet()).equals(names)) {
                throw new IOException(secretsFile.getFileName() + " holds the secrets " + secrets.keySet()
                        + ", not " + names + " as the registration says");
            }
        }
        return new dev.vireo.api.model.FunctionConfig(env, p.getProperty("parameters", ""), secrets);
    }

    private static String need(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key);
        }
        return v.trim();
    }

    private Path file(String functionId) {
        return dir.resolve(functionId + SUFFIX);
    }

    /** The rename or removal itself survives a crash only once the folder is synced. */
    private void syncDir() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems refuse to open a folder: the rename is still atomic, only perhaps not yet durable
        }
    }
}
