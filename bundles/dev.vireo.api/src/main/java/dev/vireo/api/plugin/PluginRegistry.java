package dev.vireo.api.plugin;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The kernel's registry over every plugin of every extension point. Core code never holds a plugin: it asks the
 * registry each time (the answer is a lock-free read), so a swap takes effect for the next piece of work while work
 * in flight finishes on the plugin it started with.
 *
 * <p>Threading: every method is safe from any thread. Reads never block.
 */
@ProviderType
public interface PluginRegistry {

    /**
     * The active plugin of a single extension point.
     *
     * @throws UnknownPluginException if no plugin is active, with a message saying what is configured and what exists
     */
    <T> T active(Class<T> type);

    /** The active plugins of an extension point by name, in configuration order; empty if none. */
    <T> Map<String, T> activeAll(Class<T> type);

    /**
     * A registered plugin by name, active or not.
     *
     * @throws UnknownPluginException listing the plugins of that point
     */
    <T> T get(Class<T> type, String name);

    /** Every registered plugin, by extension point then name. */
    List<PluginInfo> plugins();

    /** The selection of every extension point. */
    List<Selection> selections();

    /** The selection of one extension point. */
    Selection selection(ExtensionPoint point);

    /**
     * Selects plugins at runtime, overriding configuration until the configuration of that point changes or a
     * selected plugin goes away (then configuration rules again). A single point takes exactly one name; an empty
     * list drops the override.
     *
     * @throws UnknownPluginException if a name is unknown, given twice, or several are given to a single point;
     *                                nothing changes then
     */
    Selection use(ExtensionPoint point, List<String> names);

    /** True when every required point has its selected plugins. */
    boolean ready();

    /** Registers a listener; closing the handle removes it. */
    AutoCloseable addListener(SelectionListener listener);

    /**
     * What is in force at every extension point that has something: the point's id to its plugins' names,
     * comma-separated, in order (the configuration's choice unless an environment variable or {@link #use} changed
     * it).
     *
     * @since 1.1
     */
    default Map<String, String> inForce() {
        Map<String, String> out = new java.util.TreeMap<>();
        for (ExtensionPoint p : ExtensionPoint.values()) {
            List<String> effective = selection(p).effective();
            if (!effective.isEmpty()) {
                out.put(p.id(), String.join(",", effective));
            }
        }
        return out;
    }

    /**
     * {@link #use} for a remote caller (the API's {@code PUT /policies/POINT}): one plugin at one of the points
     * {@code allowed} here.
     *
     * @return what is in force at every point afterwards ({@link #inForce})
     * @throws dev.vireo.api.model.ValidationException naming {@code point} (not one of {@code allowed}, listing them)
     *                                                 or {@code use} (a plugin this node does not have, listing those
     *                                                 it has)
     * @since 1.1
     */
    default Map<String, String> use(String point, String plugin, java.util.Set<ExtensionPoint> allowed) {
        ExtensionPoint p = null;
        for (ExtensionPoint a : allowed) {
            if (a.id().equals(point)) {
                p = a;
            }
        }
        if (p == null) {
            throw new dev.vireo.api.model.ValidationException("point", "'" + point + "' is not a point this node puts"
                    + " plugins in force at; use " + allowed.stream().map(ExtensionPoint::id).sorted()
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        if (plugin == null || plugin.isBlank()) {
            throw new dev.vireo.api.model.ValidationException("use", "a plugin's name is required");
        }
        try {
            use(p, List.of(plugin.strip()));
        } catch (UnknownPluginException e) {
            throw new dev.vireo.api.model.ValidationException("use", e.getMessage());
        }
        return inForce();
    }
}
