package dev.vireo.backend.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A container's /tmp on disk: a directory of its own under the backend's run folder, bind-mounted read-write, made
 * before the container and removed with it. A function may write as much scratch data as the disk holds, where a
 * tmpfs would cap it (and count it as memory).
 */
public final class Scratch {
    private Scratch() {
    }

    /** The scratch directory of container {@code id} under {@code root}. */
    public static Path of(Path root, String id) {
        return root.resolve(id);
    }

    /**
     * Makes the container's scratch directory, empty: owned by the function's user with mode 0700 where this process
     * may give it away (root), else sticky and world-writable (1777), as a tmpfs /tmp is.
     */
    public static Path create(Path root, String id, int uid, int gid) throws IOException {
        Path dir = of(root, id);
        remove(root, id); // a leftover of an earlier container of the same id
        Files.createDirectories(dir);
        try {
            Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            Files.setAttribute(dir, "unix:mode", 01777, LinkOption.NOFOLLOW_LINKS);
        }
        return dir;
    }

    /** Removes the container's scratch directory and all in it (links are removed, not followed); gone is fine. */
    public static void remove(Path root, String id) {
        Path dir = of(root, id);
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
}
