package dev.vireo.api.spi.resource;

import java.util.Map;
import java.util.Objects;

/**
 * A granted share of a resource. Identity matters: release the very grant you received.
 *
 * @param resource   the tracker's name
 * @param tid        transaction id of the request
 * @param amount     how much was granted, in the tracker's unit
 * @param assignment concrete devices, e.g. {@code gpu -> "0"}
 */
public record ResourceGrant(String resource, String tid, double amount, Map<String, String> assignment) {
    public ResourceGrant {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(tid, "tid");
        assignment = Map.copyOf(Objects.requireNonNullElse(assignment, Map.of()));
    }
}
