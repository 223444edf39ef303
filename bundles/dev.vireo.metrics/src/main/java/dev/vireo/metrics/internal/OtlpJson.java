package dev.vireo.metrics.internal;

import dev.vireo.api.trace.Span;
import dev.vireo.api.validation.JsonText;
import java.util.List;
import java.util.Map;

/**
 * Spans as an OTLP/HTTP JSON export request ({@code ExportTraceServiceRequest}, protobuf's JSON mapping as OTLP
 * specifies it: trace and span ids as hex, 64-bit integers as decimal strings, enums as numbers). Written here rather
 * than with the OpenTelemetry SDK: that SDK batches and exports on threads of its own and reads the wall clock,
 * which the node's clock and scheduler services replace here (so the simulation runs the same code), and the one
 * message needs no library.
 */
final class OtlpJson {
    private OtlpJson() {
    }

    static String request(Map<String, String> resource, String scope, List<Span> spans) {
        StringBuilder b = new StringBuilder(256 + spans.size() * 400);
        b.append("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
        boolean first = true;
        for (var e : resource.entrySet()) {
            first = comma(b, first);
            attribute(b, e.getKey(), e.getValue());
        }
        b.append("]},\"scopeSpans\":[{\"scope\":{\"name\":");
        JsonText.quote(scope, b);
        b.append("},\"spans\":[");
        first = true;
        for (Span s : spans) {
            first = comma(b, first);
            span(b, s);
        }
        return b.append("]}]}]}").toString();
    }

    private static void span(StringBuilder b, Span s) {
        b.append("{\"traceId\":\"").append(s.traceId()).append("\",\"spanId\":\"").append(s.spanId()).append('"');
        if (!s.parentSpanId().isEmpty()) {
            b.append(",\"parentSpanId\":\"").append(s.parentSpanId()).append('"');
        }
        b.append(",\"name\":");
        JsonText.quote(s.name(), b);
        b.append(",\"kind\":").append(switch (s.kind()) {
            case INTERNAL -> 1;
            case SERVER -> 2;
            case CLIENT -> 3;
        });
        b.append(",\"startTimeUnixNano\":\"").append(Long.toUnsignedString(s.startNanos()))
                .append("\",\"endTimeUnixNano\":\"").append(Long.toUnsignedString(s.endNanos())).append("\",\"attributes\":[");
        boolean first = true;
        for (var e : s.attributes().entrySet()) {
            first = comma(b, first);
            attribute(b, e.getKey(), e.getValue());
        }
        b.append("],\"status\":{");
        if (s.error()) {
            b.append("\"code\":2,\"message\":"); // STATUS_CODE_ERROR
            JsonText.quote(s.message(), b);
        }
        b.append("}}");
    }

    private static void attribute(StringBuilder b, String key, Object value) {
        b.append("{\"key\":");
        JsonText.quote(key, b);
        b.append(",\"value\":{");
        if (value instanceof Boolean v) {
            b.append("\"boolValue\":").append(v);
        } else if (value instanceof Long || value instanceof Integer) {
            b.append("\"intValue\":\"").append(value).append('"');
        } else if (value instanceof Double d && Double.isFinite(d)) {
            b.append("\"doubleValue\":").append(d);
        } else {
            b.append("\"stringValue\":");
            JsonText.quote(String.valueOf(value), b);
        }
        b.append("}}");
    }

    private static boolean comma(StringBuilder b, boolean first) {
        if (!first) {
            b.append(',');
        }
        return false;
    }

}
