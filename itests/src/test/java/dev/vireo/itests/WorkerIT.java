package dev.vireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;

/**
 * The worker inside Felix with the all-in-one profile: the simulated backend, the resource trackers, the policies
 * and the HTTP API as shipped. Each test registers its own functions.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class WorkerIT extends FrameworkTest {

    @Inject
    private WorkerService worker;

    @Configuration
    public Option[] config() throws Exception {
        return VireoOptions.profile("all-in-one", "backend,transport,resource,queue,keepalive,balancer");
    }

    @After
    public void unregisterAll() {
        worker.functions().forEach(f -> worker.unregister(f.id()));
    }

    private static FunctionSpec fn(String name, int memoryMb, long coldMs, long warmMs, Duration timeout) {
        return new FunctionSpec(name, "1", "sim/" + name, "", "", "sim", Compute.CPU, "sim", memoryMb, 0.01, timeout, 1,
                new ExpectedTimings(coldMs, warmMs));
    }

    private InvocationRecord invoke(String function, String payload) throws Exception {
        return worker.invoke(null, function, payload).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private double capacity(String resource) {
        return worker.status().resources().stream().filter(u -> u.resource().equals(resource))
                .mapToDouble(ResourceUsage::capacity).findFirst().orElse(-1);
    }

    private static void expect(ErrorKind kind, String messagePart, Runnable call) {
        try {
            call.run();
            fail("expected " + kind);
        } catch (WorkerException e) {
            assertEquals(e.getMessage(), kind, e.kind());
            assertTrue(e.getMessage(), e.getMessage().contains(messagePart));
        }
    }

    @Test
    public void coldThenWarmWithTimingsAndStatistics() throws Exception {
        worker.register(fn("hello", 128, 40, 5, Duration.ofSeconds(5)));
        InvocationRecord cold = invoke("hello-1", "{\"x\":1}");
        assertTrue(cold.toString(), cold.success());
        assertEquals(ContainerState.COLD, cold.state().orElseThrow());
        assertEquals("{\"echo\":{\"x\":1}}", cold.result());
        assertTrue(cold.toString(), cold.timings().coldStartUs() >= 40_000);
        assertEquals(5_000, cold.timings().executionUs());
        InvocationRecord warm = invoke("hello-1", "{\"x\":2}");
        assertEquals(ContainerState.WARM, warm.state().orElseThrow());
        assertEquals(0, warm.timings().coldStartUs());
        assertTrue(warm.toString(), warm.timings().e2eUs() >= warm.timings().executionUs());
        assertEquals(warm.timings().e2eUs() - 5_000, warm.timings().overheadUs());
        assertEquals(2, worker.status().stats().get("hello-1").invocations());
        assertEquals(1, worker.status().containersIdle());
        assertEquals(128, worker.status().memoryCachedMb());

        assertEquals(2, (int) worker.prewarm("hello-1", 2).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(3, worker.status().containersIdle());
    }

    @Test
    public void theEstimateOfTheShippedWorkerIsWhatTheInvocationTakes() throws Exception {
        worker.register(fn("est", 128, 300, 200, Duration.ofSeconds(5)));
        dev.vireo.api.worker.Estimate cold = worker.estimate("est-1");
        assertEquals(cold.toString(), ContainerState.COLD, cold.state());
        assertEquals(500_000, cold.e2eUs());
        InvocationRecord first = invoke("est-1", "{}");
        assertEquals(ContainerState.COLD, first.state().orElseThrow());
        // the simulated backend on the real clock: the modelled times plus the worker's own microseconds
        assertTrue(first + " vs " + cold, Math.abs(first.timings().e2eUs() - cold.e2eUs()) < 50_000);
        dev.vireo.api.worker.Estimate warm = worker.estimate("est-1");
        assertEquals(warm.toString(), ContainerState.WARM, warm.state());
        assertEquals(0, warm.queueUs());
        assertTrue(warm.toString(), Math.abs(warm.e2eUs() - 200_000) < 5_000);
        expect(ErrorKind.UNKNOWN_FUNCTION, "nope-1", () -> worker.estimate("nope-1"));
    }

    @Test
    public void everyRejectionPathSaysWhatWasWrong() {
        worker.register(fn("hello", 128, 1, 1, Duration.ofSeconds(5)));
        expect(ErrorKind.ALREADY_EXISTS, "hello-1 is already registered",
                () -> worker.register(fn("hello", 128, 1, 1, Duration.ofSeconds(5))));
        expect(ErrorKind.UNKNOWN_FUNCTION, "function nope-1 is not registered", () -> worker.invoke(null, "nope-1", ""));
        expect(ErrorKind.UNKNOWN_FUNCTION, "nope-1", () -> worker.unregister("nope-1"));
        expect(ErrorKind.INVALID_REQUEST, "backend 'docker' is not available; available: sim, process",
                () -> worker.register(new FunctionSpec("d", "1", "img", "", "", "docker", Compute.CPU, "sim", 128, 1,
                        Duration.ofSeconds(1), 1, null)));
        expect(ErrorKind.INVALID_REQUEST, "transport 'quic' is not available; available: sim, uds, pipe, http, openwhisk",
                () -> worker.register(new FunctionSpec("u", "1", "img", "", "", "", Compute.CPU, "quic", 128, 1,
                        Duration.ofSeconds(1), 1, null)));
        expect(ErrorKind.INVALID_REQUEST, "needs 8192 MB of memory but the worker has 4096 MB in all",
                () -> worker.register(fn("big", 8192, 1, 1, Duration.ofSeconds(5))));
        expect(ErrorKind.INVALID_REQUEST, "no available backend runs gpu functions",
                () -> worker.register(new FunctionSpec("g", "1", "img", "", "", "", Compute.GPU, "sim", 128, 1,
                        Duration.ofSeconds(1), 1, null)));
        expect(ErrorKind.INVALID_REQUEST, "prewarm count 0 is out of range", () -> worker.prewarm("hello-1", 0));
        expect(ErrorKind.UNKNOWN_FUNCTION, "no async invocation 'zzz'", () -> worker.result("zzz"));
        try {
            worker.invoke("bad tid!", "hello-1", "");
            fail("bad tid accepted");
        } catch (ValidationException e) {
            assertEquals("tid", e.field());
        }
        String id = worker.invokeAsync("my-tid-1", "hello-1", "");
        assertEquals("my-tid-1", id);
        expect(ErrorKind.INVALID_REQUEST, "'my-tid-1' is already in use", () -> worker.invokeAsync("my-tid-1", "hello-1", ""));
        assertEquals(List.of("hello-1"), worker.functions().stream().map(FunctionSpec::id).toList());
    }

    @Test
    public void aFullQueueRejectsAtOnceAsOverloaded() throws Exception {
        editConfig("vireo.resource.concurrency.cfg", "limit", "1");
        editConfig("vireo.worker.cfg", "queue.capacity", "3");
        await("limit 1", () -> capacity("concurrency") == 1);
        // both files are in force before the first invocation (FileInstall applies each on its own): with the limit
        // but not yet the capacity, invocations would queue past 3 and the refusal would count them
        await("queue capacity 3", () -> worker.status().queueCapacity() == 3);
        worker.register(fn("slow", 128, 1, 300, Duration.ofSeconds(5)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // the queue capacity is applied through the same file watcher: wait until a fourth waiting invocation is refused
        List<String> admitted = new ArrayList<>();
        while (true) {
            try {
                admitted.add(worker.invokeAsync(null, "slow-1", ""));
            } catch (WorkerException e) {
                assertEquals(ErrorKind.OVERLOADED, e.kind());
                assertTrue(e.getMessage(), e.getMessage().startsWith("worker overloaded: 3 invocations queued (queue.capacity 3)"));
                break;
            }
            assertTrue("never overloaded", System.nanoTime() < deadline && admitted.size() < 10_000);
        }
        for (String id : admitted) {
            await("async " + id, () -> worker.result(id).done());
            assertTrue(worker.result(id).record().orElseThrow().success());
        }
    }

    @Test
    public void failuresStayOnTheirInvocationAndTheNextOneSucceeds() throws Exception {
        worker.register(fn("f", 128, 1, 1, Duration.ofMillis(200)));
        InvocationRecord raised = invoke("f-1", "{\"sim_fail\":\"division by zero\"}");
        assertEquals(ErrorKind.USER_ERROR, raised.error().orElseThrow().kind());
        assertEquals("SimulatedError: division by zero", raised.error().orElseThrow().message());
        assertTrue(raised.error().orElseThrow().detail().contains("Traceback"));
        InvocationRecord slow = invoke("f-1", "{\"sim_exec_ms\":5000}");
        assertEquals(ErrorKind.TIMEOUT, slow.error().orElseThrow().kind());
        assertEquals("f-1 timed out after 200 ms", slow.error().orElseThrow().message());
        InvocationRecord fine = invoke("f-1", "{}");
        assertTrue(fine.toString(), fine.success());
        assertEquals(0, worker.status().running());
    }

    @Test
    public void swappingQueueAndKeepAlivePoliciesUnderLoadLosesNothing() throws Exception {
        editConfig("vireo.resource.concurrency.cfg", "limit", "2");
        await("limit 2", () -> capacity("concurrency") == 2);
        worker.register(fn("a", 64, 5, 10, Duration.ofSeconds(30)));
        worker.register(fn("b", 64, 5, 5, Duration.ofSeconds(30)));
        int n = 600;
        List<CompletableFuture<InvocationRecord>> all = new ArrayList<>();
        List<String> queues = List.of("sjf", "edf", "mqfq", "cold-priority", "fcfs", "edf");
        List<String> keepAlives = List.of("ttl", "greedy-dual", "lru", "greedy-dual", "ttl", "lru");
        for (int i = 0; i < n; i++) {
            all.add(worker.invoke(null, i % 2 == 0 ? "a-1" : "b-1", "{\"i\":" + i + "}").toCompletableFuture());
            if (i % 100 == 50) {
                registry.use(ExtensionPoint.QUEUE, List.of(queues.get(i / 100)));
                registry.use(ExtensionPoint.KEEPALIVE, List.of(keepAlives.get(i / 100)));
                assertTrue("invocations were waiting during the swap", worker.status().queued() > 0);
            }
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
        Set<String> tids = new HashSet<>();
        Set<String> payloads = new HashSet<>();
        for (CompletableFuture<InvocationRecord> f : all) {
            InvocationRecord r = f.join();
            assertTrue(r.toString(), r.success());
            tids.add(r.tid());
            payloads.add(r.result());
        }
        assertEquals("every invocation ran exactly once", n, tids.size());
        assertEquals(n, payloads.size());
        var stats = worker.status().stats();
        assertEquals(n, stats.get("a-1").invocations() + stats.get("b-1").invocations());
        assertEquals(0, worker.status().queued());
    }

    @Test
    public void memoryPressureEvictsTheLeastRecentlyUsedIdleContainer() throws Exception {
        editConfig("vireo.resource.memory.cfg", "memory.mb", "512");
        await("512 MB pool", () -> capacity("memory") == 512);
        for (String name : List.of("a", "b", "c")) {
            worker.register(fn(name, 256, 1, 1, Duration.ofSeconds(5)));
        }
        assertEquals(ContainerState.COLD, invoke("a-1", "").state().orElseThrow());
        assertEquals(ContainerState.COLD, invoke("b-1", "").state().orElseThrow());
        assertEquals(ContainerState.WARM, invoke("a-1", "").state().orElseThrow()); // b is now least recently used
        assertEquals(ContainerState.COLD, invoke("c-1", "").state().orElseThrow());  // evicts b
        assertEquals(ContainerState.WARM, invoke("a-1", "").state().orElseThrow());
        assertEquals(ContainerState.COLD, invoke("b-1", "").state().orElseThrow());
        assertEquals(512, worker.status().memoryCachedMb());
    }

    private HttpResponse<String> http(String method, String path, String body, String... headers) throws Exception {
        return http(Duration.ofSeconds(30), method, path, body, headers);
    }

    /** A poll while the API restarts: a request caught in the restart is given up after 2 s and tried again. */
    private int poll(String path) {
        try {
            return http(Duration.ofSeconds(2), "GET", path, null).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private HttpResponse<String> http(Duration timeout, String method, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(timeout);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private void awaitHttp() throws Exception {
        await("HTTP API up", () -> poll("/health") == 200);
    }

    @Test
    public void httpApiServesAndRejectsBadInputWithClearMessages() throws Exception {
        awaitHttp();
        var created = http("POST", "/functions", "{\"name\":\"hi\",\"image\":\"sim/hi\",\"transport\":\"sim\",\"cpus\":0.01,"
                + "\"expected_warm_ms\":1,\"expected_cold_start_ms\":1}");
        assertEquals(created.body(), 201, created.statusCode());
        assertTrue(created.body().contains("\"backend\":\"sim\""));
        var invoked = http("POST", "/functions/hi-1/invoke", "{\"a\":[1,2]}");
        assertEquals(200, invoked.statusCode());
        assertEquals("{\"echo\":{\"a\":[1,2]}}", invoked.body().trim());
        assertTrue(invoked.headers().firstValue("X-Vireo-Tid").isPresent());
        var enhanced = http("POST", "/functions/hi-1/invoke?enhanced=true", "{}", "X-Vireo-Tid", "t-42");
        assertTrue(enhanced.body(), enhanced.body().contains("\"tid\":\"t-42\"") && enhanced.body().contains("\"state\":\"warm\"")
                && enhanced.body().contains("\"overhead_us\""));
        var failed = http("POST", "/functions/hi-1/invoke", "{\"sim_fail\":\"nope\"}");
        assertEquals(502, failed.statusCode());
        assertTrue(failed.body().contains("\"kind\":\"USER_ERROR\""));

        assertEquals(400, http("POST", "/functions/hi-1/invoke", "{\"a\":").statusCode());
        assertTrue(http("POST", "/functions/hi-1/invoke", "{\"a\":").body().contains("payload: not valid JSON"));
        var unknownField = http("POST", "/functions", "{\"name\":\"x\",\"image\":\"i\",\"transport\":\"sim\",\"memroy_mb\":1}");
        assertEquals(400, unknownField.statusCode());
        assertTrue(unknownField.body(), unknownField.body().contains("unknown field 'memroy_mb'"));
        var badType = http("POST", "/functions", "{\"name\":\"x\",\"image\":\"i\",\"transport\":\"sim\",\"memory_mb\":\"lots\"}");
        assertTrue(badType.body(), badType.statusCode() == 400 && badType.body().contains("memory_mb: must be a number"));
        assertEquals(409, http("POST", "/functions", "{\"name\":\"hi\",\"image\":\"sim/hi\",\"transport\":\"sim\"}").statusCode());
        assertEquals(404, http("POST", "/functions/none-1/invoke", "{}").statusCode());
        assertEquals(404, http("GET", "/nowhere", null).statusCode());
        assertEquals(405, http("DELETE", "/status", null).statusCode());
        assertEquals(413, http("POST", "/functions/hi-1/invoke", "\"" + "x".repeat(7 * 1024 * 1024) + "\"").statusCode());

        var accepted = http("POST", "/functions/hi-1/invoke-async", "{\"n\":1}");
        assertEquals(202, accepted.statusCode());
        String id = accepted.headers().firstValue("X-Vireo-Tid").orElseThrow();
        await("async done", () -> {
            try {
                return http("GET", "/invocations/" + id, null).body().contains("\"done\":true");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(404, http("GET", "/invocations/unknown", null).statusCode());
        var prewarm = http("POST", "/functions/hi-1/prewarm", "{\"count\":2}");
        assertTrue(prewarm.body(), prewarm.body().contains("\"started\":2"));
        var status = http("GET", "/status", null);
        assertTrue(status.body(), status.body().contains("\"cached\":3") && status.body().contains("\"hi-1\""));
        var metrics = http("GET", "/metrics", null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(metrics.body(), metrics.body().contains("vireo_invocations_total{backend=\"sim\",function=\"hi-1\",outcome=\"success\""));
        assertTrue(metrics.body(), metrics.body().contains("vireo_invocations_total{backend=\"sim\",function=\"hi-1\",outcome=\"user_error\""));
        assertTrue(metrics.body(), metrics.body().contains("vireo_cold_starts_total{backend=\"sim\",function=\"hi-1\""));
        assertTrue(metrics.body(), metrics.body().contains("vireo_containers{state=\"cached\",worker=\"worker-1\"} 3.0"));
        assertTrue(metrics.body(), metrics.body().contains("vireo_rejections_total{function=\"none-1\",kind=\"unknown_function\""));
        assertEquals(200, http("DELETE", "/functions/hi-1", null).statusCode());
    }

    @Test
    public void aPolicyIsPutInForceOverHttpWithTheKernelsRegistry() throws Exception {
        awaitHttp();
        var r = http("PUT", "/policies/queue", "{\"use\":\"sjf\"}");
        assertEquals(r.body(), 200, r.statusCode());
        assertTrue(r.body(), r.body().contains("\"queue\":\"sjf\""));
        assertEquals(List.of("sjf"), effective(dev.vireo.api.plugin.ExtensionPoint.QUEUE));
        var unknown = http("PUT", "/policies/queue", "{\"use\":\"nosuch\"}");
        assertEquals(unknown.body(), 400, unknown.statusCode());
        assertTrue(unknown.body(), unknown.body().contains("use: ") && unknown.body().contains("nosuch")
                && unknown.body().contains("fcfs"));
        assertEquals("nothing changed", List.of("sjf"), effective(dev.vireo.api.plugin.ExtensionPoint.QUEUE));
        var balancer = http("PUT", "/policies/balancer", "{\"use\":\"round-robin\"}");
        assertEquals(balancer.body(), 400, balancer.statusCode());
        assertTrue(balancer.body(), balancer.body().contains("point: 'balancer' is not a point"));
    }

    @Test
    public void bearerTokenIsRequiredWhenConfigured() throws Exception {
        // the shipped configuration (no token) in force first, so the edit is a change of a running API and not a
        // race with the framework's first reading of the folder
        awaitHttp();
        editConfig("vireo.worker.http.cfg", "auth.token", "s3cret");
        int[] last = {0};
        await(() -> "token in force: the last GET /status answered " + last[0] + " (-1: no answer); the API's"
                + " component now: " + componentState("dev.vireo.worker.http.internal.HttpApi"),
                () -> (last[0] = poll("/status")) == 401);
        assertEquals(200, http("GET", "/health", null).statusCode());
        assertEquals(401, http("GET", "/status", null, "Authorization", "Bearer wrong").statusCode());
        assertEquals(200, http("GET", "/status", null, "Authorization", "Bearer s3cret").statusCode());
        // the node's settings, from Configuration Admin: the file's values as the components got them, the token
        // redacted
        var settings = com.google.gson.JsonParser.parseString(http("GET", "/settings", null, "Authorization",
                "Bearer s3cret").body()).getAsJsonObject();
        assertEquals(settings.toString(), "worker", settings.get("role").getAsString());
        var api = settings.getAsJsonObject("configuration").getAsJsonObject("vireo.worker.http");
        assertEquals(settings.toString(), "(redacted)", api.get("auth.token").getAsString());
        assertEquals("${vireo.http.port} replaced", Integer.toString(httpPort()), api.get("port").getAsString());
        assertTrue(settings.toString(), settings.getAsJsonObject("configuration").has("vireo.kernel"));
        assertFalse(settings.toString(), settings.toString().contains("s3cret"));
        assertFalse(http("GET", "/functions", null).body().contains("["));
    }
}
