package dev.vireo.bench.cpugroups;

import dev.vireo.bench.LatencyAnatomy;
import dev.vireo.bpf.RunQueueHistogram;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.LongStream;

/**
 * What one setting measured (in one round, or pooled over rounds with {@link #pool}).
 *
 * @param setting     the setting
 * @param e2eUs       end-to-end latency of each sensitive invocation as the client saw it, in µs
 * @param execUs      the execution time of each (the worker's record: the handler's run in the agent), µs
 * @param errors      sensitive invocations that failed
 * @param hogCalls    hog invocations that ended in the measured window
 * @param rq          run-queue waits of the sensitive function's containers in the measured window; empty: not
 *                    measured
 * @param map         the tracker's bind + unbind per invocation, median µs, three ways (pooled: the means of the
 *                    rounds'); {@link MapCost#NONE} without groups
 * @param hogCpus     the hogs' containers' {@code cpuset.cpus} seen while they ran (a check that the groups held),
 *                    one per hog container, separated by ' '
 * @param loadAvg     the host's 1-minute load average at the end of the window (pooled: the mean): the machine is
 *                    shared, and what else ran shows here
 * @param anatomy     where each sensitive invocation's time went, hop by hop ({@code InvokeRequest.anatomy})
 */
public record CpuGroupsResult(CpuGroupsSetting setting, long[] e2eUs, long[] execUs, int errors, long hogCalls,
        Optional<RunQueueHistogram> rq, MapCost map, String hogCpus, double loadAvg, LatencyAnatomy anatomy) {
    public CpuGroupsResult {
        e2eUs = e2eUs.clone();
        execUs = execUs.clone();
    }

    /** The setting's own mapping cost per invocation ({@link MapCost#keptUs}), the issue's {@code map_update_us}. */
    public double mapUpdateUs() {
        return map.keptUs();
    }

    @Override
    public long[] e2eUs() {
        return e2eUs.clone();
    }

    @Override
    public long[] execUs() {
        return execUs.clone();
    }

    /** The nearest-rank percentile {@code p} (0 < p <= 1) of the end-to-end latencies; 0 for none. */
    public long e2ePercentileUs(double p) {
        return percentile(e2eUs, p);
    }

    /** The run-queue wait's percentile {@code p} in µs (its bucket's upper bound: at most 2x the true value); NaN: not measured. */
    public double rqPercentileUs(double p) {
        return rq.map(h -> h.count() == 0 ? 0.0 : h.percentileUs(p * 100)).orElse(Double.NaN); // it takes percent
    }

    /** Nearest-rank percentile {@code p} (0 < p <= 1) of {@code values}; 0 for none. */
    public static long percentile(long[] values, double p) {
        if (values.length == 0) {
            return 0;
        }
        long[] s = values.clone();
        Arrays.sort(s);
        return s[Math.max(0, Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1))];
    }

    /** The median of {@code values} (nearest rank); NaN for none. */
    public static double median(long[] values) {
        return values.length == 0 ? Double.NaN : percentile(values, 0.5);
    }

    /** The rounds of one setting as one result: samples and run-queue waits together, means of the rest. */
    public static CpuGroupsResult pool(List<CpuGroupsResult> rounds) {
        if (rounds.isEmpty() || rounds.stream().anyMatch(r -> !r.setting().equals(rounds.get(0).setting()))) {
            throw new IllegalArgumentException("pool the rounds of one setting");
        }
        Optional<RunQueueHistogram> rq = rounds.stream().allMatch(r -> r.rq().isPresent())
                ? Optional.of(rounds.stream().map(r -> r.rq().orElseThrow()).reduce(RunQueueHistogram.EMPTY,
                        CpuGroupsResult::sum))
                : Optional.empty();
        Set<String> cpus = new LinkedHashSet<>(rounds.stream().map(CpuGroupsResult::hogCpus).toList());
        return new CpuGroupsResult(rounds.get(0).setting(),
                rounds.stream().flatMapToLong(r -> LongStream.of(r.e2eUs)).toArray(),
                rounds.stream().flatMapToLong(r -> LongStream.of(r.execUs)).toArray(),
                rounds.stream().mapToInt(CpuGroupsResult::errors).sum(),
                rounds.stream().mapToLong(CpuGroupsResult::hogCalls).sum(), rq,
                MapCost.mean(rounds.stream().map(CpuGroupsResult::map).toList()),
                String.join(" | ", cpus), rounds.stream().mapToDouble(CpuGroupsResult::loadAvg).average().orElse(0),
                LatencyAnatomy.pooled(rounds.stream().map(CpuGroupsResult::anatomy).toList()));
    }

    /** Two histograms as one (counts and sums added, the larger maximum). */
    static RunQueueHistogram sum(RunQueueHistogram a, RunQueueHistogram b) {
        long[] buckets = a.buckets();
        long[] other = b.buckets();
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] += other[i];
        }
        return new RunQueueHistogram(a.count() + b.count(), a.totalNs() + b.totalNs(), Math.max(a.maxNs(), b.maxNs()),
                buckets);
    }
}
