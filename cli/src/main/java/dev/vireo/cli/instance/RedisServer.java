package dev.vireo.cli.instance;

import dev.vireo.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The private redis-server of {@code ./vireo redis} (for the Redis workflow store, {@code dag.store = redis}): its
 * folder {@code run/redis} holds {@code redis.conf} (written at start: the port, loopback only, no persistence),
 * {@code redis.pid} and {@code redis.log}. It runs in its own session, so it outlives the command that started it.
 */
public final class RedisServer {
    /** Not Redis's 6379, so that a system's own server and this one do not meet. */
    public static final int DEFAULT_PORT = 6390;
    public static final Path BINARY = Path.of("/usr/bin/redis-server");
    private static final Pattern PORT = Pattern.compile("(?m)^port (\\d+)$");

    private final Path dir;

    /** The server whose folder is {@code dir} ({@code run/redis} for the CLI). */
    public RedisServer(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    public Path log() {
        return dir.resolve("redis.log");
    }

    private Path pidFile() {
        return dir.resolve("redis.pid");
    }

    /** The port of the last start ({@code redis.conf}), else the default. */
    public int port() throws IOException {
        Path conf = dir.resolve("redis.conf");
        if (Files.isRegularFile(conf)) {
            Matcher m = PORT.matcher(Files.readString(conf));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return DEFAULT_PORT;
    }

    /** The server's process if it runs (a stale pid file, or one whose pid is now another program, is removed). */
    public Optional<ProcessHandle> process() throws IOException {
        Path f = pidFile();
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(Files.readString(f).trim()))
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().command().map(RedisServer::isOurs).orElse(true));
            if (p.isEmpty()) {
                Files.deleteIfExists(f);
            }
            return p;
        } catch (NumberFormatException e) {
            Files.deleteIfExists(f);
            return Optional.empty();
        }
    }

    /**
     * Whether a process running {@code command} can be the server: redis-server (on Debian a link to
     * redis-check-rdb, which is what the process's executable then reads), or setsid just before it becomes it.
     */
    private static boolean isOurs(String command) {
        if (command.endsWith("/redis-server") || command.endsWith("/setsid")) {
            return true;
        }
        try {
            return Path.of(command).equals(BINARY.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Starts the server on the loopback at {@code port} and waits until it answers PING; fails when one runs
     * already, the binary is missing, the port is taken, or it exits or stays silent for {@code timeout}. Returns the
     * milliseconds to the first PONG.
     */
    public long start(int port, Duration timeout) throws IOException, InterruptedException {
        Optional<ProcessHandle> running = process();
        if (running.isPresent()) {
            throw new CliException(CliException.ALREADY_RUNNING, "redis is already running (pid " + running.get().pid()
                    + ", port " + port() + "); ./vireo redis stop first");
        }
        if (!Files.isExecutable(BINARY)) {
            throw new CliException(CliException.FAILED, BINARY + " not found: apt-get install redis-server");
        }
        if (!Ports.free(port)) {
            throw new CliException(CliException.FAILED, "port " + port + " is in use" + (ping(port)
                    ? " by a Redis server that is not this one (the system's?)" : "") + "; choose another with --port");
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("redis.conf"), String.join("\n", List.of(
                "# written by ./vireo redis start: a private server for the Redis workflow store",
                "# (configs/vireo.dag.store.redis.cfg); loopback only, nothing saved to disk",
                "port " + port, "bind 127.0.0.1", "protected-mode yes", "daemonize no", "save \"\"",
                "appendonly no", "dir \"" + dir + "\"", "")));
        Process p = new ProcessBuilder("setsid", BINARY.toString(), dir.resolve("redis.conf").toString())
                .redirectErrorStream(true).redirectOutput(log().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Files.writeString(pidFile(), p.pid() + "\n");
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        while (!ping(port)) {
            if (!p.isAlive()) {
                Files.deleteIfExists(pidFile());
                throw new CliException(CliException.FAILED, "redis-server exited during start; log: " + log() + "\n"
                        + Instance.tail(log(), 20));
            }
            if (System.nanoTime() > deadline) {
                String tail = Instance.tail(log(), 20);
                stop();
                throw new CliException(CliException.FAILED, "redis-server did not answer PING in "
                        + timeout.toSeconds() + " s; stopped it; log: " + log() + "\n" + tail);
            }
            Thread.sleep(20);
        }
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }

    /** Stops the server (TERM, then KILL after 10 s); false if it was not running. */
    public boolean stop() throws IOException, InterruptedException {
        Optional<ProcessHandle> p = process();
        if (p.isEmpty()) {
            return false;
        }
        ProcessHandle h = p.get();
        h.destroy();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (h.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (h.isAlive()) {
            System.err.println("vireo: redis-server (pid " + h.pid() + ") did not stop in 10 s; killing it");
            h.destroyForcibly();
            h.onExit().join();
        }
        Files.deleteIfExists(pidFile());
        return true;
    }

    /** Whether a Redis server on the loopback at {@code port} answers PING with PONG within a second or two. */
    public static boolean ping(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readNBytes(7), StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }
}
