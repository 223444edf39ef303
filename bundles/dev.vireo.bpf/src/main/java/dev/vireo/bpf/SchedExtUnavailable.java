package dev.vireo.bpf;

import java.io.IOException;

/**
 * This kernel has no sched_ext: the loader exited 3 ({@code /sys/kernel/sched_ext} absent), or setting policy
 * {@code SCHED_EXT} gave EINVAL. The expected outcome on kernels built without {@code CONFIG_SCHED_CLASS_EXT}: the
 * caller falls back (e.g. to cpusets) rather than failing.
 */
public final class SchedExtUnavailable extends IOException {
    private static final long serialVersionUID = 1L;

    public SchedExtUnavailable(String message) {
        super(message);
    }
}
