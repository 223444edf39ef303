package dev.vireo.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private redis-server for a test: its own temporary folder, a free port on the loopback, no persistence
 * ({@code --save '' --appendonly no}), stopped and removed by {@link #close()}. {@link #unavailable()} installs the
 * binary from Debian when it is missing and this runs as root, and otherwise says why there is none, for the test to
 * skip itself with: {@code assumeTrue(why == null, why)} (the test kit does not depend on JUnit at run time).
 *
 * <p>Use it from {@code @BeforeAll} / {@code @AfterAll}; one server serves any number of tests (give each its own
 * key prefix or database).
 */
public final class PrivateRedis implements AutoCloseable {
    /** Where Debian's package puts the server. */
    public static final Path BINARY = Path.of("/usr/bin/redis-server");

    private final Process process;
    private final Path dir;
    private final int port;
    /** Stops the server if the test JVM ends without {@link #close()} (a crash, Ctrl-C). */
    private final Thread hook;

    private PrivateRedis(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.hook = new Thread(process::destroyForcibly, "stop private redis-server " + port);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts one, answering PING within 10 s; fails when redis-server is not there ({@link #unavailable()} says). */
    public static PrivateRedis start() throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new IOException(BINARY + " not installed: apt-get install redis-server");
        }
        Path dir = Files.createTempDirectory("vireo-redis-");
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Process p = new ProcessBuilder(BINARY.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--protected-mode", "yes", "--logfile", dir.resolve("redis.log").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
            PrivateRedis redis = new PrivateRedis(p, dir, port);
            try {
                redis.awaitPing(10_000);
                return redis;
            } catch (IOException e) {
                last = e;
                Runtime.getRuntime().removeShutdownHook(redis.hook);
                p.destroyForcibly().waitFor();
                // another process may have taken the port between choosing and binding it: try another
            }
        }
        delete(dir);
        throw new IOException("redis-server did not start: " + (last == null ? "" : last.getMessage()));
    }

    /**
     * Null when a private server can be started here, installing redis-server from Debian first if it is missing and
     * this runs as root; otherwise why not.
     */
    public static String unavailable() throws IOException, InterruptedException {
        if (Files.isExecutable(BINARY)) {
            return null;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return BINARY + " not installed and not root to install it: apt-get install redis-server";
        }
        for (List<String> cmd : List.of(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "update"),
                List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "--no-install-recommends",
                        "redis-server"))) {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            pb.start().waitFor(15, TimeUnit.MINUTES);
        }
        return Files.isExecutable(BINARY) ? null : "apt-get install redis-server did not bring " + BINARY;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitPing(long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited (" + process.exitValue() + "): " + log());
            }
            if (ping()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("redis-server did not answer PING on port " + port + " in " + timeoutMs
                        + " ms: " + log());
            }
            Thread.sleep(20);
        }
    }

    /** Whether the server answers PING with PONG now. */
    public boolean ping() {
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

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** The server's folder (its log is {@code redis.log} there). */
    public Path dir() {
        return dir;
    }

    private String log() {
        try {
            Path log = Files.exists(dir.resolve("redis.log")) ? dir.resolve("redis.log") : dir.resolve("redis.out");
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Stops the server (TERM, KILL after 5 s) and removes its folder. */
    @Override
    public void close() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        delete(dir);
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: best effort
        }
    }
}
