package dev.vireo.api.plugin;

import java.util.List;
import java.util.Objects;

/**
 * The selection of one extension point.
 *
 * @param point      the extension point
 * @param configured the names configuration asks for ({@code vireo.kernel} file or environment)
 * @param override   names chosen at runtime with {@code vireo:use}, empty when configuration rules
 * @param effective  the names in force now: the override if all its plugins are present, else the configured ones
 * @param missing    effective names with no registered plugin (the point is not ready while this is not empty)
 * @param required   whether this role needs the point (points outside the role may stay empty)
 */
public record Selection(ExtensionPoint point, List<String> configured, List<String> override, List<String> effective,
        List<String> missing, boolean required) {
    public Selection {
        Objects.requireNonNull(point, "point");
        configured = List.copyOf(configured);
        override = List.copyOf(override);
        effective = List.copyOf(effective);
        missing = List.copyOf(missing);
    }

    /**
     * A point this role needs is ready when it has at least one plugin in force and none missing. A point outside the
     * role never holds the kernel back (the controller does not need a queue policy installed).
     */
    public boolean ready() {
        return !required || (missing.isEmpty() && !effective.isEmpty());
    }
}
