package dev.vireo.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Cgroup ids as the BPF programs see them. */
public final class Cgroups {
    private Cgroups() {
    }

    /**
     * The cgroup2 id of {@code dir}: the inode number of the cgroup directory, which is what
     * {@code p->cgroups->dfl_cgrp->kn->id} reads for its tasks. {@code dir} must be on the cgroup2 hierarchy (on a
     * hybrid host that is {@code /sys/fs/cgroup/unified}, not a v1 controller's directory).
     */
    public static long id(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("cgroup " + dir + " is not a directory");
        }
        String type = Files.getFileStore(dir).type();
        if (!type.equals("cgroup2")) {
            throw new IOException("cgroup " + dir + " is on " + type + ", not cgroup2: the BPF programs key by the"
                    + " task's cgroup2 id (on a hybrid host cgroup2 is /sys/fs/cgroup/unified)");
        }
        return ((Number) Files.getAttribute(dir, "unix:ino")).longValue();
    }
}
