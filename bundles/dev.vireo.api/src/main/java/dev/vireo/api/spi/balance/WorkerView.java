package dev.vireo.api.spi.balance;

import java.util.Objects;

/**
 * A worker as the controller sees it at one moment.
 *
 * @param id        worker name, unique in the cluster
 * @param address   where its API listens
 * @param running   invocations running
 * @param queued    invocations waiting
 * @param slots     how many invocations it runs at once (its concurrency limit)
 * @param inFlight  invocations the controller has sent it that have not returned
 * @param healthy   whether it answers heartbeats
 */
public record WorkerView(String id, String address, int running, int queued, int slots, int inFlight, boolean healthy) {
    public WorkerView {
        Objects.requireNonNull(id, "id");
        address = Objects.requireNonNullElse(address, "");
    }

    /** Load as a fraction of capacity: (running + queued + in flight) / slots. */
    public double load() {
        return (double) (running + queued + inFlight) / Math.max(1, slots);
    }
}
