package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A private image registry for a test: Debian's docker-registry on a free loopback port, its storage in {@code dir}
 * (./vireo test installs the package as root); skipped, saying why, where it is not installed.
 */
final class PrivateRegistry implements AutoCloseable {
    final int port;
    private final Process process;

    PrivateRegistry(Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")),
                "needs docker-registry (./vireo test installs it as root)");
        port = VireoOptions.freePort();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.yml"), "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
                + "    rootdirectory: " + dir.resolve("data") + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
        process = new ProcessBuilder("/usr/bin/docker-registry", "serve", dir.resolve("config.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!open(port) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(open(port) && process.isAlive(), "the registry listens: "
                + Files.readString(dir.resolve("registry.log")));
    }

    /** host:port, as image references name it. */
    String address() {
        return "127.0.0.1:" + port;
    }

    static boolean open(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
