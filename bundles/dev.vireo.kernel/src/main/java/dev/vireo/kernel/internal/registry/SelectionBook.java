package dev.vireo.kernel.internal.registry;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.Selection;
import dev.vireo.api.plugin.UnknownPluginException;
import dev.vireo.api.model.FunctionSpec;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The selection logic of the kernel, free of OSGi so it can be tested directly: which plugins exist, what
 * configuration asks for, what the console chose, and from that which plugins are in force.
 *
 * <p>Rules: an override from the console wins while all its plugins exist; when one goes away the override is dropped
 * and configuration rules again. A configuration change of a point drops that point's override. Of two plugins with
 * one name in one point, the earlier registration is used and the later is reported as a duplicate.
 *
 * <p>Threading: every method is synchronized; {@link #snapshot()} returns an immutable view.
 */
final class SelectionBook {

    /** An immutable view of the book at one moment. */
    record Snapshot(Map<ExtensionPoint, Selection> selections, Map<ExtensionPoint, Map<String, Plugin>> effective,
            Map<ExtensionPoint, Map<String, Plugin>> byName, List<PluginInfo> plugins) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), List.of());

        boolean ready() {
            return selections.values().stream().allMatch(Selection::ready);
        }
    }

    private final Map<ExtensionPoint, List<Plugin>> plugins = new EnumMap<>(ExtensionPoint.class);
    private final Map<ExtensionPoint, List<String>> configured = new EnumMap<>(ExtensionPoint.class);
    private final Map<ExtensionPoint, List<String>> overrides = new EnumMap<>(ExtensionPoint.class);
    private final Set<ExtensionPoint> required;

    SelectionBook(Set<ExtensionPoint> required) {
        this.required = Set.copyOf(required);
        for (ExtensionPoint p : ExtensionPoint.values()) {
            plugins.put(p, new ArrayList<>());
            configured.put(p, List.of());
        }
    }

    synchronized void add(Plugin plugin) {
        plugins.get(plugin.point()).add(plugin);
        plugins.get(plugin.point()).sort((a, b) -> Long.compare(a.serviceId(), b.serviceId()));
    }

    /**
     * Removes a plugin (from every point it served). If it was part of a console override, the override is dropped.
     *
     * @return the overrides that were dropped, by point
     */
    synchronized Map<ExtensionPoint, List<String>> remove(long serviceId) {
        Map<ExtensionPoint, List<String>> dropped = new EnumMap<>(ExtensionPoint.class);
        for (var e : plugins.entrySet()) {
            ExtensionPoint point = e.getKey();
            if (e.getValue().removeIf(p -> p.serviceId() == serviceId)) {
                List<String> override = overrides.getOrDefault(point, List.of());
                if (!override.isEmpty() && !names(point).containsAll(override)) {
                    overrides.remove(point);
                    dropped.put(point, override);
                }
            }
        }
        return dropped;
    }

    /**
     * Checks a configuration and puts it in force; an invalid one changes nothing. Names not installed are allowed
     * (their bundle may come later) and show up as missing.
     *
     * @return the points whose configuration changed
     * @throws UnknownPluginException if a name is malformed, given twice, or several are given to a single point
     */
    synchronized Set<ExtensionPoint> configure(Map<ExtensionPoint, List<String>> config) {
        for (var e : config.entrySet()) {
            check(e.getKey(), e.getValue(), false);
        }
        Set<ExtensionPoint> changed = new HashSet<>();
        for (ExtensionPoint p : ExtensionPoint.values()) {
            List<String> next = List.copyOf(config.getOrDefault(p, List.of()));
            if (!next.equals(configured.get(p))) {
                configured.put(p, next);
                overrides.remove(p);
                changed.add(p);
            }
        }
        return changed;
    }

    /** Console selection: every name must be installed now. An empty list drops the override. */
    synchronized Selection use(ExtensionPoint point, List<String> names) {
        check(point, names, true);
        if (names.isEmpty() || names.equals(configured.get(point))) {
            overrides.remove(point);
        } else {
            overrides.put(point, List.copyOf(names));
        }
        return selection(point);
    }

    private void check(ExtensionPoint point, List<String> names, boolean mustExist) {
        if (!point.multiple() && names.size() > 1) {
            throw new UnknownPluginException(point.id() + " takes exactly one plugin, got " + names.size() + ": "
                    + String.join(", ", names) + "; installed: " + installed(point));
        }
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!FunctionSpec.PLUGIN_NAME.matcher(n).matches()) {
                throw new UnknownPluginException("'" + n + "' is not a plugin name (lower-case letters, digits, '-'); "
                        + point.id() + " plugins installed: " + installed(point));
            }
            if (!seen.add(n)) {
                throw new UnknownPluginException(point.id() + " plugin '" + n + "' is named twice; installed: "
                        + installed(point));
            }
            if (mustExist && !names(point).contains(n)) {
                throw new UnknownPluginException("unknown " + point.id() + " plugin '" + n + "'; installed: "
                        + installed(point));
            }
        }
    }

    synchronized String installed(ExtensionPoint point) {
        Set<String> names = names(point);
        return names.isEmpty() ? "(none)" : String.join(", ", new java.util.TreeSet<>(names));
    }

    private Set<String> names(ExtensionPoint point) {
        return plugins.get(point).stream().map(Plugin::name).collect(Collectors.toSet());
    }

    private Selection selection(ExtensionPoint point) {
        Set<String> present = names(point);
        List<String> override = overrides.getOrDefault(point, List.of());
        List<String> effective = !override.isEmpty() && present.containsAll(override) ? override : configured.get(point);
        List<String> missing = effective.stream().filter(n -> !present.contains(n)).toList();
        return new Selection(point, configured.get(point), override, effective, missing, required.contains(point));
    }

    synchronized Snapshot snapshot() {
        Map<ExtensionPoint, Selection> selections = new EnumMap<>(ExtensionPoint.class);
        Map<ExtensionPoint, Map<String, Plugin>> effective = new EnumMap<>(ExtensionPoint.class);
        Map<ExtensionPoint, Map<String, Plugin>> byName = new EnumMap<>(ExtensionPoint.class);
        List<PluginInfo> infos = new ArrayList<>();
        for (ExtensionPoint p : ExtensionPoint.values()) {
            Selection s = selection(p);
            selections.put(p, s);
            Map<String, Plugin> first = new TreeMap<>();
            for (Plugin plugin : plugins.get(p)) {
                boolean duplicate = first.putIfAbsent(plugin.name(), plugin) != null;
                infos.add(new PluginInfo(p, plugin.name(), plugin.description(), plugin.bundle(),
                        !duplicate && s.effective().contains(plugin.name()), duplicate));
            }
            Map<String, Plugin> active = new LinkedHashMap<>();
            for (String n : s.effective()) {
                Plugin plugin = first.get(n);
                if (plugin != null) {
                    active.put(n, plugin);
                }
            }
            effective.put(p, Map.copyOf(active).isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(active));
            byName.put(p, java.util.Collections.unmodifiableMap(first));
        }
        infos.sort((a, b) -> a.point() != b.point() ? a.point().compareTo(b.point()) : a.name().compareTo(b.name()));
        return new Snapshot(java.util.Collections.unmodifiableMap(selections),
                java.util.Collections.unmodifiableMap(effective), java.util.Collections.unmodifiableMap(byName),
                List.copyOf(infos));
    }
}
