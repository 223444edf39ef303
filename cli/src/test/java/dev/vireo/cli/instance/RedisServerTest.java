package dev.vireo.cli.instance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.cli.CliException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./vireo redis start|status|stop against a real redis-server in a folder of its own (skipped without one). */
class RedisServerTest {
    @TempDir
    Path dir;

    @Test
    void startAnswersPingRefusesASecondStartAndStops() throws Exception {
        assumeTrue(Files.isExecutable(RedisServer.BINARY), "no redis-server: apt-get install redis-server");
        int port = new Ports(20_000 + (int) (ProcessHandle.current().pid() % 20_000)).next();
        RedisServer redis = new RedisServer(dir.resolve("redis"));
        assertEquals(RedisServer.DEFAULT_PORT, redis.port(), "before any start");
        try {
            redis.start(port, Duration.ofSeconds(10));
            assertTrue(redis.process().isPresent());
            assertTrue(RedisServer.ping(port));
            assertEquals(port, redis.port(), "from its redis.conf");
            CliException again = assertThrows(CliException.class, () -> redis.start(port, Duration.ofSeconds(10)));
            assertEquals(CliException.ALREADY_RUNNING, again.code());
            CliException taken = assertThrows(CliException.class,
                    () -> new RedisServer(dir.resolve("other")).start(port, Duration.ofSeconds(10)));
            assertTrue(taken.getMessage().contains("port " + port + " is in use"), taken.getMessage());
        } finally {
            assertTrue(redis.stop());
        }
        assertFalse(redis.process().isPresent());
        assertFalse(RedisServer.ping(port));
        assertFalse(redis.stop(), "stopping again: not running");
    }
}
