package dev.vireo.dag.internal.redis;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ValidationException;
import dev.vireo.testkit.Components;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Without a server: the component still activates (it registers), and every call says which server is not there. */
class RedisStoreUnreachableTest {
    @Test
    void everyCallFailsNamingHostAndPort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisStore store = new RedisStore(Components.config(RedisStore.Config.class, Map.of("port", port)));
        try {
            for (Runnable call : List.<Runnable>of(() -> store.spec("r"), () -> store.runs(),
                    () -> store.create("r", "s", "m", Map.of(), 0), () -> store.settle("r", "a", "x"))) {
                IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
                assertTrue(e.getMessage().startsWith("redis store at 127.0.0.1:" + port + ": cannot connect"),
                        e.getMessage());
            }
        } finally {
            store.close();
        }
    }

    @Test
    void badOptionsNameTheirKey() {
        ValidationException e = assertThrows(ValidationException.class,
                () -> new RedisStore(Components.config(RedisStore.Config.class, Map.of("pool_size", 0))));
        assertTrue(e.getMessage().startsWith("pool.size"), e.getMessage());
        e = assertThrows(ValidationException.class,
                () -> new RedisStore(Components.config(RedisStore.Config.class, Map.of("key_prefix", ""))));
        assertTrue(e.getMessage().startsWith("key.prefix"), e.getMessage());
    }
}
