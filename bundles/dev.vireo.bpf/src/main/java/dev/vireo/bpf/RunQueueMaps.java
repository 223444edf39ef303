package dev.vireo.bpf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The run-queue latency maps, pinned by {@code vireo-bpf rqlat --pin DIR}: which cgroups are measured
 * ({@code vireo_rqcg}) and their latency histograms ({@code vireo_rqhist}). Works without sched_ext.
 *
 * <p>Threading: safe for any number of threads; {@link #close()} closes the maps, not the pins.
 */
public final class RunQueueMaps implements Closeable {
    /** Map names, as pinned. */
    public static final String TRACKED = "vireo_rqcg";
    public static final String HISTOGRAMS = "vireo_rqhist";

    private final BpfMap tracked;
    private final BpfMap histograms;

    private RunQueueMaps(BpfMap tracked, BpfMap histograms) {
        this.tracked = tracked;
        this.histograms = histograms;
    }

    /** Opens the maps pinned under {@code pinDir}; fails naming the map that is missing or has another layout. */
    public static RunQueueMaps open(Path pinDir) throws IOException {
        List<BpfMap> opened = new ArrayList<>();
        try {
            opened.add(PinnedMaps.open(pinDir, TRACKED, MapType.HASH, 8, 4));
            opened.add(PinnedMaps.open(pinDir, HISTOGRAMS, MapType.HASH, 8, RunQueueHistogram.SIZE));
            return new RunQueueMaps(opened.get(0), opened.get(1));
        } catch (IOException | RuntimeException e) {
            PinnedMaps.closeAll(opened);
            throw e;
        }
    }

    /** Starts measuring the tasks of cgroup {@code cgroupId} (a cgroup2 id, see {@link Cgroups#id}). */
    public void track(long cgroupId) throws BpfException {
        tracked.update(cgroupId, BpfMap.u32(1));
    }

    /** Stops measuring cgroup {@code cgroupId} and drops its histogram; false when it was not tracked. */
    public boolean untrack(long cgroupId) throws BpfException {
        boolean was = tracked.delete(cgroupId);
        histograms.delete(cgroupId);
        return was;
    }

    /** The cgroups measured. */
    public List<Long> trackedCgroups() throws BpfException {
        return tracked.longKeys();
    }

    /** The latencies measured so far for cgroup {@code cgroupId}; {@link RunQueueHistogram#EMPTY} when none. */
    public RunQueueHistogram histogram(long cgroupId) throws BpfException {
        return histograms.lookup(cgroupId).map(RunQueueHistogram::decode).orElse(RunQueueHistogram.EMPTY);
    }

    @Override
    public void close() {
        PinnedMaps.closeAll(List.of(tracked, histograms));
    }
}
