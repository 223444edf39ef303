package dev.vireo.bench.cpugroups;

import java.util.Arrays;

/**
 * What one setting measured.
 *
 * @param setting     the setting
 * @param e2eUs       end-to-end latency of each sensitive invocation as the client saw it, in µs, in order
 * @param errors      sensitive invocations that failed
 * @param hogCalls    hog invocations that ended during the setting
 * @param rqWaits     run-queue waits counted for the sensitive function's containers in the measured window
 * @param rqP50Us     their median, µs (upper bound of its histogram bucket: at most 2x the true value); NaN: not
 *                    measured
 * @param rqP99Us     their 99th percentile, the same way
 * @param mapUpdateUs the tracker's bind + unbind per invocation, median µs; NaN without groups
 */
public record CpuGroupsResult(CpuGroupsSetting setting, long[] e2eUs, int errors, long hogCalls, long rqWaits,
        double rqP50Us, double rqP99Us, double mapUpdateUs) {
    public CpuGroupsResult {
        e2eUs = e2eUs.clone();
    }

    @Override
    public long[] e2eUs() {
        return e2eUs.clone();
    }

    /** The nearest-rank percentile {@code p} (0 < p <= 1) of the end-to-end latencies; 0 for none. */
    public long e2ePercentileUs(double p) {
        return percentile(e2eUs, p);
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
}
