package dev.vireo.api.plugin;

import java.util.Objects;

/**
 * One registered plugin, as the console and status show it.
 *
 * @param point       its extension point
 * @param name        its {@link PluginName}
 * @param description its {@link PluginDescription}, possibly empty
 * @param bundle      symbolic name and version of the bundle that provides it
 * @param active      whether it is currently selected
 * @param duplicate   true for a second plugin with a name already taken in this point (it is never used)
 */
public record PluginInfo(ExtensionPoint point, String name, String description, String bundle, boolean active,
        boolean duplicate) {
    public PluginInfo {
        Objects.requireNonNull(point, "point");
        Objects.requireNonNull(name, "name");
        description = Objects.requireNonNullElse(description, "");
        bundle = Objects.requireNonNullElse(bundle, "");
    }
}
