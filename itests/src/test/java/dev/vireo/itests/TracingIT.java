package dev.vireo.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tracing end to end: a worker started with ./vireo and its OTLP exporter enabled, an invocation over gRPC with a
 * {@code traceparent}, and the spans as a collector receives them (an HTTP server of the test on the OTLP/HTTP path:
 * no OpenTelemetry collector is packaged for this machine's Debian).
 */
class TracingIT {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER = "00f067aa0ba902b7";

    @Test
    void aTracedInvocationReachesTheCollectorAsSpansUnderTheCallersSpan() throws Exception {
        List<JsonObject> requests = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", ex -> {
            requests.add(JsonParser.parseString(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    .getAsJsonObject());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        LaunchedWorker w = new LaunchedWorker(Map.of("vireo.tracing.otlp.cfg", Map.of("enabled", "true", "endpoint",
                "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces", "flush.ms", "50")));
        try {
            w.start();
            w.register(FunctionSpec.newBuilder().setName("hello").setImage("sim/hello").setTransport("sim")
                    .setCpus(0.01).setExpectedColdStartMs(5).setExpectedWarmMs(1));
            Metadata trace = new Metadata();
            trace.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), "00-" + TRACE + "-" + CALLER
                    + "-01");
            InvokeReply r = w.call().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(trace)).invoke(
                    InvokeRequest.newBuilder().setFunctionId("hello-1").setTid("traced-1").setPayload("{}").build());
            assertTrue(r.getSuccess(), r.toString());
            w.invoke("hello-1", "{}"); // untraced: no spans

            Map<String, JsonObject> spans = new HashMap<>();
            List<String> services = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (spans.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                spans.clear();
                for (JsonObject request : requests) {
                    for (JsonElement rs : request.getAsJsonArray("resourceSpans")) {
                        rs.getAsJsonObject().getAsJsonObject("resource").getAsJsonArray("attributes").forEach(a ->
                                services.add(a.toString()));
                        for (JsonElement ss : rs.getAsJsonObject().getAsJsonArray("scopeSpans")) {
                            ss.getAsJsonObject().getAsJsonArray("spans").forEach(s -> spans.put(
                                    s.getAsJsonObject().get("name").getAsString(), s.getAsJsonObject()));
                        }
                    }
                }
            }
            assertEquals(java.util.Set.of("invoke hello-1", "queue", "cold start", "execute"), spans.keySet(),
                    "the traced invocation's spans, and no others: " + requests);
            JsonObject server = spans.get("invoke hello-1");
            assertEquals(CALLER, server.get("parentSpanId").getAsString(), "under the caller's span");
            for (JsonObject s : spans.values()) {
                assertEquals(TRACE, s.get("traceId").getAsString());
                if (s != server) {
                    assertEquals(server.get("spanId").getAsString(), s.get("parentSpanId").getAsString());
                }
            }
            assertTrue(server.getAsJsonArray("attributes").toString().contains(
                    "{\"key\":\"vireo.tid\",\"value\":{\"stringValue\":\"traced-1\"}}"), server.toString());
            assertTrue(services.contains("{\"key\":\"service.name\",\"value\":{\"stringValue\":\"vireo\"}}"),
                    services.toString());
            long start = Long.parseLong(server.get("startTimeUnixNano").getAsString());
            assertTrue(Math.abs(start / 1_000_000 - System.currentTimeMillis()) < 60_000, "times since the epoch");
        } finally {
            w.stop();
            collector.stop(0);
        }
    }
}
