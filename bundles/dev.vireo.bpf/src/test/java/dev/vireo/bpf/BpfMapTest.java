package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HASH and ARRAY maps in the running kernel: every operation reads back what it wrote. */
class BpfMapTest {
    @BeforeEach
    void kernel() {
        Kernel.assumeBpf();
    }

    /** {@code fields} as consecutive little-endian u64s. */
    static byte[] value(long... fields) {
        byte[] v = new byte[8 * fields.length];
        for (int i = 0; i < fields.length; i++) {
            System.arraycopy(BpfMap.u64(fields[i]), 0, v, 8 * i, 8);
        }
        return v;
    }

    @Test
    void hashCreatesUpdatesLooksUpDeletesAndIterates() throws Exception {
        try (BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_hash", 8, 16, 8))) {
            assertEquals(MapType.HASH, map.type());
            assertEquals("vireo_t_hash", map.name());
            assertEquals(8, map.keySize());
            assertEquals(16, map.valueSize());
            assertEquals(8, map.maxEntries());
            assertTrue(map.id() > 0, "the kernel gives every map an id");
            assertEquals(0, map.btfId());
            for (long k = 1; k <= 5; k++) {
                map.update(k, value(k * 10, k * 100));
            }
            for (long k = 1; k <= 5; k++) {
                assertArrayEquals(value(k * 10, k * 100), map.lookup(k).orElseThrow());
            }
            assertTrue(map.lookup(99).isEmpty());
            map.update(BpfMap.u64(1), value(7, 8), UpdateFlag.EXIST);
            assertArrayEquals(value(7, 8), map.lookup(BpfMap.u64(1)).orElseThrow());
            map.update(6, value(6, 6), UpdateFlag.NOEXIST);
            assertTrue(map.delete(3));
            assertFalse(map.delete(3), "a second delete finds no key");
            assertTrue(map.lookup(3).isEmpty());
            assertEquals(List.of(1L, 2L, 4L, 5L, 6L), map.longKeys().stream().sorted().toList());
            assertEquals(5, map.keys().size());
            assertEquals(8, map.keys().get(0).length);
        }
    }

    @Test
    void arrayHasEveryIndexZeroedAndKeepsUpdates() throws Exception {
        try (BpfMap map = BpfMap.create(MapSpec.array("vireo_t_arr", 8, 4))) {
            assertEquals(MapType.ARRAY, map.type());
            assertEquals(4, map.keySize());
            for (long i = 0; i < 4; i++) {
                assertArrayEquals(new byte[8], map.lookup(i).orElseThrow(), "index " + i + " starts zeroed");
            }
            map.update(2, BpfMap.u64(0xdead_beefL));
            map.update(BpfMap.u32(3), BpfMap.u64(-1L), UpdateFlag.EXIST);
            assertEquals(0xdead_beefL, BpfMap.u64(map.lookup(2).orElseThrow(), 0));
            assertEquals(-1L, BpfMap.u64(map.lookup(BpfMap.u32(3)).orElseThrow(), 0));
            assertEquals(0L, BpfMap.u64(map.lookup(1).orElseThrow(), 0));
            assertTrue(map.lookup(4).isEmpty(), "past the end there is no element");
            assertEquals(List.of(0L, 1L, 2L, 3L), map.longKeys());
        }
    }

    @Test
    void wrongSizesAndClosedMapsFailInJava() throws Exception {
        BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_sizes", 8, 8, 2));
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> map.update(new byte[4], new byte[8]));
        assertTrue(key.getMessage().contains("key is 4 bytes") && key.getMessage().contains("size is 8"),
                key.getMessage());
        assertThrows(IllegalArgumentException.class, () -> map.update(1, new byte[9]));
        int fd = map.fd();
        assertTrue(fd > 2);
        map.close();
        map.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> map.lookup(1));
        assertTrue(closed.getMessage().contains("vireo_t_sizes") && closed.getMessage().contains("closed"));
        try (BpfMap array = BpfMap.create(MapSpec.array("vireo_t_arr4", 8, 1))) {
            assertThrows(IllegalArgumentException.class, () -> array.update(1L << 32, new byte[8]));
        }
    }

    @Test
    void threadsUpdateOneMapTogether() throws Exception {
        int threads = 4;
        int each = 250;
        try (BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_conc", 8, 16, threads * each))) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> all = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (long k = base; k < base + each; k++) {
                            map.update(k, value(k, -k), UpdateFlag.NOEXIST);
                            assertArrayEquals(value(k, -k), map.lookup(k).orElseThrow());
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            start.countDown();
            for (Thread t : all) {
                t.join();
            }
            assertEquals(List.of(), failures);
            List<Long> keys = map.longKeys().stream().sorted().toList();
            assertEquals(threads * each, keys.size());
            for (int i = 0; i < keys.size(); i++) {
                assertEquals(i, keys.get(i));
            }
        }
    }

    /** Not asserted: prints what an update and a lookup cost from Java on this machine (docs/bpf.md quotes it). */
    @Test
    void costPerOperation() throws Exception {
        int ops = 10_000;
        try (BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_cost", 8, 16, ops))) {
            byte[] v = value(1, 2);
            for (long k = 0; k < 2_000; k++) { // warm-up: JNA's first calls and the JIT
                map.update(k, v);
                map.lookup(k);
            }
            long t0 = System.nanoTime();
            for (long k = 0; k < ops; k++) {
                map.update(k, v);
            }
            long t1 = System.nanoTime();
            long found = 0;
            for (long k = 0; k < ops; k++) {
                found += map.lookup(k).isPresent() ? 1 : 0;
            }
            long t2 = System.nanoTime();
            assertEquals(ops, found);
            System.out.printf("bpf map cost (HASH, 8 B key, 16 B value, %,d ops each): update %,d ns/op,"
                    + " lookup %,d ns/op%n", ops, (t1 - t0) / ops, (t2 - t1) / ops);
        }
    }
}
