package dev.vireo.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the {@code bpf} module's build output lies under a Vireo home: {@code <home>/bpf/target/} holds the loader
 * {@code vireo-bpf} and the objects {@code vireo_sched.bpf.o} and {@code vireo_rqlat.bpf.o}. They are built only
 * where clang and libbpf-dev are installed.
 *
 * @param loader the loader executable
 * @param schedObject the sched_ext scheduler
 * @param rqlatObject the run-queue latency programs
 */
public record BpfArtifacts(Path loader, Path schedObject, Path rqlatObject) {
    /** The artifacts under {@code home} (not checked: see {@link #missing()}). */
    public static BpfArtifacts in(Path home) {
        Path target = home.resolve("bpf").resolve("target");
        return new BpfArtifacts(target.resolve("vireo-bpf"), target.resolve("vireo_sched.bpf.o"),
                target.resolve("vireo_rqlat.bpf.o"));
    }

    /** Why they cannot be used (which are missing and how to build them), or empty when all are there. */
    public Optional<String> missing() {
        List<String> absent = new ArrayList<>();
        if (!Files.isExecutable(loader)) {
            absent.add(loader.toString());
        }
        for (Path p : List.of(schedObject, rqlatObject)) {
            if (!Files.isRegularFile(p)) {
                absent.add(p.toString());
            }
        }
        return absent.isEmpty() ? Optional.empty() : Optional.of("BPF artifacts not built: " + String.join(", ",
                absent) + " missing; build with clang + libbpf-dev installed (apt-get install clang libbpf-dev;"
                + " mvn -pl bpf compile)");
    }

    /** This, when every artifact is there; else an exception saying which are missing and how to build them. */
    public BpfArtifacts require() throws IOException {
        Optional<String> why = missing();
        if (why.isPresent()) {
            throw new IOException(why.get());
        }
        return this;
    }

    /** The object {@code kind} loads. */
    public Path object(BpfLoader.Kind kind) {
        return kind == BpfLoader.Kind.SCHED ? schedObject : rqlatObject;
    }
}
