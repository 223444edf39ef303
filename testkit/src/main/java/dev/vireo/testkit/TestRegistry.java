package dev.vireo.testkit;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.plugin.Selection;
import dev.vireo.api.plugin.SelectionListener;
import dev.vireo.api.plugin.UnknownPluginException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A plugin registry for unit tests: plugins put in by hand, swaps announced to listeners as the kernel does. */
public final class TestRegistry implements PluginRegistry {
    final Map<Class<?>, Map<String, Object>> active = new java.util.HashMap<>();
    final List<SelectionListener> listeners = new CopyOnWriteArrayList<>();

    public <T> TestRegistry put(Class<T> type, String name, T plugin) {
        ExtensionPoint point = ExtensionPoint.of(type);
        Map<String, Object> m = active.computeIfAbsent(type, k -> new LinkedHashMap<>());
        if (!point.multiple()) {
            m.clear();
        }
        m.put(name, plugin);
        return this;
    }

    /** Takes a plugin out (as when its bundle stops), without telling listeners. */
    public <T> TestRegistry remove(Class<T> type, String name) {
        active.getOrDefault(type, new LinkedHashMap<>()).remove(name);
        return this;
    }

    /** Swaps a single point's plugin and tells listeners, as the kernel does. */
    public <T> void swap(Class<T> type, String name, T plugin) {
        put(type, name, plugin);
        listeners.forEach(l -> l.selectionChanged(ExtensionPoint.of(type), List.of(), List.of(name)));
    }

    @Override
    public <T> T active(Class<T> type) {
        Map<String, Object> m = active.getOrDefault(type, Map.of());
        if (m.isEmpty()) {
            throw new UnknownPluginException("no active " + ExtensionPoint.of(type).id() + " plugin");
        }
        return type.cast(m.values().iterator().next());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> activeAll(Class<T> type) {
        return (Map<String, T>) Map.copyOf(active.getOrDefault(type, Map.of()));
    }

    @Override
    public <T> T get(Class<T> type, String name) {
        Object o = active.getOrDefault(type, Map.of()).get(name);
        if (o == null) {
            throw new UnknownPluginException("unknown " + name);
        }
        return type.cast(o);
    }

    @Override
    public List<PluginInfo> plugins() {
        return List.of();
    }

    @Override
    public List<Selection> selections() {
        return List.of();
    }

    @Override
    public Selection selection(ExtensionPoint point) {
        List<String> names = List.copyOf(active.getOrDefault(point.type(), Map.of()).keySet());
        return new Selection(point, names, List.of(), names, List.of(), false);
    }

    @Override
    public Selection use(ExtensionPoint point, List<String> names) {
        throw new UnsupportedOperationException();
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
