package dev.vireo.backend.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageReferencesTest {
    @Test
    void aRegistryIsAFirstComponentWithADotAPortOrLocalhost() {
        assertEquals(Optional.empty(), ImageReferences.registry("vireo/python3:latest"));
        assertEquals(Optional.empty(), ImageReferences.registry("hello"));
        assertEquals(Optional.of("127.0.0.1:5000"), ImageReferences.registry("127.0.0.1:5000/team/fn:1"));
        assertEquals(Optional.of("registry.example.org"), ImageReferences.registry("registry.example.org/fn"));
        assertEquals(Optional.of("localhost"), ImageReferences.registry("localhost/fn:1"));
    }

    @Test
    void thisHostsRegistriesAndListedOnesAreReachedOverPlainHttp() {
        assertTrue(ImageReferences.plainHttp("127.0.0.1:5000", Set.of()));
        assertTrue(ImageReferences.plainHttp("localhost:5000", Set.of()));
        assertTrue(ImageReferences.plainHttp("localhost", Set.of()));
        assertTrue(ImageReferences.plainHttp("[::1]:5000", Set.of()));
        assertFalse(ImageReferences.plainHttp("registry.example.org", Set.of()));
        assertFalse(ImageReferences.plainHttp("127.example.org:5000", Set.of()), "a name, not a loopback address");
        assertFalse(ImageReferences.plainHttp("10.0.0.5:5000", Set.of("10.0.0.5:6000")));
        assertTrue(ImageReferences.plainHttp("10.0.0.5:5000", Set.of("10.0.0.5:5000")));
        assertTrue(ImageReferences.plainHttp("10.0.0.5:5000", Set.of("10.0.0.5")));
    }
}
