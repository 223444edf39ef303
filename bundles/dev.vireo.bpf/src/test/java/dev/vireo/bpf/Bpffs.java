package dev.vireo.bpf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A bpf filesystem for a test class to pin in (register as a static {@code @RegisterExtension} field): the system's
 * at /sys/fs/bpf, or where none is mounted one of the class's own, mounted in a temporary directory before its tests
 * (bpffs mounts anywhere; each mount is its own namespace) and unmounted after them.
 */
final class Bpffs implements BeforeAllCallback, AfterAllCallback {
    private static final Path SYSTEM_BPFFS = Path.of("/sys/fs/bpf");

    private Path root;
    private boolean own;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException, InterruptedException {
        if (Bpf.unavailable().isPresent() || !Kernel.root()) {
            return;
        }
        if (isBpffs(SYSTEM_BPFFS)) {
            root = SYSTEM_BPFFS;
            return;
        }
        Path mnt = Files.createTempDirectory("vireo-bpffs-");
        Process p = new ProcessBuilder("mount", "-t", "bpf", "bpf", mnt.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() == 0 && isBpffs(mnt)) {
            root = mnt;
            own = true;
        } else {
            Files.deleteIfExists(mnt);
            System.err.println("mounting a bpf filesystem failed: " + out);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException, InterruptedException {
        if (own) {
            new ProcessBuilder("umount", root.toString()).inheritIO().start().waitFor();
            Files.deleteIfExists(root);
        }
        root = null;
        own = false;
    }

    /** Removes {@code dir} (null: nothing) and the pins in it. */
    static void removePins(Path dir) throws IOException {
        if (dir != null) {
            try (Stream<Path> pins = Files.list(dir)) {
                for (Path p : pins.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    private static boolean isBpffs(Path p) throws IOException {
        return Files.isDirectory(p) && Files.getFileStore(p).type().equals("bpf");
    }

    /** Where to pin; skips the test, saying why, when there is no bpf filesystem (call after Kernel.assumeBpf). */
    Path root() {
        assumeTrue(root != null, "skipped: no bpf filesystem at /sys/fs/bpf, and mounting one failed (see the"
                + " test's output)");
        return root;
    }
}
