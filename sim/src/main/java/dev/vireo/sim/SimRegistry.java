package dev.vireo.sim;

import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.plugin.Selection;
import dev.vireo.api.plugin.SelectionListener;
import dev.vireo.api.plugin.UnknownPluginException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The plugin registry of one simulated worker (or of the controller): the same contract as the kernel's, over
 * plugins made from the {@link Catalog} on first use, each worker with its own instances (its own resource trackers,
 * its own simulated backend). {@link #use} swaps a single point and tells listeners, as the console does live.
 *
 * <p>Threading: confined to the simulation's event loop.
 */
final class SimRegistry implements PluginRegistry {
    private final Catalog catalog;
    private final Map<ExtensionPoint, List<String>> configured;
    private final Map<ExtensionPoint, List<String>> overrides = new EnumMap<>(ExtensionPoint.class);
    private final Set<ExtensionPoint> required;
    private final Function<Catalog.Plugin, Object> factory;
    private final Map<String, Object> instances = new HashMap<>();
    /** activeAll's answer per point until the selection changes (the worker asks on every invocation). */
    private final Map<ExtensionPoint, Map<String, Object>> activeCache = new EnumMap<>(ExtensionPoint.class);
    private final List<SelectionListener> listeners = new ArrayList<>();

    /**
     * @param configured the names in force per point (checked: unknown names fail listing the installed ones)
     * @param factory    makes one plugin (the simulation's services and configuration)
     */
    SimRegistry(Catalog catalog, Map<ExtensionPoint, List<String>> configured, Set<ExtensionPoint> required,
            Function<Catalog.Plugin, Object> factory) {
        this.catalog = catalog;
        this.required = Set.copyOf(required);
        this.factory = factory;
        this.configured = new EnumMap<>(ExtensionPoint.class);
        for (ExtensionPoint p : ExtensionPoint.values()) {
            List<String> names = configured.getOrDefault(p, List.of());
            check(p, names);
            this.configured.put(p, List.copyOf(names));
        }
    }

    private void check(ExtensionPoint point, List<String> names) {
        if (!point.multiple() && names.size() > 1) {
            throw new UnknownPluginException(point.id() + " takes exactly one plugin, got " + names.size() + ": "
                    + String.join(", ", names) + "; installed: " + catalog.names(point));
        }
        for (String n : names) {
            if (!FunctionSpec.PLUGIN_NAME.matcher(n).matches() || !catalog.of(point).containsKey(n)) {
                throw new UnknownPluginException("unknown " + point.id() + " plugin '" + n + "'; installed: "
                        + catalog.names(point));
            }
        }
    }

    private List<String> effective(ExtensionPoint p) {
        List<String> o = overrides.get(p);
        return o != null ? o : configured.get(p);
    }

    private Object instance(ExtensionPoint p, String name) {
        String key = p.id() + "/" + name;
        Object o = instances.get(key);
        if (o == null) {
            o = factory.apply(catalog.of(p).get(name));
            instances.put(key, o);
        }
        return o;
    }

    @Override
    public <T> T active(Class<T> type) {
        ExtensionPoint p = ExtensionPoint.of(type);
        List<String> names = effective(p);
        if (names.isEmpty()) {
            throw new UnknownPluginException("no " + p.id() + " plugin is selected (" + p.configKey()
                    + " in vireo.kernel.cfg); installed: " + catalog.names(p));
        }
        return type.cast(instance(p, names.get(0)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> activeAll(Class<T> type) {
        ExtensionPoint p = ExtensionPoint.of(type);
        Map<String, Object> cached = activeCache.get(p);
        if (cached == null) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (String n : effective(p)) {
                out.put(n, type.cast(instance(p, n)));
            }
            cached = java.util.Collections.unmodifiableMap(out);
            activeCache.put(p, cached);
        }
        return (Map<String, T>) cached;
    }

    @Override
    public <T> T get(Class<T> type, String name) {
        ExtensionPoint p = ExtensionPoint.of(type);
        if (!catalog.of(p).containsKey(name)) {
            throw new UnknownPluginException("unknown " + p.id() + " plugin '" + name + "'; installed: "
                    + catalog.names(p));
        }
        return type.cast(instance(p, name));
    }

    @Override
    public List<PluginInfo> plugins() {
        List<PluginInfo> out = new ArrayList<>();
        for (ExtensionPoint p : ExtensionPoint.values()) {
            for (Catalog.Plugin c : catalog.of(p).values()) {
                out.add(new PluginInfo(p, c.name(), c.description(), c.source(), effective(p).contains(c.name()),
                        false));
            }
        }
        return out;
    }

    @Override
    public List<Selection> selections() {
        List<Selection> out = new ArrayList<>();
        for (ExtensionPoint p : ExtensionPoint.values()) {
            out.add(selection(p));
        }
        return out;
    }

    @Override
    public Selection selection(ExtensionPoint point) {
        return new Selection(point, configured.get(point), overrides.getOrDefault(point, List.of()), effective(point),
                List.of(), required.contains(point));
    }

    @Override
    public Selection use(ExtensionPoint point, List<String> names) {
        check(point, names);
        List<String> before = effective(point);
        if (names.isEmpty() || names.equals(configured.get(point))) {
            overrides.remove(point);
        } else {
            overrides.put(point, List.copyOf(names));
        }
        List<String> after = effective(point);
        activeCache.remove(point);
        if (!after.equals(before)) {
            for (SelectionListener l : List.copyOf(listeners)) {
                l.selectionChanged(point, before, after);
            }
        }
        return selection(point);
    }

    @Override
    public boolean ready() {
        return true;
    }

    @Override
    public AutoCloseable addListener(SelectionListener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
