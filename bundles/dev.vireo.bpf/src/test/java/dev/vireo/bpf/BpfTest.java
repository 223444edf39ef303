package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What needs no kernel: the platform check and the messages errnos turn into. */
class BpfTest {
    @Test
    void otherSystemsAreToldWhyNotLinkErrors() {
        String mac = Bpf.platformProblem("Mac OS X", "aarch64");
        assertTrue(mac.contains("Linux only") && mac.contains("Mac OS X/aarch64"), mac);
        String arm = Bpf.platformProblem("Linux", "aarch64");
        assertTrue(arm.contains("x86_64") && arm.contains("aarch64") && arm.contains("321"), arm);
        assertNull(Bpf.platformProblem("Linux", "amd64"));
    }

    @Test
    void messagesNameTheCommandTheObjectAndTheMeaning() {
        BpfException e = new BpfException(BpfCommand.MAP_UPDATE_ELEM, 17, "map 'groups'", "");
        assertEquals("bpf MAP_UPDATE_ELEM on map 'groups' failed: EEXIST (17): key exists (update with NOEXIST)",
                e.getMessage());
        assertEquals(17, e.errno());
        assertEquals(BpfCommand.MAP_UPDATE_ELEM, e.command());
        assertEquals("map 'groups'", e.object());
        String full = new BpfException(BpfCommand.MAP_UPDATE_ELEM, 7, "map 'x'", "").getMessage();
        assertTrue(full.contains("E2BIG (7): map full") && full.contains("out of range"), full);
        String arrayDelete = new BpfException(BpfCommand.MAP_DELETE_ELEM, 22, "map 'x'", "").getMessage();
        assertTrue(arrayDelete.contains("EINVAL") && arrayDelete.contains("ARRAY"), arrayDelete);
        String perm = new BpfException(BpfCommand.MAP_CREATE, 1, "map 'x'", "").getMessage();
        assertTrue(perm.contains("EPERM") && perm.contains("CAP_BPF"), perm);
        String pin = new BpfException(BpfCommand.OBJ_PIN, 1, "map 'x' at path /tmp/x", "").getMessage();
        assertTrue(pin.contains("not on a bpf filesystem"), pin);
        String other = new BpfException(BpfCommand.MAP_LOOKUP_ELEM, 99, "map 'x'", "why").getMessage();
        assertTrue(other.endsWith("errno 99 (99): unexpected for this command; why"), other);
    }

    @Test
    void littleEndianHelpersRoundTrip() {
        assertEquals(0x0102030405060708L, BpfMap.u64(BpfMap.u64(0x0102030405060708L), 0));
        assertEquals(8, BpfMap.u64(0x0102030405060708L)[0]);
        assertEquals(-2, BpfMap.u32(BpfMap.u32(-2), 0));
        assertEquals(0x78, BpfMap.u32(0x12345678)[0]);
        assertEquals(0x12345678, BpfMap.u32(BpfMap.u32(0x12345678), 0));
    }
}
