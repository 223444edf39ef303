package dev.vireo.backend.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImagesTest {
    @Test
    void aReferenceNamesItsRegistryOnlyWhenItsFirstPartLooksLikeAHost() {
        assertEquals(Optional.empty(), Images.registry("vireo/python3:latest"));
        assertEquals(Optional.empty(), Images.registry("hello"));
        assertEquals(Optional.of("127.0.0.1:5000"), Images.registry("127.0.0.1:5000/team/fn:1"));
        assertEquals(Optional.of("registry.example"), Images.registry("registry.example/fn"));
        assertEquals(Optional.of("localhost"), Images.registry("localhost/fn:2"));
        assertEquals(Optional.of("MyHost"), Images.registry("MyHost/fn:2"), "upper case: a host, as docker reads it");
    }

    @Test
    void theTagIsAfterTheLastColonOfTheLastPartAndLatestWithoutOne() {
        assertEquals(new Images.Reference("127.0.0.1:5000/team/fn", "1"), Images.parse("127.0.0.1:5000/team/fn:1"));
        assertEquals(new Images.Reference("127.0.0.1:5000/team/fn", "latest"), Images.parse("127.0.0.1:5000/team/fn"));
        assertEquals(new Images.Reference("vireo/python3", "3.11"), Images.parse("vireo/python3:3.11"));
        assertEquals(new Images.Reference("r.example/fn@sha256:abc", ""), Images.parse("r.example/fn@sha256:abc"));
    }
}
