package dev.vireo.controller.internal;

import dev.vireo.api.cluster.RemoteWorker;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.spi.balance.WorkerView;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.WorkerStatus;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker as the controller knows it: how to reach it, its last status, whether it is in service (and if not,
 * why), and the invocations sent to it and not back yet.
 *
 * <p>Threading: fields written under the member's lock or atomically, read without.
 */
final class Member {
    /** An invocation sent to the member and not back yet: failed over when the member is taken out. */
    record Attempt(CompletableFuture<InvocationRecord> reply) {
    }

    final String name;
    final String address;
    final RemoteWorker remote;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong sent = new AtomicLong();
    final Set<Attempt> attempts = ConcurrentHashMap.newKeySet();
    volatile boolean healthy;
    volatile boolean closed;
    volatile int failures;
    volatile String reason = "joining";
    volatile long lastSeenNanos;
    volatile WorkerStatus status;

    Member(String name, String address, RemoteWorker remote) {
        this.name = name;
        this.address = address;
        this.remote = remote;
    }

    /** Invocations it runs at once: its concurrency resource's capacity, 1 until it reports one. */
    int slots() {
        WorkerStatus s = status;
        if (s == null) {
            return 1;
        }
        for (ResourceUsage u : s.resources()) {
            if (u.resource().equals("concurrency")) {
                return (int) Math.max(1, u.capacity());
            }
        }
        return 1;
    }

    /** What a balancer sees of it. */
    WorkerView view() {
        WorkerStatus s = status;
        return new WorkerView(name, address, s == null ? 0 : s.running(), s == null ? 0 : s.queued(), slots(),
                inFlight.get(), healthy);
    }

    /** What the cluster API shows of it; {@code seen} is when it last answered ({@link Instant#EPOCH}: never). */
    WorkerMember describe(Instant seen) {
        WorkerStatus s = status;
        return new WorkerMember(name, address, healthy, s == null ? 0 : s.running(), s == null ? 0 : s.queued(),
                slots(), inFlight.get(), sent.get(), failures, s == null ? 0 : s.functions(), seen,
                healthy ? "" : reason);
    }

    /** Stops using it for good (it left, was replaced or the controller closes). */
    void close() {
        closed = true;
        remote.close();
    }
}
