package dev.vireo.dag.internal.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.dag.internal.DagStoreContract;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.PrivateRedis;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis store passes the contract against a private redis-server (one for the class; each test has a key prefix
 * of its own, so it starts empty). Skipped, saying why, where redis-server is missing and cannot be installed.
 */
class RedisStoreTest extends DagStoreContract {
    private static final AtomicInteger TESTS = new AtomicInteger();
    private static PrivateRedis redis;
    private String prefix;

    @BeforeAll
    static void startRedis() throws Exception {
        String why = PrivateRedis.unavailable();
        assumeTrue(why == null, why);
        redis = PrivateRedis.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected DagStore newStore() {
        prefix = "test" + TESTS.incrementAndGet() + ":dag:";
        // through the component's own constructor, as Declarative Services builds it
        return new RedisStore(Components.config(RedisStore.Config.class, Map.of("port", redis.port(),
                "key_prefix", prefix)));
    }

    @Override
    protected void closeStore(DagStore s) {
        ((RedisStore) s).close();
    }

    private Object call(String... args) {
        return ((RedisStore) store).client().call(args);
    }

    /** Every key of the server under this test's prefix (KEYS: fine on a private server, never in the store). */
    private List<String> keys(String pattern) {
        return ((List<?>) call("KEYS", pattern)).stream().map(b -> new String((byte[]) b,
                java.nio.charset.StandardCharsets.UTF_8)).sorted().toList();
    }

    private static String glob(String literal) {
        return literal.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }

    @Override
    protected void assertNothingLeftOf(String run) {
        assertEquals(List.of(), keys(glob(prefix + "{" + run + "}") + "*"), "keys of " + run + " left");
        assertNull(call("ZSCORE", prefix + "runs", run));
        assertTrue(keys(glob(prefix) + "*").stream().allMatch(k -> k.startsWith(prefix + "{r2}:")
                || k.equals(prefix + "runs") || k.equals(prefix + "seq")), "only r2 and the index are left");
    }

    @Test
    void everyKeyOfARunIsInItsPrefixAndTheKnownSet() {
        store.create("r1", "s", "m", Map.of("a", 0, "b", 1), 2);
        store.settle("r1", "a", "A");
        store.release("r1", "b");
        store.finishTask("r1");
        store.record("r1", "a", "rec");
        store.plan("r1", "plan");
        store.finish("r1", "SUCCEEDED");
        List<String> expected = RedisStore.PARTS.stream().map(p -> prefix + "{r1}:" + p).sorted().toList();
        assertEquals(expected, keys(glob(prefix + "{r1}:") + "*"));
        assertEquals(List.of(prefix + "runs", prefix + "seq"), keys(glob(prefix) + "[rs]*"));
    }

    @Test
    void aStoreWithAnotherPrefixSharesNothing() {
        store.create("r1", "s", "m", Map.of("a", 0), 1);
        RedisStore other = new RedisStore(RedisOptions.local(redis.port(), prefix + "other:"));
        try {
            assertEquals(List.of(), other.runs());
            assertTrue(other.spec("r1").isEmpty());
            other.create("r1", "s2", "m2", Map.of(), 0);
            assertEquals("s", store.spec("r1").orElseThrow());
        } finally {
            other.close();
        }
    }

    @Test
    void aPasswordIsSentWithAuthAndAMissingOrWrongOneSaysSo() {
        assertEquals("OK", call("CONFIG", "SET", "requirepass", "s3cret"));
        try {
            RedisStore with = new RedisStore(Components.config(RedisStore.Config.class, Map.of("port", redis.port(),
                    "key_prefix", prefix, "_password", "s3cret")));
            RedisStore without = new RedisStore(RedisOptions.local(redis.port(), prefix));
            RedisStore wrong = new RedisStore(Components.config(RedisStore.Config.class, Map.of("port", redis.port(),
                    "key_prefix", prefix, "_password", "nope")));
            try {
                with.create("r1", "s", "m", Map.of(), 0);
                assertEquals("s", with.spec("r1").orElseThrow());
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> without.spec("r1"));
                assertTrue(e.getMessage().contains("NOAUTH"), e.getMessage());
                e = assertThrows(IllegalStateException.class, () -> wrong.spec("r1"));
                assertTrue(e.getMessage().contains("AUTH refused"), e.getMessage());
            } finally {
                with.close();
                without.close();
                wrong.close();
            }
        } finally {
            call("CONFIG", "SET", "requirepass", "");
        }
    }

    @Test
    void theDatabaseIsSelected() {
        RedisStore db1 = new RedisStore(Components.config(RedisStore.Config.class, Map.of("port", redis.port(),
                "key_prefix", prefix, "database", 1)));
        try {
            db1.create("r1", "s", "m", Map.of(), 0);
            assertEquals(List.of("r1"), db1.runs());
            assertEquals(List.of(), store.runs());
            db1.delete("r1");
        } finally {
            db1.close();
        }
    }

    @Test
    void scriptsFlushedOnTheServerAreSentAgain() {
        store.create("r1", "s", "m", Map.of("a", 2), 1);
        assertEquals(1L, store.release("r1", "a"));
        assertEquals("OK", call("SCRIPT", "FLUSH"));
        assertEquals(0L, store.release("r1", "a"));
    }

    @Test
    void aWrongTypeIsAnIllegalStateNamingTheServer() {
        store.create("r1", "s", "m", Map.of("a", 0), 1);
        call("SET", prefix + "{r1}:pending", "not a hash");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.release("r1", "a"));
        assertTrue(e.getMessage().contains("127.0.0.1:" + redis.port()) && e.getMessage().contains("WRONGTYPE"),
                e.getMessage());
    }

    @Test
    void theConnectionsComeBackAfterTheServerDropsThem() {
        store.create("r1", "s", "m", Map.of(), 0);
        assertInstanceOf(Long.class, call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no"));
        // the pooled connection is broken: this call fails, says so, and the pool starts afresh
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.spec("r1"));
        assertTrue(e.getMessage().contains("127.0.0.1:" + redis.port()), e.getMessage());
        assertEquals("s", store.spec("r1").orElseThrow());
    }
}
