package dev.vireo.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vireo.grpc.v1.PingReply;
import dev.vireo.grpc.v1.PingRequest;
import dev.vireo.grpc.v1.StatusReply;
import dev.vireo.grpc.v1.StatusRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The relay hands calls and their failures through unchanged, whatever the method. */
class GrpcRelayTest {
    @Test
    void callsAndFailuresPassThroughAsTheyAre() throws Exception {
        Server worker = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new WorkerGrpc.WorkerImplBase() {
                    @Override
                    public void ping(PingRequest request, StreamObserver<PingReply> reply) {
                        reply.onNext(PingReply.newBuilder().setPayload(com.google.protobuf.ByteString.copyFromUtf8(
                                "pong " + request.getPayload().toStringUtf8())).build());
                        reply.onCompleted();
                    }

                    @Override
                    public void status(StatusRequest request, StreamObserver<StatusReply> reply) {
                        reply.onError(Status.RESOURCE_EXHAUSTED.withDescription("queue full").asRuntimeException());
                    }
                }).build().start();
        Server relay = GrpcRelay.start("127.0.0.1:" + worker.getPort());
        ManagedChannel ch = NettyChannelBuilder.forTarget("127.0.0.1:" + relay.getPort()).usePlaintext().build();
        try {
            WorkerGrpc.WorkerBlockingStub stub = WorkerGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertEquals("pong x", stub.ping(PingRequest.newBuilder()
                    .setPayload(com.google.protobuf.ByteString.copyFromUtf8("x")).build()).getPayload().toStringUtf8());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub.status(StatusRequest.getDefaultInstance()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertEquals("queue full", e.getStatus().getDescription());
        } finally {
            ch.shutdownNow();
            relay.shutdownNow();
            worker.shutdownNow();
        }
    }
}
