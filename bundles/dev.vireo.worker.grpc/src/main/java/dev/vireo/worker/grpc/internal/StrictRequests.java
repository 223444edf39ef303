package dev.vireo.worker.grpc.internal;

import dev.vireo.api.model.ErrorKind;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A service whose requests are parsed here rather than by grpc-java. grpc-java answers a request that fails to parse
 * (malformed protobuf, a string field that is not UTF-8) with {@code UNKNOWN: Application error processing RPC} and
 * logs a SEVERE stack trace; here it is {@code INVALID_ARGUMENT} with a message and the {@code vireo-error-kind}
 * trailer {@code INVALID_REQUEST}, as the HTTP API answers a body it cannot read, and no handler runs. Each method is
 * rebound with a pass-through request marshaller (as grpc-java's {@code ServerInterceptors.useMarshalledMessages}
 * does, since a service definition insists on its descriptor's own method instances); responses are untouched.
 */
final class StrictRequests {
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                // gRPC's message streams know their length (available() is what is left): read exactly that, where
                // readAllBytes() would take a 16 KiB buffer for every request, most of the worker's allocation per
                // invocation (JFR, ./vireo bench scaling); a stream that does not say reads on to its end
                byte[] known = new byte[Math.max(0, stream.available())];
                int read = stream.readNBytes(known, 0, known.length); // in place: readNBytes(n) reads through chunks
                if (read < known.length) { // it said more than there was
                    return java.util.Arrays.copyOf(known, read);
                }
                int next = stream.read();
                if (next < 0) {
                    return known;
                }
                byte[] rest = stream.readAllBytes();
                byte[] all = java.util.Arrays.copyOf(known, known.length + 1 + rest.length);
                all[known.length] = (byte) next;
                System.arraycopy(rest, 0, all, known.length + 1, rest.length);
                return all;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private StrictRequests() {
    }

    static ServerServiceDefinition wrap(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        List<ServerMethodDefinition<byte[], ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            ServerMethodDefinition<byte[], ?> wrapped = wrap(m);
            methods.add(wrapped);
            descriptor.addMethod(wrapped.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(b::addMethod);
        return b.build();
    }

    /**
     * The request from its bytes: with the message's own parser where the method's marshaller is protobuf's (straight
     * from the array; through an InputStream protobuf would take a 4 KiB buffer per request), else the marshaller's.
     */
    @SuppressWarnings("unchecked")
    private static <Q> Q parse(MethodDescriptor<Q, ?> method, byte[] message)
            throws com.google.protobuf.InvalidProtocolBufferException {
        if (method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> p
                && p.getMessagePrototype() instanceof com.google.protobuf.MessageLite prototype) {
            return (Q) prototype.getParserForType().parseFrom(message);
        }
        return method.parseRequest(new ByteArrayInputStream(message));
    }

    private static <Q, R> ServerMethodDefinition<byte[], R> wrap(ServerMethodDefinition<Q, R> definition) {
        MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
        MethodDescriptor<byte[], R> bytes = method.toBuilder(BYTES, method.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = definition.getServerCallHandler();
        return ServerMethodDefinition.create(bytes, (call, headers) -> {
            ServerCall.Listener<Q> inner = handler.startCall(new Typed<>(call, method), headers);
            return new ServerCall.Listener<>() {
                private boolean refused;

                @Override
                public void onMessage(byte[] message) {
                    if (refused) {
                        return;
                    }
                    Q request;
                    try {
                        request = parse(method, message);
                    } catch (RuntimeException | com.google.protobuf.InvalidProtocolBufferException e) {
                        refused = true;
                        Throwable why = e.getCause() != null ? e.getCause() : e;
                        Metadata trailers = new Metadata();
                        trailers.put(Messages.ERROR_KIND, ErrorKind.INVALID_REQUEST.name());
                        call.close(io.grpc.Status.INVALID_ARGUMENT.withDescription("request: not a valid protobuf"
                                + " message for " + method.getFullMethodName() + ": " + why.getMessage()), trailers);
                        return;
                    }
                    inner.onMessage(request);
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        inner.onHalfClose();
                    }
                }

                @Override
                public void onCancel() {
                    inner.onCancel();
                }

                @Override
                public void onComplete() {
                    inner.onComplete();
                }

                @Override
                public void onReady() {
                    if (!refused) {
                        inner.onReady();
                    }
                }
            };
        });
    }

    /** The call as the handler expects it: typed requests (it never sees a request through the call itself). */
    private static final class Typed<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<byte[], R> call;
        private final MethodDescriptor<Q, R> method;

        Typed(ServerCall<byte[], R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void close(io.grpc.Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public io.grpc.Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public io.grpc.SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
