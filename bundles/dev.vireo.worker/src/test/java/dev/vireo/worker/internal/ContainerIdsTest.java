package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.FunctionSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every name registration accepts gets a container id that every backend and transport can use. */
class ContainerIdsTest {
    /** containerd's identifiers.Validate: at most 76 characters of this. */
    static final Pattern CONTAINERD = Pattern.compile("^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$");
    /** docker's container name rule. */
    static final Pattern DOCKER = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    /** One DNS label (RFC 1123), at most 63 characters. */
    static final Pattern HOSTNAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    /** A realistic socket folder of a launched instance (uds: {@code <socket dir>/<id>/agent.sock}). */
    static final String SOCKETS = "/work/main/run/worker/sockets/";

    static final String LONGEST_WORKER = "w" + "-x".repeat(31);
    static final List<String> NAMES = List.of("a", "hello", "my_func", "x--y", "x__y", "x-_-y", "trail-", "trail_",
            "a" + "-".repeat(62), "a" + "_".repeat(62), "a" + "_b".repeat(31), "f".repeat(63),
            "a_very_long_function_name_with_underscores_that_takes_63_chars_");

    private static FunctionSpec fn(String name, String version) {
        return new FunctionSpec(name, version, "img", "", "", "", Compute.CPU, "uds", 128, 0.1, Duration.ofSeconds(1),
                1, null);
    }

    static void assertUsable(String id) {
        assertTrue(id.length() <= ContainerIds.MAX_LENGTH, id);
        assertTrue(id.length() <= 76 && CONTAINERD.matcher(id).matches(), "containerd id: " + id);
        assertTrue(DOCKER.matcher(id).matches(), "docker name: " + id);
        assertTrue(id.length() <= 63 && HOSTNAME.matcher(id).matches(), "hostname: " + id);
        assertTrue(!id.contains("--") && !id.endsWith("-") && !id.startsWith("-"), id);
        String socket = SOCKETS + id + "/agent.sock";
        assertTrue(socket.getBytes(StandardCharsets.UTF_8).length < 108, socket);
    }

    @Test
    void everyAcceptedNameGivesAUsableIdEvenWithTheLongestWorkerNameAndSequence() {
        assertEquals(63, LONGEST_WORKER.length());
        assertEquals(63, NAMES.getLast().length());
        for (String worker : List.of("w", "worker-1", "trail-", "x--y", LONGEST_WORKER, "w".repeat(63))) {
            for (String name : NAMES) {
                for (long seq : new long[] {1, 35, 36, 1_000_000, Long.MAX_VALUE}) {
                    assertUsable(ContainerIds.of(worker, fn(name, "1"), seq));
                    assertUsable(ContainerIds.of(worker, fn(name, "V1.0_beta-" + "9".repeat(22)), seq));
                }
            }
        }
        assertEquals(50, ContainerIds.MAX_LENGTH);
        assertEquals(ContainerIds.MAX_LENGTH, ContainerIds.of("w".repeat(63), fn("f".repeat(63), "1"), Long.MAX_VALUE)
                .length());
    }

    @Test
    void idsAreReadableAndStable() {
        String id = ContainerIds.of("worker-1", fn("my_func", "1"), 1);
        assertTrue(id.matches("worker-1-my-func-[0-9a-f]{8}-1"), id);
        assertEquals(id, ContainerIds.of("worker-1", fn("my_func", "1"), 1));
        assertTrue(ContainerIds.of("worker-1", fn("x--y", "1"), 36).matches("worker-1-x-y-[0-9a-f]{8}-10"));
        assertTrue(ContainerIds.of("worker-1", fn("trail-", "1"), 2).matches("worker-1-trail-[0-9a-f]{8}-2"));
        assertEquals("a-b-c", ContainerIds.readable("_a__b-_c-", 16));
        assertEquals("abc", ContainerIds.readable("abc-def", 4), "no '-' left at the cut");
    }

    @Test
    void functionsAndWorkersThatLookAlikeOnceShortenedStayApart() {
        Set<String> ids = new HashSet<>();
        String prefix = "same_readable_prefix_";
        for (String worker : List.of("worker-one-of-many", "worker-one-of-many-2")) {
            for (String name : List.of(prefix + "a", prefix + "b", "my_func", "my-func", "my__func")) {
                for (String version : List.of("1", "2")) {
                    assertTrue(ids.add(ContainerIds.of(worker, fn(name, version), 1)), worker + " " + name);
                }
            }
        }
        assertNotEquals(ContainerIds.of("w", fn("f", "1"), 1), ContainerIds.of("w", fn("f", "1"), 2));
    }
}
