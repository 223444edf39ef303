package dev.vireo.transport.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Per-container host directories (0700) under one base directory, mounted into the container at
 * {@value #CONTAINER_DIR}. Used by the uds and pipe transports.
 */
final class ContainerDirs {
    static final String CONTAINER_DIR = "/run/vireo";
    private volatile Path base;

    /** {@code <run dir>/name}, or {@code <tmp>/vireo-name} outside a launched instance. */
    static Path underRunDir(String runDir, String name) {
        return runDir == null || runDir.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "vireo-" + name)
                : Path.of(runDir, name);
    }

    void setBase(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        base = dir;
    }

    Path base() {
        return base;
    }

    Path create(String containerId) throws IOException {
        Path dir = base.resolve(containerId);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    /**
     * The container's directory as an earlier run made it (0700, owned by this user), if it is there; never one
     * outside the base (an id that is not a plain file name).
     */
    java.util.Optional<Path> existing(String containerId) {
        Path dir = base.resolve(containerId).normalize();
        if (!dir.getParent().equals(base.normalize()) || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(dir);
    }

    /** Removes a directory this instance created (anything outside the base is left alone). */
    void remove(String host) {
        Path dir = Path.of(host);
        if (!dir.startsWith(base)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.getLogger(ContainerDirs.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot remove " + dir + ": " + e.getMessage());
        }
    }
}
