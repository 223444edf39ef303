package dev.vireo.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The floor of a hop in front of a worker: a gRPC server that hands every unary call on to the worker as it came,
 * bytes in and bytes out (no protobuf decoding, no re-encoding, no executor: everything runs on netty's event-loop
 * threads, the server's and the channel's, as in the controller), in a JVM of its own like a controller. {@code ./vireo bench controller} measures the same load through it
 * beside the direct path and the controller: what a controller could cost at best with gRPC on this machine.
 *
 * <p>Run as {@code java -cp ... dev.vireo.bench.GrpcRelay TARGET}; prints {@code relay listening on PORT}, and exits
 * when its standard input ends (the benchmark that started it is gone).
 */
public final class GrpcRelay {
    private GrpcRelay() {
    }

    /** Bytes as they are. */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** A server on a free loopback port that relays every unary method to {@code target}. */
    public static Server start(String target) throws IOException {
        ManagedChannel out = NettyChannelBuilder.forTarget(target).usePlaintext().directExecutor()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        Map<String, ServerMethodDefinition<byte[], byte[]>> methods = new ConcurrentHashMap<>();
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                .maxInboundMessageSize(64 * 1024 * 1024)
                .fallbackHandlerRegistry(new io.grpc.HandlerRegistry() {
                    @Override
                    public ServerMethodDefinition<?, ?> lookupMethod(String name, String authority) {
                        return methods.computeIfAbsent(name, n -> relay(n, out));
                    }
                }).build().start();
    }

    private static ServerMethodDefinition<byte[], byte[]> relay(String name, ManagedChannel out) {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(name)
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        ServerCallHandler<byte[], byte[]> handler = io.grpc.stub.ServerCalls.asyncUnaryCall(
                (byte[] request, StreamObserver<byte[]> reply) -> ClientCalls.asyncUnaryCall(
                        out.newCall(method, CallOptions.DEFAULT), request, reply));
        return ServerMethodDefinition.create(method, handler);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GrpcRelay TARGET");
            System.exit(2);
        }
        Server server = start(args[0]);
        System.out.println("relay listening on " + server.getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent writes nothing; its end of the pipe closes when it exits, however it exits
        }
        server.shutdownNow();
        System.exit(0);
    }
}
