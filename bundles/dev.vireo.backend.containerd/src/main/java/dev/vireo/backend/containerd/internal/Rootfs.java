package dev.vireo.backend.containerd.internal;

import dev.vireo.backend.support.HostLibraries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The root file system of function containers: an empty skeleton whose /usr is the host's (bind-mounted read-only
 * by the spec), with the merged-/usr links (bin, lib, lib64, sbin) and the mount points the spec uses (those of the
 * host's shared-library resolution included: /etc/alternatives, /etc/ld.so.cache, ...). It holds no
 * data of its own, so one skeleton serves every container.
 */
final class Rootfs {
    private Rootfs() {
    }

    static synchronized Path ensure(Path dir) throws IOException {
        Path done = dir.resolve(".vireo-rootfs");
        if (Files.exists(done)) {
            hostLibraryMountPoints(dir); // a skeleton made before they were mounted
            return dir;
        }
        Files.createDirectories(dir.resolve("tmp"));
        // runc gives a tmpfs the mode of the directory it covers: /tmp must be world-writable and sticky
        Files.setAttribute(dir.resolve("tmp"), "unix:mode", 01777);
        for (String d : List.of("proc", "dev", "sys", "tmp", "usr", "etc", "run/vireo", "vireo/agent", "vireo/code")) {
            Files.createDirectories(dir.resolve(d));
        }
        for (String link : List.of("bin", "lib", "lib64", "sbin")) {
            Path target = Path.of("usr", link);
            Path l = dir.resolve(link);
            if (Files.isDirectory(Path.of("/").resolve(target)) && !Files.exists(l, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(l, target);
            }
        }
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        hostLibraryMountPoints(dir);
        Files.writeString(done, "skeleton rootfs of Vireo function containers; /usr is the host's, read-only\n");
        return dir;
    }

    /** Mount points for the host's shared-library resolution (HostLibraries): a directory or a file, as on the host. */
    private static void hostLibraryMountPoints(Path dir) throws IOException {
        for (String path : HostLibraries.present()) {
            Path point = dir.resolve(path.substring(1));
            if (Files.exists(point, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (Files.isDirectory(Path.of(path))) {
                Files.createDirectories(point);
            } else {
                Files.createDirectories(point.getParent());
                Files.createFile(point);
            }
        }
    }
}
