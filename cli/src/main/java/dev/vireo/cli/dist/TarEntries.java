package dev.vireo.cli.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Tar entries as the distribution and its images write them: fixed time and owner, so the same inputs give the same bytes. */
final class TarEntries {
    private static final long MTIME_MS = 1_700_000_000_000L;

    private TarEntries() {
    }

    /** A stream that takes long names and big sizes (POSIX headers). */
    static TarArchiveOutputStream open(java.io.OutputStream out) {
        TarArchiveOutputStream t = new TarArchiveOutputStream(out);
        t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return t;
    }

    static void dir(TarArchiveOutputStream t, String name, int mode, int uid) throws IOException {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", mode);
        e.setIds(uid, uid);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    static void file(TarArchiveOutputStream t, String name, Path file, int mode) throws IOException {
        TarArchiveEntry e = entry(name, mode);
        e.setSize(Files.size(file));
        t.putArchiveEntry(e);
        Files.copy(file, t);
        t.closeArchiveEntry();
    }

    static void bytes(TarArchiveOutputStream t, String name, byte[] data, int mode) throws IOException {
        TarArchiveEntry e = entry(name, mode);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setModTime(MTIME_MS);
        e.setUserName("root");
        e.setGroupName("root");
        return e;
    }
}
