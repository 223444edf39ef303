package dev.vireo.api.cluster;

import java.time.Instant;
import java.util.Objects;

/**
 * One worker as the controller sees it.
 *
 * @param name         worker name
 * @param address      its gRPC address
 * @param healthy      answering heartbeats (a worker that misses them, or fails a call, is taken out)
 * @param running      invocations running at its last status
 * @param queued       invocations queued at its last status
 * @param slots        invocations it runs at once (its concurrency limit)
 * @param inFlight     invocations the controller has sent it that have not returned
 * @param sent         invocations the controller has sent it since it joined
 * @param failures     heartbeats or calls that failed in a row
 * @param functions    functions registered on it at its last status
 * @param lastSeen     when it last answered, on the controller's clock calendar
 * @param reason       why it is out, empty when healthy
 */
public record WorkerMember(String name, String address, boolean healthy, int running, int queued, int slots,
        int inFlight, long sent, int failures, int functions, Instant lastSeen, String reason) {
    public WorkerMember {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(lastSeen, "lastSeen");
        reason = Objects.requireNonNullElse(reason, "");
    }

    /** Load as a fraction of capacity: (running + queued + in flight) / slots. */
    public double load() {
        return (double) (running + queued + inFlight) / Math.max(1, slots);
    }
}
