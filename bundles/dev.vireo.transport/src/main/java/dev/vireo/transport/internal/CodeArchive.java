package dev.vireo.transport.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A function's code directory as a zip archive, the way a runtime of the OpenWhisk action protocol takes code
 * ({@code "binary": true}): regular files only (links and {@code __pycache__} left out, and files other users may not
 * read: the container's user could not read them through a mount either), in name order, with a fixed time, so the
 * same directory gives the same bytes. A code directory given as a link is followed.
 */
final class CodeArchive {
    /** 1980-01-01T00:00Z, the first instant a zip entry holds: no file's own time, no clock. */
    private static final long FIXED_TIME = 315_532_800_000L;

    private CodeArchive() {
    }

    /** The files the archive would hold, relative to {@code dir}, in order. */
    static List<Path> files(Path code) throws IOException {
        Path dir = code.toRealPath();
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && othersRead(p))
                    .map(dir::relativize)
                    .filter(p -> {
                        for (Path part : p) {
                            if (part.toString().equals("__pycache__")) {
                                return false;
                            }
                        }
                        return true;
                    })
                    .sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static boolean othersRead(Path p) {
        try {
            return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)
                    .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The size of the files together, in bytes. */
    static long size(Path dir) throws IOException {
        long total = 0;
        for (Path p : files(dir)) {
            total += Files.size(dir.toRealPath().resolve(p));
        }
        return total;
    }

    /**
     * Zips {@code dir}.
     *
     * @throws IOException if it cannot be read, or its files hold more than {@code maxBytes}
     */
    static byte[] zip(Path code, long maxBytes) throws IOException {
        List<Path> files = files(code);
        Path dir = code.toRealPath();
        if (files.isEmpty()) {
            throw new IOException("code directory " + code + " holds no files another user may read");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long read = 0;
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Path p : files) {
                byte[] data = Files.readAllBytes(dir.resolve(p));
                read += data.length;
                if (read > maxBytes) {
                    throw new IOException("code directory " + code + " holds more than max.code.bytes " + maxBytes);
                }
                ZipEntry entry = new ZipEntry(p.toString().replace('\\', '/'));
                entry.setTime(FIXED_TIME);
                zip.putNextEntry(entry);
                zip.write(data);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
