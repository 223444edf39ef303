package dev.vireo.bench.cpugroups;

import java.util.List;

/**
 * One setting of {@code ./vireo bench cpu-groups}: how the worker is configured and how many CPU hogs run beside
 * the latency-sensitive function.
 *
 * @param name           its name in the table and the JSON
 * @param groups         the {@code cpu-groups} tracker's {@code groups} ({@code 0;1}), or null: the tracker is not
 *                       in force (the default trackers only)
 * @param groupSize      CPUs per group, 0 without groups
 * @param functionGroups the tracker's {@code function.groups} (which groups the hogs and the sensitive function may
 *                       get), empty for none
 * @param hogs           concurrent CPU hogs
 * @param shares         the sensitive function's container's cgroup v1 {@code cpu.shares} set by the benchmark after
 *                       its first invocations, 0 to leave the backend's (1024 per CPU of the function)
 * @param weight         the tracker's {@code weight} (per group, {@code 1;10000}), empty for none: the tracker sets
 *                       its containers' CPU weight itself
 */
public record CpuGroupsSetting(String name, String groups, int groupSize, String functionGroups, int hogs,
        int shares, String weight) {
    /** The sensitive function's name (its id is {@code sensitive-1}). */
    public static final String SENSITIVE = "sensitive";
    /** The hogs' function's name (its id is {@code hog-1}). */
    public static final String HOG = "hog";
    /** {@code cpu.shares} of the sensitive container in the {@code +w} settings (the kernel's maximum). */
    public static final int SHARES = 262_144;
    /** The sensitive function's group's {@code weight} in {@code groups-1+w}: the most (v1 {@code cpu.shares} 102,400). */
    public static final int WEIGHT = 10_000;
    /**
     * The hogs' group's {@code weight} in {@code groups-1+w}: the least (v1 {@code cpu.shares} 10), so the host's own
     * work (the worker, containerd, the client) that lands on the hogs' CPU runs before them.
     */
    public static final int BACKGROUND = 1;

    public CpuGroupsSetting {
        if (hogs < 0 || groupSize < 0 || shares < 0 || (groups == null) != (groupSize == 0)) {
            throw new IllegalArgumentException(name + ": hogs and group size must be >= 0, and a size goes with groups");
        }
        functionGroups = functionGroups == null ? "" : functionGroups;
        weight = weight == null ? "" : weight;
        if (!weight.isEmpty() && groups == null) {
            throw new IllegalArgumentException(name + ": a weight goes with groups (the tracker writes it)");
        }
    }

    /** A setting whose tracker, if any, leaves the containers' CPU weight alone. */
    public CpuGroupsSetting(String name, String groups, int groupSize, String functionGroups, int hogs, int shares) {
        this(name, groups, groupSize, functionGroups, hogs, shares, "");
    }

    /** A setting that leaves the sensitive container's {@code cpu.shares} as the backend set it. */
    public CpuGroupsSetting(String name, String groups, int groupSize, String functionGroups, int hogs) {
        this(name, groups, groupSize, functionGroups, hogs, 0, "");
    }

    /** Whether the {@code cpu-groups} tracker is in force. */
    public boolean grouped() {
        return groups != null;
    }

    /**
     * The settings on a machine with CPUs 0 and 1 (this project's): the floor (the sensitive function alone, default
     * trackers), then with {@code hogs} hogs: no groups; two groups of one CPU with the hogs kept to group 0 and the
     * sensitive function to group 1 ({@code function.groups}); one group of both CPUs (groups present, no isolation:
     * the only size-2 group two CPUs allow). Each group admits every invocation at once ({@code group.concurrency} =
     * hogs + 1), so no setting queues the sensitive function behind a limit: only the CPUs are contended. Then the
     * no-groups and one-CPU settings again with the sensitive container heavier ({@code +w}; without groups the
     * benchmark writes its {@code cpu.shares} at {@link #SHARES}, with groups the tracker's {@code weight} of its group
     * is {@link #WEIGHT}): every container is a child of one cgroup ({@code /vireo}), whose weight the kernel splits over
     * the CPUs by its children's load, so the sensitive function's CPU, with hogs elsewhere, gets a sliver of that
     * weight against the host's other tasks; a heavier child moves the split.
     */
    public static List<CpuGroupsSetting> standard(int hogs) {
        if (hogs < 1) {
            throw new IllegalArgumentException("--hogs must be at least 1");
        }
        return List.of(new CpuGroupsSetting("alone", null, 0, "", 0),
                new CpuGroupsSetting("no-groups", null, 0, "", hogs),
                new CpuGroupsSetting("groups-1", "0;1", 1, HOG + "-*=0; " + SENSITIVE + "-*=1", hogs),
                new CpuGroupsSetting("groups-2", "0-1", 2, "", hogs),
                new CpuGroupsSetting("no-groups+w", null, 0, "", hogs, SHARES),
                new CpuGroupsSetting("groups-1+w", "0;1", 1, HOG + "-*=0; " + SENSITIVE + "-*=1", hogs, 0,
                        BACKGROUND + ";" + WEIGHT));
    }

    /** The sensitive function's group's weight (0: none): the {@code weight} value for its group, 1 when there are two. */
    public int sensitiveWeight() {
        if (weight.isEmpty()) {
            return 0;
        }
        String[] w = weight.split(";");
        return Integer.parseInt(w[groupSize == 1 && w.length > 1 ? 1 : 0].trim());
    }

    /** {@link #sensitiveWeight}, 0 without groups. */
    public int sensitiveWeightOrZero() {
        return grouped() ? sensitiveWeight() : 0;
    }

    /** The CPUs of the sensitive function's group: the second of two one-CPU groups, else the first. */
    public String sensitiveCpus() {
        return groups.split(";")[groupSize == 1 ? 1 : 0];
    }

    /** The tracker's {@code group.concurrency} for this setting: every invocation of the experiment at once. */
    public int groupConcurrency() {
        return hogs + 1;
    }
}
