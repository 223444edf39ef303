package dev.vireo.backend.containerd.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A containerd the backend starts and owns (own root, state and socket under one directory), for hosts where none
 * is configured. Stopped with the backend; whatever it mounted is its own.
 */
final class PrivateContainerd implements AutoCloseable {
    private final Process process;
    final Path socket;

    private PrivateContainerd(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    static PrivateContainerd start(String binary, Path dir) throws IOException {
        Files.createDirectories(dir);
        stopLeftover(dir.resolve("containerd.pid"));
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
        ProcessBuilder pb = new ProcessBuilder(binary, "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile());
        Process process = pb.start();
        Files.writeString(dir.resolve("containerd.pid"), Long.toString(process.pid()));
        return new PrivateContainerd(process, socket);
    }

    /**
     * A worker killed with -9 leaves its private containerd running (and its containers with it). The next start
     * stops that daemon; the containers stay in its database and are reclaimed through the new one.
     */
    private static void stopLeftover(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).filter(h -> h.info().command().orElse("").endsWith("containerd")).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        } catch (NumberFormatException e) {
            // not a pid: nothing to stop
        }
        Files.deleteIfExists(pidFile);
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            Files.deleteIfExists(socket.resolveSibling("containerd.pid"));
        } catch (IOException e) {
            // best effort
        }
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
