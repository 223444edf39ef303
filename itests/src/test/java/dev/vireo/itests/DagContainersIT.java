package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vireo.grpc.v1.DagRequest;
import dev.vireo.grpc.v1.DagStatus;
import dev.vireo.grpc.v1.SubmitDagRequest;
import dev.vireo.testkit.PrivateRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Workflows on real containers with the Redis store: a worker started with ./vireo (containerd backend, its private
 * containerd) keeps every run in a private redis-server. Every shape (fan-out/fan-in, chain, tree reduce, a dynamic
 * fan-out) ends with every task succeeded; a resumed run skips what succeeded before; deleting the runs leaves no key
 * behind. Needs root, containerd, runc and redis-server (./vireo test installs them); skipped elsewhere, saying why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DagContainersIT {
    private static final String PREFIX = "it:dag:";
    private PrivateRedis redis;
    private LaunchedWorker w;

    @BeforeAll
    void start() throws Exception {
        LaunchedWorker.assumeContainerd("real containers");
        String why = PrivateRedis.unavailable();
        assumeTrue(why == null, why);
        redis = PrivateRedis.start();
        w = new LaunchedWorker(Map.of("vireo.kernel.cfg", Map.of("backends", "containerd", "dag.store", "redis"),
                "vireo.dag.store.redis.cfg", Map.of("port", Integer.toString(redis.port()), "key.prefix", PREFIX)));
        w.start();
        for (String example : List.of("noop", "raises")) {
            w.register(LaunchedWorker.example(example, example, "containerd", "uds", 64, 30_000).setConcurrency(8));
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (w != null) {
            w.stop();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private DagStatus run(String spec, String resume) throws InterruptedException {
        String run = w.call().submitDag(SubmitDagRequest.newBuilder().setSpec(spec).setResume(resume).build()).getRun();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        DagStatus s = w.call().getDag(DagRequest.newBuilder().setRun(run).setOmitRecords(true).build());
        while (s.getState().equals("running") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            s = w.call().getDag(DagRequest.newBuilder().setRun(run).setOmitRecords(true).build());
        }
        return w.call().getDag(DagRequest.newBuilder().setRun(run).build());
    }

    private static String task(String id, String fn, String args, List<String> after) {
        return "{\"id\":\"" + id + "\",\"function\":\"" + fn + "\",\"args\":" + args
                + (after.isEmpty() ? "" : ",\"after\":[" + after.stream().map(a -> "\"" + a + "\"")
                        .collect(Collectors.joining(",")) + "]") + "}";
    }

    @Test
    void everyShapeEndsWithEveryTaskSucceededAndDeletingLeavesNoKey() throws Exception {
        String branches = IntStream.range(0, 30).mapToObj(i -> task("b" + i, "noop-1", "{}", List.of("root")))
                .collect(Collectors.joining(","));
        String fanout = "{\"tasks\":[" + task("root", "noop-1", "{}", List.of()) + "," + branches + ","
                + task("sink", "noop-1", "{}", IntStream.range(0, 30).mapToObj(i -> "b" + i).toList()) + "]}";
        String chain = "{\"tasks\":[" + IntStream.range(0, 15).mapToObj(i -> task("t" + i, "noop-1", "{}",
                i == 0 ? List.of() : List.of("t" + (i - 1)))).collect(Collectors.joining(",")) + "]}";
        StringBuilder tree = new StringBuilder("{\"tasks\":[");
        for (int i = 0; i < 16; i++) {
            tree.append(i == 0 ? "" : ",").append(task("l0-" + i, "noop-1", "{\"i\":" + i + "}", List.of()));
        }
        for (int level = 1, width = 8; width >= 1; level++, width /= 2) {
            for (int i = 0; i < width; i++) {
                tree.append(',').append(task("l" + level + "-" + i, "noop-1", "{\"a\":{\"$ref\":\"l" + (level - 1) + "-"
                        + 2 * i + "\"},\"b\":{\"$ref\":\"l" + (level - 1) + "-" + (2 * i + 1) + "\"}}", List.of()));
            }
        }
        String map = "{\"tasks\":[{\"id\":\"list\",\"function\":\"noop-1\",\"args\":{}},"
                + "{\"id\":\"each\",\"function\":\"noop-1\",\"map\":\"tree\",\"args\":{\"x\":{\"$item\":true}}},"
                + "{\"id\":\"tree\",\"function\":\"noop-1\",\"args\":{\"xs\":[1,2,3,4,5]},\"after\":[\"list\"]}]}";
        for (var e : Map.of("fanout", List.of(fanout, "32"), "chain", List.of(chain, "15"), "tree",
                List.of(tree.append("]}").toString(), "31")).entrySet()) {
            DagStatus s = run(e.getValue().get(0), "");
            assertEquals("succeeded", s.getState(), e.getKey() + ": " + s.getFailure());
            assertEquals(Integer.parseInt(e.getValue().get(1)), s.getCounts().getSucceeded(), e.getKey());
            assertTrue(s.getRecordsList().stream().allMatch(r -> r.getWorker().equals("worker-1")
                    && !r.getContainer().isEmpty()), e.getKey() + " ran on the worker's containers: " + s);
        }
        // noop returns its payload's keys or null: a map over a task whose output is not a list fails, naming it
        DagStatus notAList = run(map, "");
        assertEquals("failed", notAList.getState());
        assertTrue(notAList.getFailure().contains("is not a JSON array"), notAList.getFailure());
        for (DagStatus r : w.call().listDags(dev.vireo.grpc.v1.ListDagsRequest.getDefaultInstance()).getRunsList()) {
            w.call().deleteDag(DagRequest.newBuilder().setRun(r.getRun()).build());
        }
        assertEquals(List.of(), keys(), "every key of every run is gone");
    }

    @Test
    void aResumedRunSkipsWhatSucceededBefore() throws Exception {
        String spec = "{\"on_error\":\"continue\",\"tasks\":[" + task("a", "noop-1", "{\"n\":1}", List.of()) + ","
                + "{\"id\":\"b\",\"function\":\"FN\",\"args\":{\"in\":{\"$ref\":\"a\"}}}]}";
        DagStatus first = run(spec.replace("FN", "raises-1"), "");
        assertEquals("failed", first.getState());
        assertEquals("USER_ERROR", first.getRecordsList().get(1).getError().getKind());
        DagStatus second = run(spec.replace("FN", "noop-1"), first.getRun());
        assertEquals("succeeded", second.getState(), second.getFailure());
        assertEquals("resumed", second.getRecordsList().get(0).getContainer(), "a came from the first run's output");
        assertEquals(0, second.getRecordsList().get(0).getAttempts());
        assertEquals(1, second.getRecordsList().get(1).getAttempts());
    }

    /** The store's keys (redis-cli, the redis-tools package beside the server). */
    private List<String> keys() throws Exception {
        Process p = new ProcessBuilder("redis-cli", "-p", Integer.toString(redis.port()), "--raw", "KEYS", PREFIX + "*")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().filter(l -> !l.isBlank() && !l.equals(PREFIX + "seq")).toList();
    }
}
