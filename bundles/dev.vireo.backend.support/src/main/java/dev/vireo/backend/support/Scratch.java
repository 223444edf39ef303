package dev.vireo.backend.support;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A container's scratch space (its /tmp): a directory of its own under the backend's run folder, bind-mounted
 * read-write, made before the container and removed with it, holding at most the function's {@code scratch_mb}.
 *
 * <p>On {@link Medium#DISK} (the default) the directory is an ext4 file system in a sparse image file of its own,
 * loop-mounted: disk-backed (it does not count as the function's memory) and bounded, so a function that fills it
 * gets ENOSPC on its write (the agent reports it as "scratch space full") and no other container is touched. The
 * image is sized so that {@code scratch_mb} is usable; it takes disk blocks only as the function writes. On
 * {@link Medium#MEMORY} it is a tmpfs of {@code scratch_mb}: faster, but its pages count against the container's
 * memory limit. Both need root (mount); a worker that is not root gets a plain directory, bounded by the disk only,
 * and says so once in its log.
 */
public final class Scratch {
    private static final System.Logger LOG = System.getLogger(Scratch.class.getName());
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final long TOOL_TIMEOUT_S = 60;

    /** The backends' {@code scratch} setting, described once (their metatype annotations name it). */
    public static final String MEDIUM_DESCRIPTION = "Where a container's /tmp (scratch_mb of the function) lives: disk"
            + " = an ext4 image of its own, loop-mounted (not counted as memory); memory = a tmpfs (counted against the"
            + " container's memory). Needs root; otherwise an unbounded directory.";

    /** Where scratch data lives. */
    public enum Medium {
        DISK, MEMORY;

        /** "disk" or "memory" (a backend's {@code scratch} setting); anything else names what exists. */
        public static Medium parse(String value) {
            for (Medium m : values()) {
                if (m.name().toLowerCase(Locale.ROOT).equals(value.strip())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("scratch: '" + value + "' is not a scratch medium; use disk or memory");
        }
    }

    private Scratch() {
    }

    /** The scratch directory of container {@code id} under {@code root}. */
    public static Path of(Path root, String id) {
        return root.resolve(id);
    }

    private static Path image(Path root, String id) {
        return root.resolve(id + ".img");
    }

    /**
     * Makes the container's scratch space, empty, of {@code sizeMb} usable megabytes: owned by the function's user with
     * mode 0700 where this process may give it away (root), else sticky and world-writable (1777), as a tmpfs /tmp
     * is. A leftover of an earlier container of the same id is removed first.
     */
    public static Path create(Path root, String id, int uid, int gid, int sizeMb, Medium medium) throws IOException {
        Path dir = of(root, id);
        remove(root, id);
        Files.createDirectories(dir);
        if (!root()) {
            if (WARNED.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "scratch space is not bounded (scratch_mb) here: mounting it needs root;"
                        + " containers get plain directories under " + root);
            }
            Files.setAttribute(dir, "unix:mode", 01777, LinkOption.NOFOLLOW_LINKS);
            return dir;
        }
        try {
            switch (medium) {
                case DISK -> mountDisk(root, id, dir, uid, gid, sizeMb);
                case MEMORY -> Processes.run(List.of(tool("mount"), "-t", "tmpfs", "-o", "size=" + sizeMb + "m,mode=0700,"
                        + "uid=" + uid + ",gid=" + gid + ",nosuid,nodev", "tmpfs", dir.toString()), TOOL_TIMEOUT_S);
            }
            Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            try {
                remove(root, id);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new IOException("cannot make the " + sizeMb + " MB scratch space of " + id + ": " + e.getMessage(), e);
        }
        return dir;
    }

    private static void mountDisk(Path root, String id, Path dir, int uid, int gid, int sizeMb) throws IOException {
        Path image = image(root, id);
        // ext4 keeps ~4% for its own tables: pad so that sizeMb is what the function can write
        long bytes = ((long) sizeMb + sizeMb / 16 + 8) << 20;
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(bytes); // sparse: disk blocks are taken as the function writes
        }
        Processes.run(List.of(tool("mkfs.ext4"), "-q", "-F", "-m", "0", "-O", "^has_journal", "-E",
                "lazy_itable_init=1,lazy_journal_init=1,nodiscard,root_owner=" + uid + ":" + gid, image.toString()),
                TOOL_TIMEOUT_S);
        Processes.run(List.of(tool("mount"), "-o", "loop,nosuid,nodev", image.toString(), dir.toString()),
                TOOL_TIMEOUT_S);
        Files.deleteIfExists(dir.resolve("lost+found"));
    }

    /**
     * Removes the container's scratch space and all in it: unmounted (lazily, so a process still inside cannot keep
     * it), its image deleted, a plain directory's files removed (links are removed, not followed); gone is fine.
     */
    public static void remove(Path root, String id) {
        Path dir = of(root, id);
        try {
            if (mounted(dir)) {
                Processes.run(List.of(tool("umount"), "-l", dir.toString()), TOOL_TIMEOUT_S);
            }
            Files.deleteIfExists(image(root, id));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the scratch space " + dir, e);
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    /**
     * {@link #remove}, for a container that is gone either way: a failure is logged under the invocation's tid and
     * not thrown.
     */
    public static void removeLogged(Path root, String id, String tid) {
        try {
            remove(root, id);
        } catch (UncheckedIOException e) {
            LOG.log(Level.WARNING, "[" + tid + "] " + e.getMessage(), e.getCause());
        }
    }

    /** Whether a file system is mounted on {@code dir} (it lies on another device than its parent). */
    static boolean mounted(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Object own = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        Object parent = Files.getAttribute(dir.toAbsolutePath().getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS);
        return !own.equals(parent);
    }

    /** Whether this process runs as root (owner of /proc/self is the effective uid). */
    static boolean root() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** A system tool by its full path where it is (a worker's PATH may lack /sbin), else by name. */
    private static String tool(String name) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return name;
    }
}
