package dev.vireo.api.trace;

import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A position in a distributed trace, as the W3C Trace Context's {@code traceparent} header carries it:
 * {@code 00-<trace id: 32 hex>-<parent span id: 16 hex>-<flags: 2 hex>}.
 *
 * @param traceId 32 lower-case hex digits, not all zero
 * @param spanId  16 lower-case hex digits, not all zero: the span this context continues from
 * @param sampled the {@code sampled} flag (bit 0 of the flags)
 * @param state   the {@code tracestate} that came with it, handed on unchanged (opaque here), or empty
 */
public record TraceContext(String traceId, String spanId, boolean sampled, String state) {
    /** The request header (HTTP) and metadata key (gRPC) that carries a trace context. */
    public static final String HEADER = "traceparent";
    /** The companion header of vendors' state, handed on with the context. */
    public static final String STATE_HEADER = "tracestate";
    /** Longest tracestate handed on (32 members of up to 256 characters, and their separators). */
    private static final int MAX_STATE = 8_192 + 32 * 2;
    private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Pattern HEADER_FORMAT = Pattern.compile(
            "([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

    /** A context without tracestate. */
    public TraceContext(String traceId, String spanId, boolean sampled) {
        this(traceId, spanId, sampled, "");
    }

    public TraceContext {
        state = state == null || state.length() > MAX_STATE ? "" : state.strip();
        if (traceId == null || !TRACE_ID.matcher(traceId).matches() || traceId.chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException("trace id '" + traceId + "' is not 32 lower-case hex digits, not all 0");
        }
        if (spanId == null || !SPAN_ID.matcher(spanId).matches() || spanId.chars().allMatch(c -> c == '0')) {
            throw new IllegalArgumentException("span id '" + spanId + "' is not 16 lower-case hex digits, not all 0");
        }
    }

    /**
     * Reads a {@code traceparent} header as W3C Trace Context level 1 says a receiver must: version {@code 00} exactly
     * four fields; a later version (not {@code ff}) its first four, anything after a '-' ignored; an all-zero id, a
     * version {@code ff}, upper-case hex or any other shape is no context at all (the receiver starts a new trace:
     * a bad header is never a failed request).
     */
    public static Optional<TraceContext> parse(String header) {
        return parseOne(header);
    }

    /**
     * Reads the {@code traceparent} values of a request (more than one is no context, as the specification's test
     * suite expects) and its {@code tracestate} values (several are joined with commas, as HTTP combines them).
     */
    public static Optional<TraceContext> parse(java.util.List<String> parents, java.util.List<String> states) {
        if (parents == null || parents.size() != 1) {
            return Optional.empty();
        }
        String state = states == null || states.isEmpty() ? "" : String.join(",", states);
        return parseOne(parents.get(0)).map(c -> new TraceContext(c.traceId(), c.spanId(), c.sampled(), state));
    }

    private static Optional<TraceContext> parseOne(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String h = header.strip();
        var m = HEADER_FORMAT.matcher(h);
        if (!m.matches() || m.group(1).equals("ff") || (m.group(1).equals("00") && m.group(5) != null)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TraceContext(m.group(2), m.group(3), (Integer.parseInt(m.group(4), 16) & 1) == 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A new trace, sampled, starting at a new span. */
    public static TraceContext root() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String trace;
        do {
            trace = hex(r.nextLong(), 16) + hex(r.nextLong(), 16);
        } while (trace.chars().allMatch(c -> c == '0'));
        return new TraceContext(trace, newSpanId(), true);
    }

    /** A random span id (16 hex digits, never all zero). */
    public static String newSpanId() {
        long id;
        do {
            id = ThreadLocalRandom.current().nextLong();
        } while (id == 0);
        return hex(id, 16);
    }

    /** The same trace continued from a new span of this process. */
    public TraceContext child() {
        return new TraceContext(traceId, newSpanId(), sampled, state);
    }

    /** The {@code traceparent} header that hands this context on. */
    public String header() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    private static String hex(long v, int digits) {
        String s = Long.toHexString(v);
        return "0".repeat(digits - s.length()) + s;
    }
}
