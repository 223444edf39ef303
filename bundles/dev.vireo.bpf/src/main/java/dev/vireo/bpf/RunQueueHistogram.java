package dev.vireo.bpf;

import java.util.Arrays;

/**
 * The run-queue latency of one cgroup's tasks ({@code struct vireo_rqhist}): how long they waited between becoming
 * runnable (woken, or preempted while still runnable) and running. Immutable.
 *
 * @param count latencies measured
 * @param totalNs their sum
 * @param maxNs the largest
 * @param buckets {@value #BUCKETS} counts: bucket {@code i} holds latencies in [2^i, 2^(i+1)) microseconds, bucket 0
 *     also those under 1 us
 */
public record RunQueueHistogram(long count, long totalNs, long maxNs, long[] buckets) {
    /** Buckets in {@code struct vireo_rqhist}. */
    public static final int BUCKETS = 24;
    /** Size of {@code struct vireo_rqhist}. */
    static final int SIZE = 24 + 8 * BUCKETS;
    /** A cgroup with no latency measured yet. */
    public static final RunQueueHistogram EMPTY = new RunQueueHistogram(0, 0, 0, new long[BUCKETS]);

    public RunQueueHistogram {
        if (buckets.length != BUCKETS) {
            throw new IllegalArgumentException(buckets.length + " buckets, expected " + BUCKETS);
        }
        buckets = buckets.clone();
    }

    @Override
    public long[] buckets() {
        return buckets.clone();
    }

    static RunQueueHistogram decode(byte[] v) {
        long[] b = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            b[i] = BpfMap.u64(v, 24 + 8 * i);
        }
        return new RunQueueHistogram(BpfMap.u64(v, 0), BpfMap.u64(v, 8), BpfMap.u64(v, 16), b);
    }

    /** The mean latency in nanoseconds; 0 when none was measured. */
    public double meanNs() {
        return count == 0 ? 0 : (double) totalNs / count;
    }

    /**
     * The {@code p}-th percentile (0 &lt; p &le; 100) in microseconds, as the upper bound of the bucket it falls in
     * (2^(i+1) us for bucket i; so at most twice the true value); 0 when nothing was measured.
     */
    public double percentileUs(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile " + p + " not in (0, 100]");
        }
        long inBuckets = Arrays.stream(buckets).sum();
        if (inBuckets == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p / 100 * inBuckets);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return Math.pow(2, i + 1);
            }
        }
        return Math.pow(2, BUCKETS);
    }

    /** This histogram minus an earlier reading of the same cgroup's (what happened in between; max stays). */
    public RunQueueHistogram since(RunQueueHistogram earlier) {
        long[] b = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            b[i] = buckets[i] - earlier.buckets[i];
        }
        return new RunQueueHistogram(count - earlier.count, totalNs - earlier.totalNs, maxNs, b);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RunQueueHistogram h && h.count == count && h.totalNs == totalNs && h.maxNs == maxNs
                && Arrays.equals(h.buckets, buckets);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + Arrays.hashCode(buckets);
    }

    @Override
    public String toString() {
        return "RunQueueHistogram[count=" + count + ", meanNs=" + Math.round(meanNs()) + ", maxNs=" + maxNs
                + ", buckets=" + Arrays.toString(buckets) + "]";
    }
}
