package dev.vireo.bench.cpugroups;

import dev.vireo.bpf.BpfArtifacts;
import dev.vireo.bpf.BpfFs;
import dev.vireo.bpf.BpfLoader;
import dev.vireo.bpf.Cgroups;
import dev.vireo.bpf.RunQueueHistogram;
import dev.vireo.bpf.RunQueueMaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run-queue latency of chosen cgroups for the benchmark: the rqlat programs ({@code vireo-bpf rqlat}, docs/bpf.md
 * "Run-queue latency") loaded with their maps pinned in a bpf filesystem of the benchmark's own, mounted in
 * {@code dir} (these hosts have none at /sys/fs/bpf) and unmounted at {@link #close()}. Root only.
 */
public final class RunQueueProbe implements AutoCloseable {
    private final Path mount;
    private final BpfLoader loader;
    private final RunQueueMaps maps;

    private RunQueueProbe(Path mount, BpfLoader loader, RunQueueMaps maps) {
        this.mount = mount;
        this.loader = loader;
        this.maps = maps;
    }

    /** Mounts a bpf filesystem at {@code mount} (created), loads rqlat from {@code home}'s build and opens its maps. */
    public static RunQueueProbe start(Path home, Path mount) throws IOException, InterruptedException {
        BpfArtifacts bpf = BpfArtifacts.in(home).require();
        BpfFs.ensure(mount, "");
        BpfLoader loader = null;
        try {
            loader = BpfLoader.start(bpf.loader(), BpfLoader.Kind.RQLAT, bpf.rqlatObject(), mount.resolve("rqlat"),
                    Duration.ofSeconds(30));
            return new RunQueueProbe(mount, loader, RunQueueMaps.open(loader.pinDir()));
        } catch (IOException | RuntimeException e) {
            if (loader != null) {
                loader.close();
            }
            run("umount", mount.toString());
            throw e;
        }
    }

    /** Starts counting the waits of the tasks in the cgroup2 directory {@code dir}; returns its id. */
    public long track(Path dir) throws IOException {
        long id = Cgroups.id(dir);
        maps.track(id);
        return id;
    }

    public RunQueueHistogram histogram(long cgroupId) throws IOException {
        return maps.histogram(cgroupId);
    }

    public void untrack(long cgroupId) throws IOException {
        maps.untrack(cgroupId);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        maps.close();
        loader.close();
        run("umount", mount.toString());
        Files.deleteIfExists(mount);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.trim());
        }
    }
}
