package dev.vireo.backend.docker.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.vireo.backend.support.PrivateDaemon;

/**
 * A dockerd the backend starts and owns (own data root, exec root, pid file and socket under one directory; no
 * bridge, no iptables, no daemon.json of the host), for hosts where no socket is configured. Stopped with the
 * backend. A leftover of a worker killed with -9 is stopped first (its pid file).
 */
final class PrivateDockerd implements AutoCloseable {
    private final PrivateDaemon daemon;
    final Path socket;

    private PrivateDockerd(PrivateDaemon daemon, Path socket) {
        this.daemon = daemon;
        this.socket = socket;
    }

    static PrivateDockerd start(String binary, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path socket = dir.resolve("docker.sock");
        if (socket.toString().length() > 100) {
            throw new IOException("private dockerd directory " + dir + " is too long for a socket path");
        }
        Path config = dir.resolve("daemon.json");
        Files.writeString(config, "{}\n");
        Path pid = dir.resolve("docker.pid");
        PrivateDaemon daemon = PrivateDaemon.start(List.of(binary, "--config-file", config.toString(),
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + socket, "--pidfile", pid.toString(),
                "--iptables=false", "--ip-masq=false", "--bridge=none", "--log-level=warn"), "dockerd", pid, true,
                dir.resolve("dockerd.log"), 20_000);
        return new PrivateDockerd(daemon, socket);
    }

    boolean alive() {
        return daemon.alive();
    }

    @Override
    public void close() {
        daemon.close();
    }
}
