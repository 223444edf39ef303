package dev.vireo.backend.support;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * How the host resolves shared libraries, for containers that run on the host's /usr: Debian picks BLAS/LAPACK (and
 * other alternatives) through symbolic links in /etc/alternatives, and ld.so finds libraries outside the default
 * directories through /etc/ld.so.cache (built from /etc/ld.so.conf and /etc/ld.so.conf.d). A container whose /etc
 * lacks them cannot load numpy ({@code ImportError: libblas.so.3}), scikit-learn or OpenCV; backends bind these host
 * paths read-only at the same place in the container.
 */
public final class HostLibraries {
    /** The host paths, directories and files, that shared-library resolution reads. */
    public static final List<String> PATHS =
            List.of("/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d");

    private HostLibraries() {
    }

    /** The paths of {@link #PATHS} this host has (a bind mount of a missing source fails the container's start). */
    public static List<String> present() {
        return PATHS.stream().filter(p -> Files.exists(Path.of(p), LinkOption.NOFOLLOW_LINKS)).toList();
    }
}
