package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each errno of the map operations, as the running kernel sets it, and what the exception says about it. */
class BpfMapErrorsTest {
    private static BpfException failure(BpfCommand command, int errno, org.junit.jupiter.api.function.Executable op) {
        BpfException e = assertThrows(BpfException.class, op);
        assertEquals(errno, e.errno(), e.getMessage());
        assertEquals(command, e.command(), e.getMessage());
        return e;
    }

    @Test
    void noexistOnAnExistingKeyIsEexist() throws Exception {
        Kernel.assumeBpf();
        try (BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_eexist", 8, 8, 4))) {
            map.update(1, BpfMap.u64(10));
            BpfException e = failure(BpfCommand.MAP_UPDATE_ELEM, BpfException.EEXIST,
                    () -> map.update(1, BpfMap.u64(11), UpdateFlag.NOEXIST));
            assertTrue(e.getMessage().contains("map 'vireo_t_eexist'") && e.getMessage().contains("key exists"),
                    e.getMessage());
            assertArrayEquals(BpfMap.u64(10), map.lookup(1).orElseThrow(), "the failed update changed nothing");
        }
    }

    @Test
    void existOnAMissingKeyIsEnoent() throws Exception {
        Kernel.assumeBpf();
        try (BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_enoent", 8, 8, 4))) {
            BpfException e = failure(BpfCommand.MAP_UPDATE_ELEM, BpfException.ENOENT,
                    () -> map.update(5, BpfMap.u64(1), UpdateFlag.EXIST));
            assertTrue(e.getMessage().contains("ENOENT (2): no such key"), e.getMessage());
            assertTrue(map.lookup(5).isEmpty());
        }
    }

    @Test
    void aFullHashIsE2big() throws Exception {
        Kernel.assumeBpf();
        try (BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_full", 8, 8, 2))) {
            map.update(1, BpfMap.u64(1));
            map.update(2, BpfMap.u64(2));
            BpfException e = failure(BpfCommand.MAP_UPDATE_ELEM, BpfException.E2BIG,
                    () -> map.update(3, BpfMap.u64(3)));
            assertTrue(e.getMessage().contains("map full") && e.getMessage().contains("max_entries 2"),
                    e.getMessage());
            map.update(2, BpfMap.u64(22)); // a full map still overwrites
            assertEquals(22, BpfMap.u64(map.lookup(2).orElseThrow(), 0));
        }
    }

    @Test
    void anArrayIndexOutOfRangeIsE2big() throws Exception {
        Kernel.assumeBpf();
        try (BpfMap map = BpfMap.create(MapSpec.array("vireo_t_range", 8, 4))) {
            BpfException e = failure(BpfCommand.MAP_UPDATE_ELEM, BpfException.E2BIG,
                    () -> map.update(4, BpfMap.u64(1)));
            assertTrue(e.getMessage().contains("index out of range"), e.getMessage());
        }
    }

    @Test
    void deleteOnAnArrayIsEinval() throws Exception {
        Kernel.assumeBpf();
        try (BpfMap map = BpfMap.create(MapSpec.array("vireo_t_del", 8, 4))) {
            BpfException e = failure(BpfCommand.MAP_DELETE_ELEM, BpfException.EINVAL, () -> map.delete(0));
            assertTrue(e.getMessage().contains("ARRAY elements always exist"), e.getMessage());
        }
    }

    /** Runs anywhere (no kernel needed): the name is refused while the spec is built, before any syscall. */
    @Test
    void aBadNameIsRefusedBeforeTheSyscall() {
        IllegalArgumentException dash = assertThrows(IllegalArgumentException.class,
                () -> MapSpec.hash("cpu-groups", 8, 8, 1));
        assertTrue(dash.getMessage().startsWith("name 'cpu-groups': character '-' at 3"), dash.getMessage());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> MapSpec.array("a_name_of_16_chr", 8, 1));
        assertTrue(tooLong.getMessage().contains("16 characters") && tooLong.getMessage().contains("at most 15"),
                tooLong.getMessage());
        assertEquals("a_name_of_15_ch", MapSpec.array("a_name_of_15_ch", 8, 1).name());
        IllegalArgumentException arrayKey = assertThrows(IllegalArgumentException.class,
                () -> new MapSpec(MapType.ARRAY, "a", 8, 8, 1, 0, null, 0, 0));
        assertTrue(arrayKey.getMessage().contains("keySize is 8"), arrayKey.getMessage());
        IllegalArgumentException entries = assertThrows(IllegalArgumentException.class,
                () -> MapSpec.hash("a", 8, 8, 0));
        assertTrue(entries.getMessage().contains("maxEntries (0)"), entries.getMessage());
    }
}
