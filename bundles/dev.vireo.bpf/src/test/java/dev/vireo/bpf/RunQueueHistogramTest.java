package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Decoding struct vireo_rqhist and reading percentiles from its power-of-two buckets. */
class RunQueueHistogramTest {
    private static byte[] encoded(long count, long total, long max, long... buckets) {
        long[] fields = new long[3 + RunQueueHistogram.BUCKETS];
        fields[0] = count;
        fields[1] = total;
        fields[2] = max;
        System.arraycopy(buckets, 0, fields, 3, buckets.length);
        return BpfMapTest.value(fields);
    }

    @Test
    void decodesTheLayoutOfVireoMapsH() {
        RunQueueHistogram h = RunQueueHistogram.decode(encoded(4, 40_000, 20_000, 1, 0, 0, 2, 1));
        assertEquals(4, h.count());
        assertEquals(10_000, h.meanNs());
        assertEquals(20_000, h.maxNs());
        assertEquals(2, h.buckets()[3]);
        assertEquals(0, h.buckets()[23]);
    }

    @Test
    void percentilesAreTheUpperBoundOfTheirBucket() {
        // 90 waits in [1, 2) us (bucket 0 upper bound 2 us), 9 in [8, 16) us, 1 in [1024, 2048) us
        long[] b = new long[RunQueueHistogram.BUCKETS];
        b[0] = 90;
        b[3] = 9;
        b[10] = 1;
        RunQueueHistogram h = new RunQueueHistogram(100, 0, 0, b);
        assertEquals(2, h.percentileUs(50));
        assertEquals(2, h.percentileUs(90));
        assertEquals(16, h.percentileUs(91));
        assertEquals(16, h.percentileUs(99));
        assertEquals(2048, h.percentileUs(100));
        assertEquals(0, RunQueueHistogram.EMPTY.percentileUs(99));
        assertThrows(IllegalArgumentException.class, () -> h.percentileUs(0));
    }

    @Test
    void sinceIsWhatHappenedBetweenTwoReadings() {
        long[] b1 = new long[RunQueueHistogram.BUCKETS];
        long[] b2 = new long[RunQueueHistogram.BUCKETS];
        b1[2] = 3;
        b2[2] = 5;
        b2[4] = 1;
        RunQueueHistogram d = new RunQueueHistogram(6, 600, 90, b2).since(new RunQueueHistogram(3, 100, 50, b1));
        assertEquals(3, d.count());
        assertEquals(500, d.totalNs());
        assertEquals(2, d.buckets()[2]);
        assertEquals(1, d.buckets()[4]);
    }

    @Test
    void theBucketsCannotBeChangedFromOutside() {
        long[] b = new long[RunQueueHistogram.BUCKETS];
        RunQueueHistogram h = new RunQueueHistogram(0, 0, 0, b);
        b[0] = 7;
        h.buckets()[1] = 7;
        assertEquals(0, h.buckets()[0] + h.buckets()[1]);
    }
}
