package dev.vireo.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bpf filesystem for tests to pin in: the system's at /sys/fs/bpf, or where none is mounted one of the test's own,
 * mounted in a temporary directory (bpffs mounts anywhere; each mount is its own namespace) and unmounted by
 * {@link #release()}.
 */
final class Bpffs {
    private static final Path SYSTEM_BPFFS = Path.of("/sys/fs/bpf");

    private final Path root;
    private final boolean own;

    private Bpffs(Path root, boolean own) {
        this.root = root;
        this.own = own;
    }

    /** A bpf filesystem, or null when there is none and mounting one failed (the reason is printed). */
    static Bpffs acquire() throws IOException, InterruptedException {
        if (Bpf.unavailable().isPresent() || !Kernel.root()) {
            return null;
        }
        if (isBpffs(SYSTEM_BPFFS)) {
            return new Bpffs(SYSTEM_BPFFS, false);
        }
        Path mnt = Files.createTempDirectory("vireo-bpffs-");
        Process p = new ProcessBuilder("mount", "-t", "bpf", "bpf", mnt.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() == 0 && isBpffs(mnt)) {
            return new Bpffs(mnt, true);
        }
        Files.deleteIfExists(mnt);
        System.err.println("mounting a bpf filesystem failed: " + out);
        return null;
    }

    static boolean isBpffs(Path p) throws IOException {
        return Files.isDirectory(p) && Files.getFileStore(p).type().equals("bpf");
    }

    /** Where to pin. */
    Path root() {
        return root;
    }

    /** Unmounts the test's own mount (the system's stays). */
    void release() throws IOException, InterruptedException {
        if (own) {
            new ProcessBuilder("umount", root.toString()).inheritIO().start().waitFor();
            Files.deleteIfExists(root);
        }
    }

    static final String NONE = "skipped: no bpf filesystem at /sys/fs/bpf, and mounting one failed (see the test's"
            + " output)";
}
