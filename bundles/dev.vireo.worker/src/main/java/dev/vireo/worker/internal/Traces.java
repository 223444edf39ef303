package dev.vireo.worker.internal;

import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.trace.Span;
import dev.vireo.api.trace.SpanExporter;
import dev.vireo.api.trace.TraceContext;
import dev.vireo.api.worker.InvocationAnatomy;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The worker's spans of traced invocations. An invocation is traced when it arrives with a sampled trace context
 * ({@code traceparent}), or with none while {@code trace.all} is set (a new trace); and only while some
 * {@link SpanExporter} is registered. After its caller has the answer it becomes up to four spans, made from its
 * record and the hops of its latency anatomy (no extra clock reads on the way): {@code invoke <function>} (server:
 * arrival to the answer) and inside it {@code queue} (arrival to leaving the queue), {@code cold start} or
 * {@code acquire} (to having its container; none for one cancelled while it waited) and {@code execute} (the call to
 * the agent and back; none when it never reached a container). Thread-safe.
 */
final class Traces {
    private static final System.Logger LOG = System.getLogger(Traces.class.getName());

    /** How an invocation came to its container: a warm one taken, a cold one started, or none (cancelled waiting). */
    enum Path {
        WARM, COLD, NONE
    }

    /** A traced invocation's trace and the span its server span belongs to ("" when it starts the trace). */
    record Trace(String traceId, String parentSpanId) {
    }

    private final String worker;
    private final List<SpanExporter> exporters = new CopyOnWriteArrayList<>();
    private volatile boolean all;

    Traces(String worker) {
        this.worker = worker;
    }

    void add(SpanExporter e) {
        exporters.add(e);
    }

    void remove(SpanExporter e) {
        exporters.remove(e);
    }

    /** Whether invocations that arrive without a trace context start a trace of their own. */
    void traceAll(boolean on) {
        all = on;
    }

    /** The trace an invocation arriving with {@code given} (null: none) is part of here, or null if it is not traced. */
    Trace traceOf(TraceContext given) {
        if (exporters.isEmpty()) {
            return null;
        }
        if (given != null) {
            return given.sampled() ? new Trace(given.traceId(), given.spanId()) : null;
        }
        return all ? new Trace(TraceContext.root().traceId(), "") : null;
    }

    /** Makes the invocation's spans and hands them to every exporter. */
    void ended(Trace t, InvocationRecord r, InvocationAnatomy a, Path path) {
        if (t == null || exporters.isEmpty()) {
            return;
        }
        List<Span> spans = spans(t, r, a, path, worker);
        for (SpanExporter e : exporters) {
            try {
                e.export(spans);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "[" + r.tid() + "] span exporter " + e.getClass().getName() + " failed: " + ex);
            }
        }
    }

    static List<Span> spans(Trace t, InvocationRecord r, InvocationAnatomy a, Path path, String worker) {
        long arrivalEpoch = r.arrival().getEpochSecond() * 1_000_000_000L + r.arrival().getNano();
        long base = a.arrivalNs();
        long end = a.recordedNs(); // the record made and handed to the caller: its e2e
        String server = TraceContext.newSpanId();
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("vireo.tid", r.tid());
        attrs.put("faas.invoked_name", r.functionId());
        attrs.put("vireo.worker", worker);
        attrs.put("vireo.backend", r.backend());
        if (path != Path.NONE) {
            attrs.put("faas.coldstart", path == Path.COLD);
        }
        r.state().ifPresent(s -> attrs.put("vireo.state", s.name().toLowerCase(java.util.Locale.ROOT)));
        r.error().ifPresent(e -> attrs.put("vireo.error_kind", e.kind().name()));
        List<Span> out = new ArrayList<>(4);
        String message = r.error().map(e -> e.message()).orElse("");
        out.add(new Span(t.traceId(), server, t.parentSpanId(), "invoke " + r.functionId(), Span.Kind.SERVER,
                arrivalEpoch, arrivalEpoch + (end - base), attrs, r.error().isPresent(), message));
        Map<String, Object> tid = Map.of("vireo.tid", r.tid());
        if (a.dequeuedNs() > 0) {
            out.add(new Span(t.traceId(), TraceContext.newSpanId(), server, "queue", Span.Kind.INTERNAL, arrivalEpoch,
                    arrivalEpoch + (a.dequeuedNs() - base), tid, false, ""));
        }
        if (path != Path.NONE && a.dequeuedNs() > 0 && a.acquiredNs() > 0) {
            // a cold start that failed (or was undone) is where the invocation ended: the error is its
            boolean failedThere = path == Path.COLD && a.sentNs() == 0 && r.error().isPresent();
            out.add(new Span(t.traceId(), TraceContext.newSpanId(), server, path == Path.COLD ? "cold start" : "acquire",
                    Span.Kind.INTERNAL, arrivalEpoch + (a.dequeuedNs() - base), arrivalEpoch + (a.acquiredNs() - base),
                    tid, failedThere, failedThere ? message : ""));
        }
        if (a.sentNs() > 0 && a.doneNs() > 0) {
            out.add(new Span(t.traceId(), TraceContext.newSpanId(), server, "execute", Span.Kind.INTERNAL,
                    arrivalEpoch + (a.sentNs() - base), arrivalEpoch + (a.doneNs() - base), tid,
                    r.error().isPresent(), message));
        }
        return out;
    }
}
