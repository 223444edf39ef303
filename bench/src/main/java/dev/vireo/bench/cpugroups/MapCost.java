package dev.vireo.bench.cpugroups;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What the {@code cpu-groups} tracker's mapping costs per invocation in cpuset mode, three ways, each the median µs of
 * a bind + unbind of the live sensitive container ({@code BindCost}); NaN where not measured (no groups).
 *
 * @param keptUs     {@code idle = keep} (the default), every invocation in the same group: the setting's own case
 *                   (a function pinned to its group by {@code function.groups}); the first bind writes, the rest find
 *                   the container in its group
 * @param movedUs    {@code idle = keep}, the invocations alternating between two groups of the same weight: one
 *                   move ({@code cpuset.cpus} written once) each
 * @param restoredUs {@code idle = restore}: the container's own {@code cpuset.cpus} written back after each
 *                   invocation, so two writes each (how every invocation was mapped before {@code idle} existed); four
 *                   writes and two reads with a weight (its {@code cpu.shares} too)
 */
public record MapCost(double keptUs, double movedUs, double restoredUs) {
    /** Not measured. */
    public static final MapCost NONE = new MapCost(Double.NaN, Double.NaN, Double.NaN);

    /** The means of the rounds' medians. */
    static MapCost mean(List<MapCost> rounds) {
        return new MapCost(mean(rounds, MapCost::keptUs), mean(rounds, MapCost::movedUs), mean(rounds,
                MapCost::restoredUs));
    }

    private static double mean(List<MapCost> rounds, ToDoubleFunction<MapCost> f) {
        return rounds.stream().mapToDouble(f).average().orElse(Double.NaN);
    }
}
