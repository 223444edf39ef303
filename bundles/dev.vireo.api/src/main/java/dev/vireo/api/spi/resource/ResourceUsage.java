package dev.vireo.api.spi.resource;

import java.util.Map;
import java.util.Objects;

/**
 * A tracker's state.
 *
 * @param resource the tracker's name
 * @param unit     the unit of capacity and use (cores, MB, invocations, gpus)
 * @param capacity the total
 * @param used     outstanding grants
 * @param detail   further numbers (e.g. running vs cached memory)
 */
public record ResourceUsage(String resource, String unit, double capacity, double used, Map<String, Double> detail) {
    public ResourceUsage {
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(unit, "unit");
        detail = Map.copyOf(Objects.requireNonNullElse(detail, Map.of()));
    }
}
