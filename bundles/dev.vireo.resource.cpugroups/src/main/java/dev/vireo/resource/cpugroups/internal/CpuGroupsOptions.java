package dev.vireo.resource.cpugroups.internal;

import dev.vireo.api.model.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@link CpuGroupsConfig} checked once and turned into values. Every error names its key.
 *
 * @param groups      the groups, in configuration order
 * @param maxInFlight invocations holding a group at once, at most
 * @param mode        how groups are enforced
 * @param functions   which groups each function may get ({@code function.groups})
 * @param keepIdle    whether a container stays in its group between invocations ({@code idle = keep}; cpuset mode)
 */
record CpuGroupsOptions(List<CpuGroup> groups, int maxInFlight, Mode mode, FunctionGroups functions,
        boolean keepIdle) {
    static final long MIN_SLICE_US = 50;
    static final long MAX_SLICE_US = 1_000_000;

    CpuGroupsOptions {
        groups = List.copyOf(groups);
        if (groups.isEmpty()) {
            throw new ValidationException("groups", "there must be at least one group");
        }
        int capacity = groups.stream().mapToInt(CpuGroup::capacity).sum();
        if (maxInFlight < 1 || maxInFlight > capacity) {
            throw new ValidationException("max.in.flight", maxInFlight + " is out of range [1, " + capacity
                    + "] (the groups run " + capacity + " invocations at once)");
        }
    }

    /** Options in which every function may get every group, and containers leave their group when idle. */
    CpuGroupsOptions(List<CpuGroup> groups, int maxInFlight, Mode mode) {
        this(groups, maxInFlight, mode, FunctionGroups.ANY, false);
    }

    /**
     * Options from a configuration; {@code online} is this machine's online CPUs (a group may only name those).
     *
     * @throws ValidationException naming the key that is wrong and why 
     */
    static CpuGroupsOptions of(CpuGroupsConfig c, CpuList online) {
        List<CpuList> lists = cpuLists(c.groups(), online);
        int n = lists.size();
        if (c.group_concurrency() < 1 || c.group_concurrency() > 1024) {
            throw new ValidationException("group.concurrency", c.group_concurrency() + " is out of range [1, 1024]");
        }
        List<Long> slices = perGroup("slice.us", c.slice_us(), n, CpuGroupsOptions::slice);
        List<Order> orders = perGroup("order", c.order(), n, Order::parse);
        List<Integer> weights = perGroup("weight", c.weight(), n, CpuGroupsOptions::weight);
        boolean keepIdle = switch (c.idle().trim()) {
            case "keep" -> true;
            case "restore" -> false;
            default -> throw new ValidationException("idle", "unknown value '" + c.idle().trim()
                    + "'; values: keep, restore");
        };
        Mode mode;
        try {
            mode = Mode.parse(c.mode());
        } catch (IllegalArgumentException e) {
            throw new ValidationException("mode", e.getMessage());
        }
        List<CpuGroup> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            groups.add(new CpuGroup(i, lists.get(i), slices.get(i), orders.get(i), c.group_concurrency(),
                    weights.get(i)));
        }
        if (c.max_in_flight() < 0) {
            throw new ValidationException("max.in.flight", c.max_in_flight() + " must be >= 0 (0 = every group full)");
        }
        int maxInFlight = c.max_in_flight() == 0 ? n * c.group_concurrency() : c.max_in_flight();
        return new CpuGroupsOptions(groups, maxInFlight, mode, FunctionGroups.parse(c.function_groups(), n), keepIdle);
    }

    /** The groups' CPU lists: given, or one per online CPU; each online, no CPU in two groups. */
    private static List<CpuList> cpuLists(String text, CpuList online) {
        List<CpuList> lists = new ArrayList<>();
        if (text.isBlank()) {
            online.stream().forEach(cpu -> lists.add(CpuList.parse(Integer.toString(cpu))));
            return lists;
        }
        String[] parts = text.split(";", -1);
        for (int i = 0; i < parts.length; i++) {
            CpuList cpus;
            try {
                cpus = CpuList.parse(parts[i]);
            } catch (IllegalArgumentException e) {
                throw new ValidationException("groups", "group " + i + ": " + e.getMessage()
                        + " (groups are CPU lists separated by ';', e.g. 0-1;2-3)");
            }
            if (!online.containsAll(cpus)) {
                throw new ValidationException("groups", "group " + i + " (" + cpus + ") names CPUs this machine does not "
                        + "have online (online: " + online + ")");
            }
            for (int j = 0; j < lists.size(); j++) {
                CpuList shared = lists.get(j).intersection(cpus);
                if (shared.size() > 0) {
                    throw new ValidationException("groups", "CPUs " + shared + " are in groups " + j + " and " + i
                            + ": groups must not share a CPU");
                }
            }
            lists.add(cpus);
        }
        return lists;
    }

    /** One value for every group, or one per group separated by ';'. */
    private static <T> List<T> perGroup(String key, String text, int groups, Function<String, T> parse) {
        String[] parts = text.split(";", -1);
        if (parts.length != 1 && parts.length != groups) {
            throw new ValidationException(key, "'" + text + "' has " + parts.length + " values for " + groups
                    + " groups: give one for all, or one per group separated by ';'");
        }
        List<T> values = new ArrayList<>();
        for (int i = 0; i < groups; i++) {
            try {
                values.add(parse.apply(parts[parts.length == 1 ? 0 : i]));
            } catch (IllegalArgumentException e) {
                throw new ValidationException(key, e.getMessage());
            }
        }
        return values;
    }

    private static int weight(String text) {
        int w;
        try {
            w = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not a whole number (0, or a cgroup v2 weight "
                    + "1-" + CpuGroup.MAX_WEIGHT + ")");
        }
        if (w < 0 || w > CpuGroup.MAX_WEIGHT) {
            throw new IllegalArgumentException(w + " is out of range [0, " + CpuGroup.MAX_WEIGHT + "] (0 = the "
                    + "container's own weight)");
        }
        return w;
    }

    private static long slice(String text) {
        long us;
        try {
            us = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.trim() + "' is not a number of microseconds");
        }
        if (us < MIN_SLICE_US || us > MAX_SLICE_US) {
            throw new IllegalArgumentException(us + " us is out of range [" + MIN_SLICE_US + ", " + MAX_SLICE_US + "]");
        }
        return us;
    }
}
