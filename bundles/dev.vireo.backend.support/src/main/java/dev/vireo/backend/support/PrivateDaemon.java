package dev.vireo.backend.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A daemon a backend starts and owns (containerd, dockerd) with a pid file. A leftover of a worker killed with -9 is
 * stopped before a new one starts; close() stops it (SIGTERM, then SIGKILL after the grace).
 */
public final class PrivateDaemon implements AutoCloseable {
    private final Process process;
    private final Path pidFile;
    private final long graceMs;

    private PrivateDaemon(Process process, Path pidFile, long graceMs) {
        this.process = process;
        this.pidFile = pidFile;
        this.graceMs = graceMs;
    }

    /**
     * Why a private {@code daemon} cannot be started here (not root, or its binary missing), naming the config key
     * to set instead and the Debian packages to install; null if it can.
     */
    public static String whyNot(String daemon, String binary, String pid, String packages) {
        if (!"root".equals(ProcessHandle.current().info().user().orElse(""))) {
            return "no " + daemon + " socket configured and not running as root to start a private " + daemon
                    + "; set socket in " + pid + " or run the worker as root";
        }
        if (!Files.isExecutable(Path.of(binary))) {
            return binary + " not found: apt-get install " + packages;
        }
        return null;
    }

    /**
     * Starts {@code command} with its output to {@code log}; {@code pidFile} names it for the next start (written
     * here unless {@code daemonWritesPid}); a live process at the old pid whose command ends with {@code name} is
     * stopped first.
     */
    public static PrivateDaemon start(List<String> command, String name, Path pidFile, boolean daemonWritesPid, Path log,
            long graceMs) throws IOException {
        stopLeftover(pidFile, name, graceMs);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!daemonWritesPid) {
            Files.writeString(pidFile, Long.toString(process.pid()));
        }
        return new PrivateDaemon(process, pidFile, graceMs);
    }

    private static void stopLeftover(Path pidFile, String name, long graceMs) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle.of(pid).filter(h -> h.info().command().orElse("").endsWith(name)).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(graceMs, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        } catch (NumberFormatException e) {
            // not a pid: nothing to stop
        }
        Files.deleteIfExists(pidFile);
    }

    public boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(pidFile);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // best effort
        }
    }
}
