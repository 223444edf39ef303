package dev.vireo.backend.support;

/** How a function's memory size applies to its container: a hard limit (OOM kill past it), a reservation, or none. */
public enum MemoryCap {
    HARD, SOFT, NONE;

    /** hard, soft or none (any case); anything else is an error listing them. */
    public static MemoryCap parse(String value) {
        for (MemoryCap c : values()) {
            if (c.name().equalsIgnoreCase(value.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("memory.cap '" + value + "' is not one of hard, soft, none");
    }
}
