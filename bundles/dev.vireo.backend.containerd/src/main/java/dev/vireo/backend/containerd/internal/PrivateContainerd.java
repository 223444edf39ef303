package dev.vireo.backend.containerd.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.vireo.backend.support.PrivateDaemon;

/**
 * A containerd the backend starts and owns (own root, state and socket under one directory), for hosts where none
 * is configured. Stopped with the backend; whatever it mounted is its own.
 */
final class PrivateContainerd implements AutoCloseable {
    private final PrivateDaemon daemon;
    final Path socket;

    private PrivateContainerd(PrivateDaemon daemon, Path socket) {
        this.daemon = daemon;
        this.socket = socket;
    }

    static PrivateContainerd start(String binary, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path socket = dir.resolve("containerd.sock");
        if (socket.toString().length() > 100) {
            throw new IOException("private containerd directory " + dir + " is too long for a socket path");
        }
        Path config = dir.resolve("config.toml");
        Files.writeString(config, String.format(java.util.Locale.ROOT, """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%s"
                [ttrpc]
                  address = "%s.ttrpc"
                """, dir.resolve("root"), dir.resolve("state"), socket, socket));
        // a worker killed with -9 left its daemon running (and its containers with it): that one is stopped first;
        // the containers stay in its database and are reclaimed through the new one
        PrivateDaemon daemon = PrivateDaemon.start(List.of(binary, "--config", config.toString()), "containerd",
                dir.resolve("containerd.pid"), false, dir.resolve("containerd.log"), 5_000);
        return new PrivateContainerd(daemon, socket);
    }

    boolean alive() {
        return daemon.alive();
    }

    @Override
    public void close() {
        daemon.close();
    }
}
