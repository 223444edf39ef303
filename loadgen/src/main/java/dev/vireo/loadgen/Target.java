package dev.vireo.loadgen;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.vireo.grpc.v1.FunctionSpec;
import dev.vireo.grpc.v1.HealthRequest;
import dev.vireo.grpc.v1.InvokeReply;
import dev.vireo.grpc.v1.InvokeRequest;
import dev.vireo.grpc.v1.RegisterRequest;
import dev.vireo.grpc.v1.WorkerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A worker or controller reached over gRPC (both serve vireo.worker.v1.Worker). */
final class Target implements AutoCloseable {
    final String address;
    private final ManagedChannel channel;
    private final WorkerGrpc.WorkerFutureStub async;
    private final WorkerGrpc.WorkerBlockingStub blocking;
    private final long startNanos;

    /** Connects and checks the target answers; an unreachable target is a clear error at once. */
    Target(String address, long startNanos) {
        if (!address.matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
            throw new IllegalArgumentException("--target '" + address + "' is not host:port (the gRPC API of a worker"
                    + " or controller, e.g. 127.0.0.1:8081)");
        }
        this.address = address;
        this.startNanos = startNanos;
        this.channel = NettyChannelBuilder.forTarget(address).usePlaintext().maxInboundMessageSize(64 << 20).build();
        this.async = WorkerGrpc.newFutureStub(channel);
        this.blocking = WorkerGrpc.newBlockingStub(channel);
        try {
            String who = blocking.withDeadlineAfter(5, TimeUnit.SECONDS).health(HealthRequest.getDefaultInstance())
                    .getWorker();
            if (who.isEmpty()) {
                throw new IllegalStateException("answered without a name");
            }
        } catch (RuntimeException e) {
            channel.shutdownNow();
            throw new IllegalArgumentException("cannot reach the target " + address + ": " + describe(e)
                    + " (is a worker or controller running there? its gRPC port is in vireo.worker.grpc.cfg)");
        }
    }

    static String describe(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            Status st = s.getStatus();
            return st.getCode() + (st.getDescription() == null ? "" : ": " + st.getDescription())
                    + (st.getCause() == null ? "" : " (" + st.getCause().getMessage() + ")");
        }
        return String.valueOf(e.getMessage());
    }

    /** Registers a function; one that exists already is fine (reruns against the same target). */
    void register(FunctionSpec spec) {
        try {
            blocking.withDeadlineAfter(30, TimeUnit.SECONDS).register(RegisterRequest.newBuilder().setSpec(spec).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw new IllegalArgumentException("the target refused function " + spec.getName() + ": " + describe(e));
            }
        }
    }

    long micros() {
        return (System.nanoTime() - startNanos) / 1_000;
    }

    /** Sends one invocation; the future always completes with a row (failures are rows too). */
    CompletableFuture<Row> invoke(String tid, String function, String traceFunction, String payload, int clients,
            long scheduledUs) {
        CompletableFuture<Row> out = new CompletableFuture<>();
        long sent = micros();
        long sentNanos = System.nanoTime();
        var call = async.invoke(InvokeRequest.newBuilder().setTid(tid).setFunctionId(function).setPayload(payload)
                .setEnhanced(true).build());
        Futures.addCallback(call, new FutureCallback<InvokeReply>() {
            @Override
            public void onSuccess(InvokeReply r) {
                long took = (System.nanoTime() - sentNanos) / 1_000;
                var rec = r.getRecord();
                var t = rec.getTimings();
                var g = rec.getRouting();
                out.complete(new Row(tid, function, traceFunction, clients, scheduledUs < 0 ? sent : scheduledUs, sent,
                        took, r.getSuccess(), r.hasError() ? r.getError().getKind() : "",
                        r.hasError() ? r.getError().getMessage() : "", rec.getWorker(), rec.getState(), t.getQueuedUs(),
                        t.getAcquireUs(), t.getColdStartUs(), t.getTransportUs(), t.getExecutionUs(), t.getE2EUs(),
                        g.getAttempts(), g.getPickUs(), g.getForwardUs(), g.getE2EUs()));
            }

            @Override
            public void onFailure(Throwable e) {
                long took = (System.nanoTime() - sentNanos) / 1_000;
                String kind = e instanceof StatusRuntimeException s
                        ? java.util.Objects.requireNonNullElse(s.getTrailers() == null ? null
                                : s.getTrailers().get(io.grpc.Metadata.Key.of("vireo-error-kind",
                                        io.grpc.Metadata.ASCII_STRING_MARSHALLER)), s.getStatus().getCode().name())
                        : "CLIENT";
                out.complete(new Row(tid, function, traceFunction, clients, scheduledUs < 0 ? sent : scheduledUs, sent,
                        took, false, kind, describe(e), "", "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
            }
        }, MoreExecutors.directExecutor());
        return out;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
