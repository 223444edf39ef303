package dev.vireo.bpf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository these tests run in, and the bpf module's build output in it. */
final class Artifacts {
    private Artifacts() {
    }

    /** The repository root: the nearest directory above the working directory that has bpf/vireo_maps.h. */
    static Path home() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bpf/vireo_maps.h"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no bpf/vireo_maps.h above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** The built loader and objects; skips the test, saying how to build them, when they are missing. */
    static BpfArtifacts assumeBuilt() {
        BpfArtifacts a = BpfArtifacts.in(home());
        assumeTrue(a.missing().isEmpty(), () -> "skipped: " + a.missing().orElse(""));
        return a;
    }
}
