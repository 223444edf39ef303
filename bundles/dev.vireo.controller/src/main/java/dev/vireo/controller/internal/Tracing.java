package dev.vireo.controller.internal;

import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.trace.Span;
import dev.vireo.api.trace.SpanExporter;
import dev.vireo.api.trace.TraceContext;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The controller's span of a traced invocation: {@code route <function>} (server), from its arrival to the worker's
 * answer, the parent of the worker's own spans (the controller hands its span on as the call's {@code traceparent}).
 * An invocation is traced here when it arrives with a sampled trace context and a {@link SpanExporter} is registered;
 * otherwise the context it brought, if any, goes on to the worker unchanged. Thread-safe.
 */
final class Tracing {
    private static final System.Logger LOG = System.getLogger(Tracing.class.getName());

    /** A traced invocation: the context it came with, and the controller's span in it. */
    record Traced(TraceContext caller, TraceContext span) {
    }

    private final String controller;
    private final List<SpanExporter> exporters = new CopyOnWriteArrayList<>();

    Tracing(String controller) {
        this.controller = controller;
    }

    void add(SpanExporter e) {
        exporters.add(e);
    }

    void remove(SpanExporter e) {
        exporters.remove(e);
    }

    /** The controller's span of an invocation that arrived with {@code given}, or null when it is not traced here. */
    Traced start(TraceContext given) {
        return given == null || !given.sampled() || exporters.isEmpty() ? null : new Traced(given, given.child());
    }

    /** Makes the span and hands it to every exporter; {@code record} is null when the invocation failed outright. */
    void end(Traced t, String tid, String functionId, Instant arrival, long durationNanos, InvocationRecord record,
            Throwable failure) {
        if (t == null) {
            return;
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("vireo.tid", tid);
        attrs.put("faas.invoked_name", functionId);
        attrs.put("vireo.controller", controller);
        boolean error = failure != null || (record != null && !record.success());
        String message = failure != null ? String.valueOf(failure.getMessage())
                : record.error().map(e -> e.message()).orElse("");
        if (record != null) {
            attrs.put("vireo.worker", record.worker());
            record.routing().ifPresent(r -> attrs.put("vireo.attempts", (long) r.attempts()));
            record.error().ifPresent(e -> attrs.put("vireo.error_kind", e.kind().name()));
        }
        long start = arrival.getEpochSecond() * 1_000_000_000L + arrival.getNano();
        List<Span> spans = List.of(new Span(t.span().traceId(), t.span().spanId(), t.caller().spanId(),
                "route " + functionId, Span.Kind.SERVER, start, start + durationNanos, attrs, error, message));
        for (SpanExporter e : exporters) {
            try {
                e.export(spans);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "[" + tid + "] span exporter " + e.getClass().getName() + " failed: " + ex);
            }
        }
    }
}
