package dev.vireo.backend.containerd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vireo.backend.support.PrivateDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The private containerd's recipe: its own root, state and sockets under one directory, no CRI. */
class PrivateContainerdTest {
    @TempDir
    Path dir;

    @Test
    void itsConfigurationKeepsEverythingInItsDirectory() throws Exception {
        PrivateDaemon.Recipe recipe = ContainerdBackend.privateContainerd("/usr/bin/containerd");
        assertEquals("containerd", recipe.daemon());
        assertEquals("containerd runc", recipe.packages());
        assertEquals(List.of("containerd.sock", "containerd.pid", "containerd.log"),
                List.of(recipe.socket(), recipe.pidFile(), recipe.log()));
        assertFalse(recipe.writesPid(), "containerd writes no pid file: the backend does");
        assertEquals(Duration.ofSeconds(5), recipe.grace());
        Path socket = dir.resolve("containerd.sock");
        List<String> command = recipe.command().prepare(dir, socket, dir.resolve("containerd.pid"));
        assertEquals(List.of("/usr/bin/containerd", "--config", dir.resolve("config.toml").toString()), command);
        assertEquals("""
                version = 2
                root = "%s/root"
                state = "%s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%s"
                [ttrpc]
                  address = "%s.ttrpc"
                """.formatted(dir, dir, socket, socket), Files.readString(dir.resolve("config.toml")));
    }
}
