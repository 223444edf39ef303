package dev.vireo.api.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where a function computes. */
public enum Compute {
    CPU,
    GPU;

    /** Parses "cpu" or "gpu" (any case); anything else is a {@link ValidationException} listing the choices. */
    public static Compute parse(String value) {
        if (value != null) {
            for (Compute c : values()) {
                if (c.name().equalsIgnoreCase(value.trim())) {
                    return c;
                }
            }
        }
        throw new ValidationException("compute", "'" + value + "' is unknown; choose one of "
                + Arrays.stream(values()).map(c -> c.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
    }
}
