package dev.vireo.bpf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Skips a test, saying why, where this machine cannot make BPF maps (not Linux/x86_64, not root, EPERM). */
final class Kernel {
    private Kernel() {
    }

    static void assumeBpf() {
        assumeTrue(Bpf.unavailable().isEmpty(), () -> "skipped: " + Bpf.unavailable().orElse(""));
        assumeTrue(root(), "skipped: BPF maps need root (CAP_BPF); run the tests as root, as CI does");
        try (BpfMap probe = BpfMap.create(MapSpec.hash("vireo_probe", 4, 4, 1))) {
            assumeTrue(probe.id() > 0, "skipped: the probe map has no id");
        } catch (BpfException e) {
            assumeTrue(e.errno() != BpfException.EPERM, () -> "skipped: the bpf syscall gives EPERM even as root"
                    + " (a container without CAP_BPF, or a locked-down kernel): " + e.getMessage());
            throw new AssertionError("creating a probe map failed", e);
        }
    }

    static boolean root() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
