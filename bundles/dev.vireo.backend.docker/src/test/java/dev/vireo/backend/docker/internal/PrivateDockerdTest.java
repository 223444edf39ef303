package dev.vireo.backend.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.backend.support.PrivateDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The private dockerd's recipe: data, exec root, pid file and socket under one directory; no bridge, no iptables. */
class PrivateDockerdTest {
    @TempDir
    Path dir;

    @Test
    void itsCommandLineKeepsEverythingInItsDirectoryAndTouchesNoNetwork() throws Exception {
        PrivateDaemon.Recipe recipe = DockerBackend.privateDockerd("/usr/sbin/dockerd");
        assertEquals("dockerd", recipe.daemon());
        assertEquals("docker.io", recipe.packages());
        assertEquals(List.of("docker.sock", "docker.pid", "dockerd.log"), List.of(recipe.socket(), recipe.pidFile(), recipe.log()));
        assertTrue(recipe.writesPid(), "dockerd writes its own pid file");
        assertEquals(Duration.ofSeconds(20), recipe.grace());
        Path socket = dir.resolve("docker.sock");
        Path pid = dir.resolve("docker.pid");
        assertEquals(List.of("/usr/sbin/dockerd", "--config-file", dir.resolve("daemon.json").toString(),
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + socket, "--pidfile", pid.toString(),
                "--iptables=false", "--ip-masq=false", "--bridge=none", "--live-restore", "--log-level=warn"),
                recipe.command().prepare(dir, socket, pid));
        assertEquals("{}\n", Files.readString(dir.resolve("daemon.json")), "none of the host's daemon.json");
    }
}
