package dev.vireo.worker.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonParser;
import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.metrics.MetricsExporter;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.FakeDags;
import dev.vireo.testkit.FakeWorker;
import dev.vireo.testkit.TestTime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/openapi.yaml against the HTTP API itself: every operation it lists is called (on a node with a registered
 * function, a controller's workers, a workflow service and metrics, so each can succeed), its path parameters filled
 * with what exists and its body the spec's example; each must answer one of the statuses the spec lists for it, a 2xx
 * one, and a JSON body where the spec says JSON. The operations listed are exactly those the API serves.
 */
class OpenApiTest {
    private static final Path SPEC = Path.of(System.getProperty("user.dir")).resolve("../../docs/openapi.yaml")
            .normalize();
    /** What the API serves (HttpApi.route, DagRoutes.route): the spec must list exactly these. */
    private static final Set<String> SERVED = new TreeSet<>(List.of("GET /health", "GET /metrics", "GET /status",
            "GET /settings", "PUT /policies/{point}", "GET /functions", "POST /functions", "GET /functions/{id}",
            "PUT /functions/{id}", "DELETE /functions/{id}", "POST /functions/{id}/invoke", "POST /functions/{id}/invoke-async",
            "POST /functions/{id}/prewarm", "GET /functions/{id}/estimate", "GET /invocations/{invocation}",
            "GET /activations", "GET /activations/{activation}", "GET /function/{function}",
            "POST /function/{function}", "POST /async-function/{function}",
            "GET /workers", "POST /workers", "DELETE /workers/{name}", "GET /dags", "POST /dags", "GET /dags/{run}",
            "DELETE /dags/{run}", "GET /dags/{run}/result", "GET /dags/{run}/spec", "GET /dags/{run}/plan"));

    private final TestTime time = new TestTime();
    private final FakeWorker worker = new FakeWorker();
    private final FakeDags dags = new FakeDags();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private HttpApi api;
    private String base;

    @AfterEach
    void tearDown() {
        if (api != null) {
            api.close();
        }
        client.close();
        time.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyOperationTheSpecListsAnswersAsItSays() throws Exception {
        Components.Context context = new Components.Context();
        api = new HttpApi(context.bundleContext(), worker, time, Components.config(HttpApi.Config.class,
                Map.of("bind", "127.0.0.1", "port", 0, "max_body_bytes", 4096, "max_dag_body_bytes", 4096)));
        base = ((WorkerEndpoint) context.registrations.get(0).service()).address();
        api.setDags(dags);
        api.setMetrics(new MetricsExporter() {
            public String contentType() {
                return "text/plain; version=0.0.4; charset=utf-8";
            }

            public String scrape() {
                return "vireo_functions{worker=\"w\"} 1.0\n";
            }
        });
        Map<String, WorkerMember> members = new java.util.concurrent.ConcurrentHashMap<>();
        api.setCluster(new ClusterService() {
            public WorkerMember join(String name, String address) {
                WorkerMember m = new WorkerMember(name, address, true, 0, 0, 4, 0, 0, 0, 1, FakeWorker.ARRIVAL, "");
                members.put(name, m);
                return m;
            }

            public void leave(String name) {
                if (members.remove(name) == null) {
                    throw new dev.vireo.api.worker.WorkerException(dev.vireo.api.model.ErrorKind.UNKNOWN_FUNCTION,
                            "no worker " + name);
                }
            }

            public List<WorkerMember> members() {
                return List.copyOf(members.values());
            }

            public String name() {
                return "ctl";
            }
        });
        worker.settings = new dev.vireo.api.worker.NodeSettings("w", "worker", Map.of(), Map.of("queue", "fcfs"),
                Map.of(), List.of());

        // what the path parameters name must exist: a function, an async invocation, a worker, a workflow run
        assertEquals(201, send("POST", "/functions", "{\"name\":\"hello\",\"image\":\"vireo/hello\"}").statusCode());
        String async = JsonParser.parseString(send("POST", "/functions/hello-1/invoke-async", "1").body())
                .getAsJsonObject().get("id").getAsString();
        members.put("w1", new WorkerMember("w1", "h:1", true, 0, 0, 4, 0, 0, 0, 1, FakeWorker.ARRIVAL, ""));
        String run = JsonParser.parseString(send("POST", "/dags", "{\"name\":\"wc\",\"tasks\":[{\"id\":\"a\","
                + "\"function\":\"hello-1\"}]}").body()).getAsJsonObject().get("run").getAsString();
        dags.put(FakeDags.FAILED, Map.of()); // a finished run, for its result
        Map<String, String> values = Map.of("{id}", "hello-1", "{invocation}", async, "{name}", "w1", "{run}", run,
                "{point}", "queue", "{activation}", async, "{function}", "hello");

        Map<String, Object> spec = new Yaml().load(Files.readString(SPEC));
        Set<String> listed = new TreeSet<>();
        List<String[]> calls = new ArrayList<>();
        for (var path : map(spec.get("paths")).entrySet()) {
            for (var op : map(path.getValue()).entrySet()) {
                if (op.getKey().equals("parameters")) {
                    continue;
                }
                String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
                listed.add(method + " " + path.getKey());
                calls.add(new String[] {method, path.getKey()});
            }
        }
        assertEquals(SERVED, listed, "the spec lists what the API serves, no more, no less");
        // deletions last: what they remove, the others use
        calls.sort(java.util.Comparator.comparing((String[] c) -> c[0].equals("DELETE")).thenComparing(c -> c[1]));
        for (String[] c : calls) {
            Map<String, Object> op = map(map(map(spec.get("paths")).get(c[1])).get(c[0].toLowerCase(java.util.Locale.ROOT)));
            String path = c[1];
            for (var v : values.entrySet()) {
                path = path.replace(v.getKey(), v.getValue());
            }
            if (path.startsWith("/dags/") && path.endsWith("/result")) {
                path = "/dags/" + FakeDags.FAILED.run() + "/result";
            }
            String body = null;
            if (op.get("requestBody") != null) {
                Object example = map(map(map(map(op.get("requestBody")).get("content")).get("application/json")))
                        .get("example");
                body = example == null ? null : new Gson().toJson(example);
            }
            HttpResponse<String> r = send(c[0], path, body);
            Set<String> documented = map(op.get("responses")).keySet().stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.toSet());
            String what = c[0] + " " + c[1] + " (" + path + ", body " + body + ") answered " + r.statusCode() + " "
                    + r.body();
            assertTrue(documented.contains(Integer.toString(r.statusCode())), what + "; the spec lists " + documented);
            assertTrue(r.statusCode() / 100 == 2, what);
            Map<String, Object> answer = map(map(op.get("responses")).get(Integer.toString(r.statusCode())));
            Object content = answer.get("content");
            if (content != null && map(content).containsKey("application/json")) {
                JsonParser.parseString(r.body()); // throws on anything but JSON
            }
        }
    }
}
