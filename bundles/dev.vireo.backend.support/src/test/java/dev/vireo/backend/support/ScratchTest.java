package dev.vireo.backend.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A container's /tmp on disk: made empty and writable for its user, removed with all in it, links not followed. */
class ScratchTest {
    @TempDir
    Path root;

    @Test
    void madeEmptyAndRemovedWithAllInItButNotWhatLinksPointTo() throws Exception {
        Path outside = Files.writeString(root.resolve("outside"), "keep");
        Path dir = Scratch.create(root.resolve("scratch"), "c-1", 65534, 65534);
        assertEquals(root.resolve("scratch/c-1"), dir);
        assertTrue(Files.isDirectory(dir));
        int mode = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        assertTrue(uid == 65534 && mode == 0700 || mode == 01777, "its user's alone, or open as a tmpfs /tmp is");
        Files.createDirectories(dir.resolve("a/b"));
        Files.write(dir.resolve("a/b/big"), new byte[1 << 20]);
        Files.createSymbolicLink(dir.resolve("link"), outside);
        Files.createSymbolicLink(dir.resolve("a/dirlink"), root);

        Path again = Scratch.create(root.resolve("scratch"), "c-1", 65534, 65534);
        try (var left = Files.list(again)) {
            assertEquals(List.of(), left.toList(), "a leftover of the same id is emptied");
        }
        Files.writeString(again.resolve("x"), "x");
        Scratch.remove(root.resolve("scratch"), "c-1");
        assertFalse(Files.exists(again));
        assertEquals("keep", Files.readString(outside));
        Scratch.remove(root.resolve("scratch"), "c-1"); // gone already is fine
        Scratch.remove(root.resolve("nothing"), "c-2");
    }
}
