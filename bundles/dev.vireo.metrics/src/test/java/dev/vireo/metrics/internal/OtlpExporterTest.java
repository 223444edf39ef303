package dev.vireo.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.vireo.api.trace.Span;
import dev.vireo.testkit.TestTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The exporter against a collector's OTLP/HTTP endpoint (an HTTP server of the test: no OpenTelemetry collector is
 * packaged for this machine's Debian): what it posts, in batches, and what it does when the collector refuses.
 */
class OtlpExporterTest {
    private final TestTime time = new TestTime();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final LinkedBlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final HttpServer collector;
    private OtlpExporter exporter;

    OtlpExporterTest() throws Exception {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/v1/traces", ex -> {
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if ("POST".equals(ex.getRequestMethod()) && "application/json".equals(type)) {
                received.add(JsonParser.parseString(body).getAsJsonObject());
            }
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        collector.start();
    }

    @AfterEach
    void stop() {
        if (exporter != null) {
            exporter.close();
        }
        collector.stop(0);
        time.close();
    }

    private OtlpExporter exporter(int batch, int queue, long flushMs) {
        exporter = new OtlpExporter(new OtlpExporter.Options(URI.create("http://127.0.0.1:"
                + collector.getAddress().getPort() + "/v1/traces"), Map.of("service.name", "vireo",
                "service.instance.id", "worker-1"), batch, queue, Duration.ofMillis(flushMs), Duration.ofSeconds(5)),
                time, HttpClient.newBuilder().executor(time::execute).build(), meters);
        return exporter;
    }

    private static Span span(int i, String parent) {
        return new Span("4bf92f3577b34da6a3ce929d0e0e4736", String.format("%016x", i + 1), parent, "invoke f\"" + i,
                i == 0 ? Span.Kind.SERVER : Span.Kind.INTERNAL, 1_764_561_600_000_000_000L + i,
                1_764_561_600_001_000_000L + i, Map.of("vireo.tid", "t-" + i, "faas.coldstart", true,
                "vireo.attempts", 2L, "ratio", 0.5), i == 1, i == 1 ? "boom\n\u00e9" : "");
    }

    private double count(String outcome) {
        return meters.counter("vireo.tracing.spans", "outcome", outcome).count();
    }

    @Test
    void spansArePostedAsOtlpJsonWithTheirResourceIdsTimesAttributesAndStatus() throws Exception {
        exporter(512, 8192, 50).export(List.of(span(0, "00f067aa0ba902b7"), span(1, "0000000000000001")));
        JsonObject request = received.poll(10, TimeUnit.SECONDS);
        JsonObject rs = request.getAsJsonArray("resourceSpans").get(0).getAsJsonObject();
        assertEquals(JsonParser.parseString("[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"vireo\"}},"
                + "{\"key\":\"service.instance.id\",\"value\":{\"stringValue\":\"worker-1\"}}]").getAsJsonArray().size(),
                rs.getAsJsonObject("resource").getAsJsonArray("attributes").size());
        JsonObject scope = rs.getAsJsonArray("scopeSpans").get(0).getAsJsonObject();
        assertEquals("dev.vireo", scope.getAsJsonObject("scope").get("name").getAsString());
        JsonArray spans = scope.getAsJsonArray("spans");
        assertEquals(2, spans.size());
        JsonObject server = spans.get(0).getAsJsonObject();
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", server.get("traceId").getAsString());
        assertEquals("0000000000000001", server.get("spanId").getAsString());
        assertEquals("00f067aa0ba902b7", server.get("parentSpanId").getAsString());
        assertEquals("invoke f\"0", server.get("name").getAsString());
        assertEquals(2, server.get("kind").getAsInt(), "SPAN_KIND_SERVER");
        assertEquals("1764561600000000000", server.get("startTimeUnixNano").getAsString());
        assertEquals("1764561600001000000", server.get("endTimeUnixNano").getAsString());
        List<String> attributes = new ArrayList<>();
        server.getAsJsonArray("attributes").forEach(a -> attributes.add(a.toString()));
        assertTrue(attributes.contains("{\"key\":\"vireo.tid\",\"value\":{\"stringValue\":\"t-0\"}}"), attributes.toString());
        assertTrue(attributes.contains("{\"key\":\"faas.coldstart\",\"value\":{\"boolValue\":true}}"), attributes.toString());
        assertTrue(attributes.contains("{\"key\":\"vireo.attempts\",\"value\":{\"intValue\":\"2\"}}"), attributes.toString());
        assertTrue(attributes.contains("{\"key\":\"ratio\",\"value\":{\"doubleValue\":0.5}}"), attributes.toString());
        assertEquals(0, server.getAsJsonObject("status").size(), "unset");
        JsonObject failed = spans.get(1).getAsJsonObject();
        assertEquals(1, failed.get("kind").getAsInt(), "SPAN_KIND_INTERNAL");
        assertEquals(2, failed.getAsJsonObject("status").get("code").getAsInt(), "STATUS_CODE_ERROR");
        assertEquals("boom\n\u00e9", failed.getAsJsonObject("status").get("message").getAsString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count("exported") < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(2, count("exported"));
        assertFalse(server.has("parentSpanId") && server.get("parentSpanId").getAsString().isEmpty());
    }

    @Test
    void aFullBatchGoesAtOnceAndTheQueueDropsTheOldestBeyondItsBound() throws Exception {
        exporter(3, 5, 60_000); // the periodic flush never comes during the test
        List<Span> seven = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            seven.add(span(i, ""));
        }
        exporter.export(seven);
        assertEquals(2, count("dropped"), "five wait at most: the two oldest go");
        int spans = 0;
        while (spans < 5) {
            JsonObject r = received.poll(10, TimeUnit.SECONDS);
            JsonArray batch = r.getAsJsonArray("resourceSpans").get(0).getAsJsonObject().getAsJsonArray("scopeSpans")
                    .get(0).getAsJsonObject().getAsJsonArray("spans");
            assertTrue(batch.size() <= 3, batch.toString());
            if (spans == 0) {
                assertEquals("0000000000000003", batch.get(0).getAsJsonObject().get("spanId").getAsString(),
                        "the oldest two were dropped");
                assertFalse(batch.get(0).getAsJsonObject().has("parentSpanId"), "a root has none");
            }
            spans += batch.size();
            if (spans == 3) {
                exporter.close(); // what is left (less than a batch) goes on close
            }
        }
        assertEquals(5, spans);
    }

    @Test
    void aCollectorThatRefusesLosesThatBatchOnlyAndBadSettingsAreRefused() throws Exception {
        status.set(503);
        exporter(10, 100, 20).export(List.of(span(0, "")));
        received.poll(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count("failed") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, count("failed"));
        status.set(200);
        exporter.export(List.of(span(1, "")));
        while (count("exported") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, count("exported"), "later batches go");
        assertThrows(IllegalArgumentException.class, () -> new OtlpExporter.Options(URI.create("ftp://x/"), Map.of(), 1,
                1, Duration.ofSeconds(1), Duration.ofSeconds(1)));
        assertEquals(5, new OtlpExporter.Options(URI.create("http://x/"), Map.of(), 10, 5, Duration.ofSeconds(1),
                Duration.ofSeconds(1)).batchMax(), "a batch never waits for more than can wait");
        assertThrows(IllegalArgumentException.class, () -> new OtlpExporter.Options(URI.create("http://x/"), Map.of(),
                10, 0, Duration.ofSeconds(1), Duration.ofSeconds(1)));
    }
}
