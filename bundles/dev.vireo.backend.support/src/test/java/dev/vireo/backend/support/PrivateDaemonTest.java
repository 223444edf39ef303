package dev.vireo.backend.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateDaemonTest {
    @TempDir
    Path tmp;

    @Test
    void aDirectoryTooLongForASocketPathIsRefusedBeforeAnythingStarts() {
        PrivateDaemon.Recipe recipe = new PrivateDaemon.Recipe("faked", "/bin/true", "fake", "faked.sock", "faked.pid",
                false, "faked.log", Duration.ofSeconds(1), (dir, socket, pid) -> {
                    throw new AssertionError("no command line for a daemon that cannot have its socket");
                });
        Path dir = tmp.resolve("d".repeat(100));
        IOException e = assertThrows(IOException.class, () -> PrivateDaemon.start(recipe, dir));
        assertEquals("private faked directory " + dir + " is too long for a socket path", e.getMessage());
    }

    @Test
    void whyNotNamesTheRecipesBinaryAndPackages() {
        PrivateDaemon.Recipe recipe = new PrivateDaemon.Recipe("faked", "/nonexistent/faked", "fake-daemon", "s", "p",
                false, "l", Duration.ofSeconds(1), (dir, socket, pid) -> List.of());
        String why = PrivateDaemon.whyNot(recipe, "vireo.backend.fake");
        assertEquals(PrivateDaemon.whyNot("faked", "/nonexistent/faked", "vireo.backend.fake", "fake-daemon"), why);
    }
}
