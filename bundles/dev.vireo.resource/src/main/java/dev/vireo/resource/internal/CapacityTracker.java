package dev.vireo.resource.internal;

import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.resource.ResourceUsage;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A tracker of one divisible quantity with a capacity. The check and the update are one step under one monitor, so
 * the outstanding total never exceeds the capacity under any interleaving. Grants are tracked by identity: releasing
 * the same grant twice releases once, and two equal-looking grants are two grants.
 */
abstract class CapacityTracker implements ResourceTracker {
    private static final double EPSILON = 1e-9;

    private final String resource;
    private final String unit;
    private final Set<ResourceGrant> outstanding = Collections.newSetFromMap(new IdentityHashMap<>());
    private double capacity;
    private double used;
    private double peak;

    CapacityTracker(String resource, String unit, double capacity) {
        this.resource = resource;
        this.unit = unit;
        this.capacity = capacity;
    }

    /** How much of this resource the request needs (0 if none). */
    abstract double amount(ResourceRequest request);

    @Override
    public Optional<ResourceGrant> tryAcquire(ResourceRequest request) {
        double amount = amount(request);
        if (amount == 0) {
            return Optional.of(new ResourceGrant(resource, request.tid(), 0, Map.of()));
        }
        synchronized (this) {
            if (used + amount > capacity + EPSILON) {
                return Optional.empty();
            }
            used += amount;
            peak = Math.max(peak, used);
            ResourceGrant grant = new ResourceGrant(resource, request.tid(), amount, Map.of());
            outstanding.add(grant);
            return Optional.of(grant);
        }
    }

    @Override
    public void release(ResourceGrant grant) {
        if (grant.amount() == 0) {
            return;
        }
        synchronized (this) {
            if (outstanding.remove(grant)) {
                used = Math.max(0, used - grant.amount());
            }
        }
    }

    @Override
    public synchronized ResourceUsage usage() {
        return new ResourceUsage(resource, unit, capacity, used, Map.of("grants", (double) outstanding.size(),
                "peak", peak));
    }

    @Override
    public Optional<String> impossible(ResourceRequest request) {
        double amount = amount(request);
        double cap;
        synchronized (this) {
            cap = capacity;
        }
        return amount > cap + EPSILON
                ? Optional.of("needs " + format(amount) + " " + unit + " of " + resource + " but the worker has "
                        + format(cap) + " " + unit + " in all")
                : Optional.empty();
    }

    /** A new capacity; outstanding grants stay (use may exceed a lowered capacity until they are released). */
    synchronized void capacity(double next) {
        capacity = next;
    }

    private static String format(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
