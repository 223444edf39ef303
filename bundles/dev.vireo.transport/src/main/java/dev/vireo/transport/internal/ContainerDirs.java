package dev.vireo.transport.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Per-container host directories (0700) under one base directory, mounted into the container at
 * {@value #CONTAINER_DIR}. Used by the uds and pipe transports. Each directory made is written down in a folder of the
 * worker instance's own ({@code records}: a record per container naming its directory), so that after a crash the
 * directories of the containers the next run does not take back ({@link #claim}) are removed ({@link #reclaim}),
 * never another instance's sharing the base.
 */
final class ContainerDirs {
    static final String CONTAINER_DIR = "/run/vireo";
    private volatile Path base;
    private final Path records;
    /** The containers this run made or took back a directory for. */
    private final java.util.Set<String> mine = java.util.concurrent.ConcurrentHashMap.newKeySet();

    ContainerDirs(Path records) {
        this.records = records;
    }

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
        mine.add(containerId);
        try {
            Files.createDirectories(records);
            // written whole or not at all: a crash never leaves a record naming nothing
            Path tmp = Files.createTempFile(records, "." + containerId + "-", ".tmp");
            Files.writeString(tmp, dir + "\n");
            Files.move(tmp, records.resolve(containerId), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            mine.remove(containerId);
            throw e;
        }
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

    /** The directory of a container an earlier run made is this run's from now on ({@link #reclaim} spares it). */
    void claim(String containerId) {
        mine.add(containerId);
    }

    /**
     * Removes the directories an earlier run of this instance made for containers this run did not take back.
     *
     * @return how many
     */
    int reclaim() {
        if (!Files.isDirectory(records)) {
            return 0;
        }
        int removed = 0;
        try (Stream<Path> files = Files.list(records)) {
            for (Path record : files.toList()) {
                String id = record.getFileName().toString();
                if (mine.contains(id)) {
                    continue;
                }
                if (!id.startsWith(".")) { // a temporary file of a crashed write names nothing yet
                    Path dir = Path.of(Files.readString(record).trim());
                    // only what a record can name: an absolute folder named as the container
                    if (dir.isAbsolute() && dir.getFileName() != null && dir.getFileName().toString().equals(id)) {
                        delete(dir);
                        removed++;
                    }
                }
                Files.deleteIfExists(record);
            }
            if (removed > 0) {
                System.getLogger(ContainerDirs.class.getName()).log(System.Logger.Level.INFO, "removed the folders of "
                        + removed + " containers a crashed run left under " + base);
            }
        } catch (IOException | RuntimeException e) {
            System.getLogger(ContainerDirs.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot remove the folders of containers a crashed run left (" + records + "): " + e.getMessage());
        }
        return removed;
    }

    /** Removes a directory this instance created (anything outside the base is left alone). */
    void remove(String host) {
        Path dir = Path.of(host);
        if (!dir.startsWith(base)) {
            return;
        }
        String id = dir.getFileName().toString();
        mine.remove(id);
        try {
            Files.deleteIfExists(records.resolve(id));
        } catch (IOException e) {
            // the record stays: a later reclaim finds its folder gone
        }
        delete(dir);
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
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
