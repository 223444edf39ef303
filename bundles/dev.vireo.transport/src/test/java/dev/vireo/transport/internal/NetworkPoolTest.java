package dev.vireo.transport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reading back what a crashed run left, from what {@code ip} prints (as iproute2 6.1 prints it on Debian 12): the
 * taking over itself runs as root against the host's namespaces in ContainerdIT.
 */
class NetworkPoolTest {
    private static final int BASE = NetworkSlots.parseBase("10.77.0.0");

    private static final String ADDRESSES = """
            1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
            4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever preferred_lft forever
            1022: vbabcdef-0    inet 10.77.0.1/22 scope global vbabcdef-0\\       valid_lft forever preferred_lft forever
            1030: vbabcdef-1    inet 10.77.8.1/22 scope global vbabcdef-1\\       valid_lft forever preferred_lft forever
            1031: vbother0-0    inet 10.77.4.1/22 scope global vbother0-0\\       valid_lft forever preferred_lft forever
            """;

    private static final String ETH0S = """

            netns: vireo-abcdef-8
            Device "eth0" does not exist.

            netns: vireo-abcdef-7
            1023: eth0    inet 10.77.0.5/22 scope global eth0\\       valid_lft forever preferred_lft forever

            netns: vireo-abcdef-12
            1040: eth0    inet 10.77.8.2/22 scope global eth0\\       valid_lft forever preferred_lft forever

            netns: vireo-other0-99
            1041: eth0    inet 10.77.4.2/22 scope global eth0\\       valid_lft forever preferred_lft forever
            """;

    @Test
    void bridgesNamespacesAndTheNextNumberAreReadBack() {
        NetworkPool.Layout layout = NetworkPool.layout("abcdef", BASE, 100, ADDRESSES, ETH0S);
        assertEquals(List.of(0, 2), layout.blocks(), "each bridge's /22 block from the base, by its index");
        assertEquals(Map.of(
                "vireo-abcdef-7", new NetworkPool.Slot("vireo-abcdef-7", "/var/run/netns/vireo-abcdef-7", "10.77.0.5", 0, 5),
                "vireo-abcdef-12", new NetworkPool.Slot("vireo-abcdef-12", "/var/run/netns/vireo-abcdef-12", "10.77.8.2", 1,
                        2)), layout.slots(), "another instance's (other tag) are not ours");
        assertEquals(List.of("vireo-abcdef-8"), layout.broken(), "made half: no address");
        assertEquals(13, layout.next());
    }

    @Test
    void nothingLeftReadsBackEmpty() {
        NetworkPool.Layout layout = NetworkPool.layout("abcdef", BASE, 100, "", "");
        assertEquals(List.of(), layout.blocks());
        assertTrue(layout.slots().isEmpty());
        assertEquals(0, layout.next());
    }

    @Test
    void whatDoesNotFitTogetherIsRefused() {
        String gap = ADDRESSES.replace("vbabcdef-1", "vbabcdef-3");
        assertTrue(assertThrows(IllegalStateException.class, () -> NetworkPool.layout("abcdef", BASE, 100, gap, ""))
                .getMessage().contains("not numbered from 0 on"));
        String offBase = ADDRESSES.replace("10.77.8.1/22", "10.78.8.7/22");
        assertThrows(IllegalStateException.class, () -> NetworkPool.layout("abcdef", BASE, 100, offBase, ""));
        String noBridge = ETH0S.replace("10.77.8.2/22", "10.77.12.2/22");
        assertTrue(assertThrows(IllegalStateException.class, () -> NetworkPool.layout("abcdef", BASE, 100, ADDRESSES,
                noBridge)).getMessage().contains("on no bridge's ports"));
        assertThrows(IllegalStateException.class, () -> NetworkPool.layout("abcdef", BASE, 3, ADDRESSES, ETH0S),
                "host 5 is past 3 ports a bridge");
    }
}
