package dev.vireo.worker.grpc.internal;

import dev.vireo.api.trace.TraceContext;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;

/**
 * The W3C trace context over gRPC: the {@code traceparent} metadata key, as OpenTelemetry's gRPC instrumentation
 * carries it. The server side reads it into the call's {@link Context} (a malformed value is no context, never a
 * failed call); the client side attaches it to one call.
 */
final class TraceHeader implements ServerInterceptor {
    static final Metadata.Key<String> KEY = Metadata.Key.of(TraceContext.HEADER, Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> STATE = Metadata.Key.of(TraceContext.STATE_HEADER,
            Metadata.ASCII_STRING_MARSHALLER);
    /** The trace context of the call being served, or null. */
    static final Context.Key<TraceContext> CURRENT = Context.key("vireo-trace");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        TraceContext trace = TraceContext.parse(list(headers.getAll(KEY)), list(headers.getAll(STATE))).orElse(null);
        if (trace == null) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(CURRENT, trace), call, headers, next);
    }

    private static java.util.List<String> list(Iterable<String> values) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (values != null) {
            values.forEach(out::add);
        }
        return out;
    }

    /** The stub, attaching {@code trace} to its calls when there is one. */
    static <S extends AbstractStub<S>> S attach(S stub, TraceContext trace) {
        if (trace == null) {
            return stub;
        }
        Metadata m = new Metadata();
        m.put(KEY, trace.header());
        if (!trace.state().isEmpty()) {
            m.put(STATE, trace.state());
        }
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }
}
