package dev.vireo.probe.rqlat.internal;

import dev.vireo.bpf.RunQueueMaps;
import java.io.IOException;

/**
 * Per-cgroup CPU wait totals: what {@link RunQueueProbe} needs of the BPF maps (a seam for its unit tests). Threading:
 * safe from many threads, as the maps are.
 */
interface CgroupWaits {
    /** Starts counting the waits of the tasks of cgroup2 id {@code cgroupId}. */
    void track(long cgroupId) throws IOException;

    /** Stops counting them and forgets their total. */
    void untrack(long cgroupId) throws IOException;

    /** The waits counted so far in ns (0 when none yet). */
    long totalNs(long cgroupId) throws IOException;

    /** The run-queue latency maps of {@code vireo-bpf rqlat}. */
    static CgroupWaits of(RunQueueMaps maps) {
        return new CgroupWaits() {
            @Override
            public void track(long cgroupId) throws IOException {
                maps.track(cgroupId);
            }

            @Override
            public void untrack(long cgroupId) throws IOException {
                maps.untrack(cgroupId);
            }

            @Override
            public long totalNs(long cgroupId) throws IOException {
                return maps.histogram(cgroupId).totalNs();
            }
        };
    }
}
