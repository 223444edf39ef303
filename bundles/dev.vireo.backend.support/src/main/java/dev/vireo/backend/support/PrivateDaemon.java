package dev.vireo.backend.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A daemon a backend starts and owns (containerd, dockerd) with a pid file. A leftover of a worker killed with -9 is
 * stopped before a new one starts; close() stops it (SIGTERM, then SIGKILL after the grace). A {@link Recipe} says
 * what differs between daemons; {@link #start(Recipe, Path)} lays one out in a directory of its own.
 *
 * <p>Threading: {@code start} blocks until the process is started (not until it answers); {@link #alive} is safe from
 * any thread; {@link #close} blocks up to the grace and is called once, by the daemon's owner.
 */
public final class PrivateDaemon implements AutoCloseable {
    /** The longest socket path a daemon may be given: sun_path holds 108 bytes, and daemons append suffixes. */
    static final int MAX_SOCKET_PATH = 100;

    /**
     * How to start one kind of private daemon in a directory of its own: socket, pid file and log are files there.
     *
     * @param daemon    the daemon's name: how its command ends (a leftover at the pid file's pid is stopped only if
     *                  its command ends so), and in messages
     * @param binary    its executable
     * @param packages  the Debian packages that bring it, named when it is missing
     * @param socket    its socket's file name in the directory
     * @param pidFile   its pid file's name in the directory
     * @param writesPid whether the daemon writes the pid file itself (given on its command line); else it is written
     *                  here with the started process's pid
     * @param log       the name of the file its output goes to
     * @param grace     SIGTERM to SIGKILL when it is stopped
     * @param command   writes what the daemon reads (its configuration) into the directory and returns its command
     *                  line
     */
    public record Recipe(String daemon, String binary, String packages, String socket, String pidFile,
            boolean writesPid, String log, Duration grace, CommandLine command) {
    }

    /** A daemon's command line, from the paths a {@link Recipe} lays out. */
    @FunctionalInterface
    public interface CommandLine {
        /** Writes what the daemon reads into {@code dir} and returns its command line. */
        List<String> prepare(Path dir, Path socket, Path pidFile) throws IOException;
    }

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

    /** {@link #whyNot(String, String, String, String)} for a recipe's daemon, naming configuration {@code pid}. */
    public static String whyNot(Recipe recipe, String pid) {
        return whyNot(recipe.daemon(), recipe.binary(), pid, recipe.packages());
    }

    /**
     * Starts the recipe's daemon with {@code dir} (created if need be) holding its socket, pid file, log and what
     * its command line writes; an IOException if that cannot be done, or if the socket path would be too long.
     */
    public static PrivateDaemon start(Recipe recipe, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path socket = dir.resolve(recipe.socket());
        if (socket.toString().length() > MAX_SOCKET_PATH) {
            throw new IOException("private " + recipe.daemon() + " directory " + dir + " is too long for a socket path");
        }
        Path pid = dir.resolve(recipe.pidFile());
        return start(recipe.command().prepare(dir, socket, pid), recipe.daemon(), pid, recipe.writesPid(),
                dir.resolve(recipe.log()), recipe.grace().toMillis());
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
