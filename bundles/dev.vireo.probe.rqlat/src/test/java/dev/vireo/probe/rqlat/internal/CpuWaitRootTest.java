package dev.vireo.probe.rqlat.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.probe.CpuWaitProbe;
import dev.vireo.bpf.Bpf;
import dev.vireo.bpf.BpfArtifacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The probe on this host's kernel, driven the way the worker drives it (track at creation, read before and after
 * the call, untrack at destruction) around a real "invocation": a CPU-bound shell loop that moves itself into a
 * private cgroup2 directory (the container's, as a containerd or docker placement names it) and runs on CPU 0, alone,
 * then beside busy loops on CPU 0 that are outside that cgroup. The process backend gives no cgroup (a pid only), so a
 * container is stood in for by its cgroup, which is all the probe reads. Needs root and the built BPF artifacts
 * (skipped, saying which, without them); pins on a private bpffs mount, leaving /sys/fs/bpf as it is.
 */
class CpuWaitRootTest {
    /** Iterations of the CPU-bound loop: ~0.5 s of CPU on this machine. */
    private static final int SPIN = 500_000;
    private static Path bpffs;
    private static RqlatRuntime runtime;
    private static Path cgroup2;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Bpf.unavailable().isEmpty(), () -> "skipped: " + Bpf.unavailable().orElse(""));
        assumeTrue(((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0,
                "skipped: loading BPF programs needs root; run the tests as root, as CI does");
        BpfArtifacts artifacts = BpfArtifacts.in(home());
        assumeTrue(artifacts.missing().isEmpty(), () -> "skipped: " + artifacts.missing().orElse(""));
        cgroup2 = cgroup2Root();
        assumeTrue(cgroup2 != null, "skipped: no cgroup2 hierarchy at /sys/fs/cgroup/unified or /sys/fs/cgroup");
        bpffs = Files.createTempDirectory("vireo-rqlat-bpffs-");
        dev.vireo.bpf.BpfFs.ensure(bpffs, "");
        runtime = RqlatRuntime.start(new RqlatOptions(true, bpffs.resolve("vireo/w/rqlat"), false,
                Duration.ofSeconds(30)), artifacts);
    }

    @AfterAll
    static void stop() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
        if (bpffs != null) {
            new ProcessBuilder("umount", bpffs.toString()).inheritIO().start().waitFor();
            Files.deleteIfExists(bpffs);
        }
    }

    private static Path home() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bpf/vireo_maps.h"))) {
            dir = dir.getParent();
        }
        return dir == null ? Path.of(".") : dir;
    }

    private static Path cgroup2Root() throws IOException {
        for (Path r : List.of(Path.of("/sys/fs/cgroup/unified"), Path.of("/sys/fs/cgroup"))) {
            if (Files.isDirectory(r) && Files.getFileStore(r).type().equals("cgroup2")) {
                return r;
            }
        }
        return null;
    }

    /** One measured invocation beside {@code neighbours} busy loops on CPU 0: its cpu wait in us. */
    private long invocation(String name, int neighbours) throws Exception {
        Path dir = cgroup2.resolve("vireo-test-rqlat-" + ProcessHandle.current().pid() + "-" + name);
        Files.createDirectory(dir);
        ContainerPlacement placement = new ContainerPlacement(name, "spin-1", Map.of(), Optional.of(dir),
                OptionalLong.empty());
        CpuWaitProbe probe = runtime.probe();
        List<Process> busy = new ArrayList<>();
        try {
            probe.track(placement, "t-" + name);
            for (int i = 0; i < neighbours; i++) {
                busy.add(new ProcessBuilder("taskset", "-c", "0", "sh", "-c", "while :; do :; done").start());
            }
            long before = probe.waitedNs(placement, "t-" + name);
            long t0 = System.nanoTime();
            Process spin = new ProcessBuilder("sh", "-c", "echo $$ > " + dir.resolve("cgroup.procs")
                    + " && exec taskset -c 0 sh -c 'i=0; while [ $i -lt " + SPIN + " ]; do i=$((i+1)); done'")
                    .inheritIO().start();
            assertTrue(spin.waitFor(120, TimeUnit.SECONDS), "the loop ends");
            assertEquals(0, spin.exitValue());
            long wallUs = (System.nanoTime() - t0) / 1_000;
            long after = probe.waitedNs(placement, "t-" + name);
            assertTrue(before >= 0 && after >= before, "measured: " + before + " -> " + after);
            long waitUs = (after - before) / 1_000;
            System.out.printf("cpu wait of a %d-iteration loop on cpu 0 beside %d busy loops: %d us of %d us wall%n",
                    SPIN, neighbours, waitUs, wallUs);
            return waitUs;
        } finally {
            for (Process p : busy) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            probe.untrack(placement, "t-" + name);
            assertEquals(CpuWaitProbe.NOT_MEASURED, probe.waitedNs(placement, "t-" + name), "untracked");
            removeCgroup(dir);
        }
    }

    private static void removeCgroup(Path dir) throws InterruptedException, IOException {
        for (int i = 0; i < 100; i++) { // the kernel drops an exited task from cgroup.procs a moment after it is reaped
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException busy) {
                Thread.sleep(50);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Test
    void aCpuBoundInvocationWaitsLongerWhenItsCoreIsShared() throws Exception {
        long alone = invocation("alone", 0);
        long shared = invocation("shared", 2);
        // beside two busy loops it gets about a third of CPU 0: it waits about twice its ~0.5 s of CPU
        assertTrue(shared > 250_000, "sharing CPU 0 three ways, the loop waits a good part of its run: " + shared
                + " us");
        assertTrue(shared > 2 * alone, "shared " + shared + " us vs alone " + alone + " us");
    }
}
