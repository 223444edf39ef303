package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Pinning under /sys/fs/bpf and opening the pin again, as another process (bpftool, the scheduler) would. */
class PinTest {
    @RegisterExtension
    static final Bpffs BPFFS = new Bpffs();
    private Path dir;

    @BeforeEach
    void bpffs() throws Exception {
        Kernel.assumeBpf();
        dir = Files.createTempDirectory(BPFFS.root(), "vireo-test-");
    }

    @AfterEach
    void unlink() throws Exception {
        Bpffs.removePins(dir);
    }

    @Test
    void aPinnedMapReopensWithItsShapeAndContents() throws Exception {
        Path pin = dir.resolve("groups");
        try (BpfMap created = BpfMap.create(MapSpec.hash("vireo_t_pin", 8, 8, 16))) {
            created.update(42, BpfMap.u64(4200));
            created.pin(pin);
            assertTrue(Files.exists(pin));
            try (BpfMap opened = BpfMap.open(pin)) {
                assertEquals(created.id(), opened.id(), "the same kernel object");
                assertEquals(MapType.HASH, opened.type());
                assertEquals("vireo_t_pin", opened.name());
                assertEquals(8, opened.keySize());
                assertEquals(8, opened.valueSize());
                assertEquals(16, opened.maxEntries());
                assertEquals(4200, BpfMap.u64(opened.lookup(42).orElseThrow(), 0));
                opened.update(43, BpfMap.u64(4300));
            }
            assertEquals(4300, BpfMap.u64(created.lookup(43).orElseThrow(), 0), "written through the other fd");
        }
        try (BpfMap again = BpfMap.open(pin)) {
            assertEquals(2, again.keys().size(), "the pin keeps the map after every fd is closed");
        }
        Files.delete(pin);
        assertFalse(Files.exists(pin));
        BpfException gone = assertThrows(BpfException.class, () -> BpfMap.open(pin));
        assertEquals(BpfException.ENOENT, gone.errno());
        assertEquals(BpfCommand.OBJ_GET, gone.command());
        assertTrue(gone.getMessage().contains("nothing is pinned") && gone.getMessage().contains(pin.toString()),
                gone.getMessage());
    }

    @Test
    void anArrayPinReopensAsAnArray() throws Exception {
        Path pin = dir.resolve("stats");
        try (BpfMap created = BpfMap.create(MapSpec.array("vireo_t_pina", 16, 3))) {
            created.update(1, BpfMapTest.value(5, 6));
            created.pin(pin);
        }
        try (BpfMap opened = BpfMap.open(pin)) {
            assertEquals(MapType.ARRAY, opened.type());
            assertEquals(16, opened.valueSize());
            assertEquals(6, BpfMap.u64(opened.lookup(1).orElseThrow(), 8));
        }
    }

    @Test
    void pinningOverAPinIsEexistAndOutsideBpffsIsEpermOrEacces(@TempDir Path tmp) throws Exception {
        Path pin = dir.resolve("twice");
        try (BpfMap map = BpfMap.create(MapSpec.hash("vireo_t_pin2", 8, 8, 1))) {
            map.pin(pin);
            BpfException twice = assertThrows(BpfException.class, () -> map.pin(pin));
            assertEquals(BpfException.EEXIST, twice.errno());
            assertTrue(twice.getMessage().contains("the path exists"), twice.getMessage());
            BpfException outside = assertThrows(BpfException.class, () -> map.pin(tmp.resolve("x")));
            assertEquals(BpfException.EPERM, outside.errno(), outside.getMessage());
            assertTrue(outside.getMessage().contains("not on a bpf filesystem"), outside.getMessage());
            BpfException noDir = assertThrows(BpfException.class, () -> map.pin(dir.resolve("no/such")));
            assertEquals(BpfException.ENOENT, noDir.errno(), noDir.getMessage());
            BpfException notBpffs = assertThrows(BpfException.class, () -> BpfMap.open(tmp));
            assertEquals(BpfException.EACCES, notBpffs.errno(), notBpffs.getMessage());
            assertEquals(BpfCommand.OBJ_GET, notBpffs.command());
        }
    }
}
