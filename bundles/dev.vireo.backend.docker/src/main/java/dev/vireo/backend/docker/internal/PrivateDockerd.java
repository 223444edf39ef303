package dev.vireo.backend.docker.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A dockerd the backend starts and owns (own data root, exec root, pid file and socket under one directory; no
 * bridge, no iptables, no daemon.json of the host), for hosts where no socket is configured. Stopped with the
 * backend. A leftover of a worker killed with -9 is stopped first (its pid file).
 */
final class PrivateDockerd implements AutoCloseable {
    private final Process process;
    final Path socket;

    private PrivateDockerd(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    static PrivateDockerd start(String binary, Path dir) throws IOException {
        Files.createDirectories(dir);
        stopLeftover(dir.resolve("docker.pid"));
        Path socket = dir.resolve("docker.sock");
        if (socket.toString().length() > 100) {
            throw new IOException("private dockerd directory " + dir + " is too long for a socket path");
        }
        Path config = dir.resolve("daemon.json");
        Files.writeString(config, "{}\n");
        ProcessBuilder pb = new ProcessBuilder(List.of(binary, "--config-file", config.toString(),
                "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
                "-H", "unix://" + socket, "--pidfile", dir.resolve("docker.pid").toString(),
                "--iptables=false", "--ip-masq=false", "--bridge=none", "--log-level=warn"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile());
        return new PrivateDockerd(pb.start(), socket);
    }

    private static void stopLeftover(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).filter(h -> h.info().command().orElse("").endsWith("dockerd")).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(20, TimeUnit.SECONDS);
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
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
