package dev.vireo.probe.rqlat.internal;

import dev.vireo.bpf.Bpf;
import dev.vireo.bpf.BpfArtifacts;
import dev.vireo.bpf.BpfLoader;
import dev.vireo.bpf.Cgroups;
import dev.vireo.bpf.RunQueueMaps;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The probe running: the {@code vireo-bpf rqlat} loader (its programs attached while it runs), its maps opened, and
 * the {@link RunQueueProbe} over them. {@link #start} checks what it needs first and says why it cannot run in a
 * {@link Off}. Threading: start and close from one thread (the component's activation and deactivation).
 */
final class RqlatRuntime implements Closeable {
    /** Why the probe does not run; the message is one sentence for the log. */
    static final class Off extends Exception {
        Off(String why) {
            super(why);
        }
    }

    private final BpfLoader loader;
    private final RunQueueMaps maps;
    private final RunQueueProbe probe;

    private RqlatRuntime(BpfLoader loader, RunQueueMaps maps) {
        this.loader = loader;
        this.maps = maps;
        this.probe = new RunQueueProbe(CgroupWaits.of(maps), Cgroups::id);
    }

    /**
     * Starts the loader and opens its maps, or says why not: disabled, no bpf syscall, not root, artifacts not built,
     * no bpf filesystem (the default pin directory mounts one at /sys/fs/bpf), or the loader failed.
     */
    static RqlatRuntime start(RqlatOptions options, BpfArtifacts artifacts) throws Off {
        if (!options.enabled()) {
            throw new Off("disabled by configuration (enabled = false)");
        }
        Optional<String> bpf = Bpf.unavailable().or(() -> root() ? Optional.empty()
                : Optional.of("the worker does not run as root (loading BPF programs needs CAP_BPF and CAP_PERFMON)"))
                .or(artifacts::missing);
        if (bpf.isPresent()) {
            throw new Off(bpf.get());
        }
        Path pins = options.pinDir();
        try {
            if (options.defaultPins()) {
                dev.vireo.bpf.BpfFs.ensure(RqlatOptions.BPFFS, "");
            }
            Files.createDirectories(pins.getParent());
        } catch (IOException e) {
            throw new Off(e.getMessage());
        }
        BpfLoader loader;
        try {
            loader = BpfLoader.start(artifacts.loader(), BpfLoader.Kind.RQLAT, artifacts.rqlatObject(), pins,
                    options.startTimeout());
        } catch (IOException e) {
            throw new Off("the rqlat loader failed: " + e.getMessage());
        }
        try {
            return new RqlatRuntime(loader, RunQueueMaps.open(pins));
        } catch (IOException | RuntimeException e) {
            closeQuietly(loader);
            throw new Off("opening the rqlat maps in " + pins + " failed: " + e.getMessage());
        }
    }

    private static boolean root() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    RunQueueProbe probe() {
        return probe;
    }

    BpfLoader loader() {
        return loader;
    }

    /** Closes the maps and stops the loader (it detaches the programs and removes its pins). */
    @Override
    public void close() {
        maps.close();
        closeQuietly(loader);
    }

    private static void closeQuietly(BpfLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            // the loader is stopped (killed at worst); only its stderr file may be left in the temporary directory
        }
    }
}
