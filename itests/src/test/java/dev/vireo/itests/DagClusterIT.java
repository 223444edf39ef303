package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.testkit.PrivateRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Workers that continue runs themselves: a controller and two workers ({@code ./vireo cluster start --dag-store
 * redis}, separate JVMs, sim backend) sharing a private Redis ({@code ./vireo redis start}). A chain stays on one
 * worker hop after hop; a fan-out is dealt over both; a worker killed while its branches run has them handed to the
 * other by the controller's recovery, and the run succeeds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DagClusterIT {
    private static Path dir;
    private static String http;
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static VireoScript.Result vireo(String... args) throws Exception {
        return new VireoScript(dir.resolve("run"), Map.of(), java.time.Duration.ofSeconds(300)).run(args);
    }

    @BeforeAll
    static void start() throws Exception {
        String why = PrivateRedis.unavailable();
        assumeTrue(why == null, why);
        dir = Files.createTempDirectory("vireo-dag-cluster-it-");
        VireoScript.Result redis = vireo("redis", "start");
        assertEquals(0, redis.code(), redis.out());
        VireoScript.Result c = vireo("cluster", "start", "--workers", "2", "--dag-store", "redis");
        assertEquals(0, c.code(), c.out());
        Matcher m = Pattern.compile("HTTP (\\S+),").matcher(c.out());
        assertTrue(m.find(), c.out());
        http = m.group(1);
        VireoScript.Result reg = vireo("fn", "register", "work", "--image", "sim/work", "--transport", "sim", "--cpus",
                "0.01", "--concurrency", "64", "--worker", http);
        assertEquals(0, reg.code(), reg.out());
    }

    @AfterAll
    static void stop() throws Exception {
        if (dir != null) {
            vireo("cluster", "stop");
            vireo("redis", "stop");
        }
    }

    private static String submit(String spec) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(http + "/dags"))
                .POST(HttpRequest.BodyPublishers.ofString(spec)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return JsonParser.parseString(r.body()).getAsJsonObject().get("run").getAsString();
    }

    private static JsonObject status(String run) throws Exception {
        return JsonParser.parseString(CLIENT.send(HttpRequest.newBuilder(URI.create(http + "/dags/" + run)).build(),
                HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject();
    }

    private static JsonObject await(String run) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        JsonObject s = status(run);
        while (s.get("state").getAsString().equals("running") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            s = status(run);
        }
        return s;
    }

    private static Set<String> workers(JsonObject status) {
        Set<String> w = new HashSet<>();
        for (JsonElement r : status.getAsJsonArray("records")) {
            w.add(r.getAsJsonObject().get("worker").getAsString());
        }
        return w;
    }

    @Test
    @Order(1)
    void aChainStaysOnOneWorkerAndAFanOutIsDealtOverBoth() throws Exception {
        String chain = "{\"tasks\":[" + IntStream.range(0, 10).mapToObj(i -> "{\"id\":\"t" + i
                + "\",\"function\":\"work-1\",\"args\":{\"sim_exec_ms\":5}" + (i == 0 ? "" : ",\"after\":[\"t" + (i - 1)
                + "\"]") + "}").collect(Collectors.joining(",")) + "]}";
        JsonObject c = await(submit(chain));
        assertEquals("succeeded", c.get("state").getAsString(), c.toString());
        assertEquals(1, workers(c).size(), "every hop on the worker that finished the one before: " + workers(c));
        assertTrue(workers(c).iterator().next().startsWith("cluster-w"), "not on the controller: " + workers(c));
        JsonObject f = await(submit(fanout(20, 5)));
        assertEquals("succeeded", f.get("state").getAsString(), f.toString());
        assertEquals(Set.of("cluster-w1", "cluster-w2"), workers(f), "dealt over both workers");
    }

    static String fanout(int n, int ms) {
        return "{\"tasks\":[{\"id\":\"root\",\"function\":\"work-1\",\"args\":{\"sim_exec_ms\":1}},"
                + IntStream.range(0, n).mapToObj(i -> "{\"id\":\"b" + i + "\",\"function\":\"work-1\",\"args\":"
                        + "{\"sim_exec_ms\":" + ms + "},\"after\":[\"root\"]}").collect(Collectors.joining(","))
                + ",{\"id\":\"sink\",\"function\":\"work-1\",\"args\":{\"sim_exec_ms\":1},\"after\":["
                + IntStream.range(0, n).mapToObj(i -> "\"b" + i + "\"").collect(Collectors.joining(",")) + "]}]}";
    }

    @Test
    @Order(2)
    void aWorkerKilledWhileItsBranchesRunHasThemHandedToTheOther() throws Exception {
        String run = submit(fanout(20, 4_000));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean onW2 = false;
        while (!onW2 && System.nanoTime() < deadline) {
            for (JsonElement r : status(run).getAsJsonArray("records")) {
                JsonObject o = r.getAsJsonObject();
                onW2 |= o.get("state").getAsString().equals("running") && o.get("worker").getAsString().equals("cluster-w2");
            }
            Thread.sleep(50);
        }
        assertTrue(onW2, "some branches run on cluster-w2");
        long pid = Long.parseLong(Files.readString(dir.resolve("run/cluster-w2/vireo.pid")).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        JsonObject s = await(run);
        assertEquals("succeeded", s.get("state").getAsString(), s.toString());
        assertEquals(22, s.getAsJsonObject("counts").get("succeeded").getAsInt(), s.toString());
        for (JsonElement r : s.getAsJsonArray("records")) {
            String task = r.getAsJsonObject().get("task").getAsString();
            if (task.startsWith("b")) {
                assertEquals("cluster-w1", r.getAsJsonObject().get("worker").getAsString(), "branch " + task
                        + " ended on the survivor (w2 died before any 4 s branch ended): " + r);
            }
        }
    }
}
