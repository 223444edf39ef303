package dev.vireo.backend.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A container's /tmp: made empty and writable for its user, holding scratch_mb and no more (a real loop-mounted ext4
 * or tmpfs: the worker runs as root here, as in CI), removed with all in it, links not followed.
 */
class ScratchTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Scratch.Medium.class)
    void madeEmptyAndRemovedWithAllInItButNotWhatLinksPointTo(Scratch.Medium medium) throws Exception {
        Path outside = Files.writeString(root.resolve("outside"), "keep");
        Path dir = Scratch.create(root.resolve("scratch"), "c-1", 65534, 65534, 32, medium);
        assertEquals(root.resolve("scratch/c-1"), dir);
        assertTrue(Files.isDirectory(dir));
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "empty (no lost+found)");
        }
        int mode = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        assertTrue(uid == 65534 && mode == 0700 || mode == 01777, "its user's alone, or open as a tmpfs /tmp is");
        Files.createDirectories(dir.resolve("a/b"));
        Files.write(dir.resolve("a/b/big"), new byte[1 << 20]);
        Files.createSymbolicLink(dir.resolve("link"), outside);
        Files.createSymbolicLink(dir.resolve("a/dirlink"), root);

        Path again = Scratch.create(root.resolve("scratch"), "c-1", 65534, 65534, 32, medium);
        try (var left = Files.list(again)) {
            assertEquals(List.of(), left.toList(), "a leftover of the same id is emptied");
        }
        Files.writeString(again.resolve("x"), "x");
        Scratch.remove(root.resolve("scratch"), "c-1");
        assertFalse(Files.exists(again));
        assertEquals("keep", Files.readString(outside));
        try (var left = Files.list(root.resolve("scratch"))) {
            assertEquals(List.of(), left.toList(), "no image file left");
        }
        Scratch.remove(root.resolve("scratch"), "c-1"); // gone already is fine
        Scratch.remove(root.resolve("nothing"), "c-2");
    }

    @ParameterizedTest
    @EnumSource(Scratch.Medium.class)
    void itHoldsItsSizeAndNoMore(Scratch.Medium medium) throws Exception {
        assumeTrue(Scratch.root(), "bounding scratch space needs root (CI runs as root)");
        Path dir = Scratch.create(root.resolve("scratch"), "c-1", 0, 0, 24, medium);
        try {
            assertTrue(Scratch.mounted(dir));
            byte[] mb = new byte[1 << 20];
            try (OutputStream out = Files.newOutputStream(dir.resolve("fits"))) {
                for (int i = 0; i < 24; i++) {
                    out.write(mb);
                }
            }
            IOException full = assertThrows(IOException.class, () -> {
                try (OutputStream out = Files.newOutputStream(dir.resolve("overflows"))) {
                    for (int i = 0; i < 64; i++) {
                        out.write(mb);
                    }
                }
            });
            assertTrue(full.getMessage().contains("No space left on device"), full.getMessage());
            if (medium == Scratch.Medium.DISK) {
                long allocated = (Long) Files.getAttribute(root.resolve("scratch/c-1.img"), "size");
                assertTrue(allocated < 40L << 20, "the image is sized near scratch_mb: " + allocated);
            }
        } finally {
            Scratch.remove(root.resolve("scratch"), "c-1");
        }
        assertFalse(Files.exists(dir), "unmounted and removed");
    }

    @Test
    void anUnknownMediumNamesTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Scratch.Medium.parse("ssd"));
        assertTrue(e.getMessage().contains("disk or memory"), e.getMessage());
        assertEquals(Scratch.Medium.MEMORY, Scratch.Medium.parse("memory"));
    }
}
