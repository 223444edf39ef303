package dev.vireo.api.trace;

import java.util.Map;
import java.util.Objects;

/**
 * One finished span of a trace: a piece of an invocation's time (its whole stay in a worker, its queueing, its cold
 * start, its execution; a controller's routing), with times since the Unix epoch in nanoseconds.
 *
 * @param traceId      the trace ({@link TraceContext#traceId})
 * @param spanId       this span
 * @param parentSpanId the span it belongs to, or empty for a trace's root
 * @param name         what it measures, e.g. {@code invoke hello-1}
 * @param kind         as OpenTelemetry's span kinds
 * @param startNanos   start, since the epoch
 * @param endNanos     end, since the epoch, not before the start
 * @param attributes   values are String, Long, Double or Boolean (OpenTelemetry's semantic names where one
 *                     exists: {@code faas.invoked_name}, {@code faas.coldstart}; Vireo's as {@code vireo.*})
 * @param error        whether it ended in an error
 * @param message      the error's message, or empty
 */
public record Span(String traceId, String spanId, String parentSpanId, String name, Kind kind, long startNanos,
        long endNanos, Map<String, Object> attributes, boolean error, String message) {
    /** OpenTelemetry's span kinds that Vireo makes. */
    public enum Kind {
        /** Handling a request from a caller. */
        SERVER,
        /** A request to another node. */
        CLIENT,
        /** A step inside one. */
        INTERNAL
    }

    public Span {
        parentSpanId = Objects.requireNonNullElse(parentSpanId, "");
        // ids as a trace context has them (they are written into JSON and headers as they are)
        new TraceContext(traceId, spanId, true);
        if (!parentSpanId.isEmpty()) {
            new TraceContext(traceId, parentSpanId, true);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        endNanos = Math.max(startNanos, endNanos);
        attributes = Map.copyOf(attributes == null ? Map.of() : attributes);
        message = Objects.requireNonNullElse(message, "");
    }
}
