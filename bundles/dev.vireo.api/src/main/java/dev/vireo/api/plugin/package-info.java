/**
 * The plugin kernel's contract: the extension points, how a plugin names itself ({@link
 * dev.vireo.api.plugin.PluginName}), and the {@link dev.vireo.api.plugin.PluginRegistry} through which core code
 * reaches whichever plugins configuration selected.
 *
 * <p>1.1: {@link dev.vireo.api.plugin.PluginRegistry#inForce()} and
 * {@link dev.vireo.api.plugin.PluginRegistry#use(String, String, java.util.Set)} (a remote caller's use).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.vireo.api.plugin;
