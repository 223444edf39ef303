package dev.vireo.kernel.internal.registry;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.plugin.Selection;
import dev.vireo.api.plugin.SelectionListener;
import dev.vireo.api.plugin.UnknownPluginException;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * The plugin registry: a whiteboard over every service that carries {@link PluginName#KEY}, sorted by extension point
 * (the service interface), with the selection from configuration {@code vireo.kernel} and from the console.
 *
 * <p>Framework property {@value #ROLE_POINTS} lists the extension points this role needs (comma-separated ids,
 * default: all); the kernel is ready when each of them has its selected plugins.
 */
@Component(service = PluginRegistry.class, immediate = true, configurationPid = KernelConfig.PID)
@Designate(ocd = KernelConfig.class)
public final class KernelRegistry implements PluginRegistry {
    static final String ROLE_POINTS = "vireo.role.points";
    private static final System.Logger LOG = System.getLogger(KernelRegistry.class.getName());

    private final SelectionBook book;
    private final Function<String, String> env;
    private final ReentrantLock publishLock = new ReentrantLock();
    private final List<SelectionListener> listeners = new CopyOnWriteArrayList<>();
    private volatile SelectionBook.Snapshot snapshot = SelectionBook.Snapshot.EMPTY;
    /** {@link #activeAll}'s answer per point for the snapshot in force (core code asks on every invocation). */
    private volatile Map<ExtensionPoint, Map<String, Object>> activeServices = Map.of();
    private final ServiceTracker<Object, Object> tracker;
    /**
     * False while the tracker takes the plugins registered before this registry (published once, after) and while it
     * lets them go at deactivation: the order of those is the service registry's, not a sequence of events, so
     * neither reports interim states.
     */
    private volatile boolean tracking;

    @Activate
    public KernelRegistry(BundleContext context, KernelConfig config) throws InvalidSyntaxException {
        this(context, config, System::getenv);
    }

    KernelRegistry(BundleContext context, KernelConfig config, Function<String, String> env) throws InvalidSyntaxException {
        this.env = env;
        this.book = new SelectionBook(rolePoints(context.getProperty(ROLE_POINTS)));
        applyConfig(config);
        tracker = new ServiceTracker<>(context, context.createFilter("(" + PluginName.KEY + "=*)"), new Customizer(context));
        tracker.open(true);
        tracking = true;
        publish("activated");
    }

    static Set<ExtensionPoint> rolePoints(String property) {
        if (property == null || property.isBlank()) {
            return EnumSet.allOf(ExtensionPoint.class);
        }
        Set<ExtensionPoint> points = EnumSet.noneOf(ExtensionPoint.class);
        for (String id : KernelOptions.split(property)) {
            points.add(ExtensionPoint.parse(id));
        }
        return points;
    }

    @Modified
    void modified(KernelConfig config) {
        applyConfig(config);
        publish("configuration changed");
    }

    private void applyConfig(KernelConfig config) {
        KernelOptions options = KernelOptions.from(KernelOptions.properties(config), env);
        try {
            Set<ExtensionPoint> changed = book.configure(options.selections());
            if (!changed.isEmpty()) {
                LOG.log(Level.INFO, "configuration selects " + describe(options.selections()));
            }
        } catch (UnknownPluginException e) {
            LOG.log(Level.ERROR, "configuration " + KernelConfig.PID + " rejected, the previous one stays: "
                    + e.getMessage());
        }
    }

    private static String describe(Map<ExtensionPoint, List<String>> selections) {
        return selections.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .map(e -> e.getKey().id() + "=" + String.join(",", e.getValue())).collect(Collectors.joining(" "));
    }

    @Deactivate
    void close() {
        tracking = false;
        tracker.close();
        listeners.clear();
    }

    /** Recomputes the snapshot, puts it in force and tells listeners what changed. */
    private void publish(String why) {
        publishLock.lock();
        try {
            SelectionBook.Snapshot before = snapshot;
            SelectionBook.Snapshot after = book.snapshot();
            activeServices = services(after);
            snapshot = after;
            for (ExtensionPoint p : ExtensionPoint.values()) {
                Selection a = before.selections().get(p);
                Selection b = after.selections().get(p);
                if (a != null && !a.equals(b)) {
                    if (!b.missing().isEmpty() && !b.missing().equals(a.missing())) {
                        LOG.log(Level.WARNING, p.id() + " plugin(s) " + b.missing() + " selected but not installed; installed: "
                                + book.installed(p));
                    }
                    if (!a.effective().equals(b.effective())) {
                        LOG.log(Level.INFO, p.id() + " now uses " + b.effective() + " (" + why + ")");
                    }
                    for (SelectionListener l : listeners) {
                        try {
                            l.selectionChanged(p, a.effective(), b.effective());
                        } catch (RuntimeException e) {
                            LOG.log(Level.ERROR, "selection listener " + l + " failed", e);
                        }
                    }
                }
            }
            if (before.ready() != after.ready() || before == SelectionBook.Snapshot.EMPTY) {
                LOG.log(Level.INFO, after.ready() ? "kernel ready" : "kernel not ready: " + notReady(after));
            }
        } finally {
            publishLock.unlock();
        }
    }

    /** The active plugins' services by point, in configuration order, each map unmodifiable. */
    private static Map<ExtensionPoint, Map<String, Object>> services(SelectionBook.Snapshot s) {
        Map<ExtensionPoint, Map<String, Object>> out = new java.util.EnumMap<>(ExtensionPoint.class);
        for (ExtensionPoint p : ExtensionPoint.values()) {
            var active = new java.util.LinkedHashMap<String, Object>();
            s.effective().getOrDefault(p, Map.of()).forEach((name, plugin) -> active.put(name, plugin.service()));
            out.put(p, java.util.Collections.unmodifiableMap(active));
        }
        return out;
    }

    private static String notReady(SelectionBook.Snapshot s) {
        return s.selections().values().stream().filter(x -> !x.ready())
                .map(x -> x.point().id() + (x.effective().isEmpty() ? " has nothing selected" : " misses " + x.missing()))
                .collect(Collectors.joining("; "));
    }

    @Override
    public <T> T active(Class<T> type) {
        ExtensionPoint point = ExtensionPoint.of(type);
        if (point.multiple()) {
            throw new IllegalArgumentException(point.id() + " has several active plugins: use activeAll");
        }
        SelectionBook.Snapshot s = snapshot;
        Map<String, Plugin> active = s.effective().getOrDefault(point, Map.of());
        if (active.isEmpty()) {
            Selection sel = s.selections().get(point);
            String wanted = sel == null || sel.effective().isEmpty() ? "nothing is selected"
                    : "'" + sel.effective().get(0) + "' is selected but not installed";
            throw new UnknownPluginException("no active " + point.id() + " plugin: " + wanted + "; installed: "
                    + book.installed(point));
        }
        return type.cast(active.values().iterator().next().service());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Map<String, T> activeAll(Class<T> type) {
        // each was registered under its point's service interface, which is type
        return (Map<String, T>) activeServices.getOrDefault(ExtensionPoint.of(type), Map.of());
    }

    @Override
    public <T> T get(Class<T> type, String name) {
        ExtensionPoint point = ExtensionPoint.of(type);
        Plugin plugin = snapshot.byName().getOrDefault(point, Map.of()).get(name);
        if (plugin == null) {
            throw new UnknownPluginException("unknown " + point.id() + " plugin '" + name + "'; installed: "
                    + book.installed(point));
        }
        return type.cast(plugin.service());
    }

    @Override
    public List<PluginInfo> plugins() {
        return snapshot.plugins();
    }

    @Override
    public List<Selection> selections() {
        return List.copyOf(snapshot.selections().values());
    }

    @Override
    public Selection selection(ExtensionPoint point) {
        return snapshot.selections().get(Objects.requireNonNull(point, "point"));
    }

    @Override
    public Selection use(ExtensionPoint point, List<String> names) {
        publishLock.lock();
        try {
            book.use(point, names);
            publish("vireo:use");
            return selection(point);
        } finally {
            publishLock.unlock();
        }
    }

    @Override
    public boolean ready() {
        return snapshot.ready();
    }

    @Override
    public AutoCloseable addListener(SelectionListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> listeners.remove(listener);
    }

    private final class Customizer implements ServiceTrackerCustomizer<Object, Object> {
        private final BundleContext context;

        Customizer(BundleContext context) {
            this.context = context;
        }

        @Override
        public Object addingService(ServiceReference<Object> ref) {
            List<ExtensionPoint> points = points(ref);
            String name = String.valueOf(ref.getProperty(PluginName.KEY));
            if (points.isEmpty()) {
                LOG.log(Level.WARNING, "service " + ref.getProperty(Constants.SERVICE_ID) + " named '" + name
                        + "' implements no extension point; ignored");
                return null;
            }
            Object service = context.getService(ref);
            if (service == null) {
                return null;
            }
            long id = (Long) ref.getProperty(Constants.SERVICE_ID);
            Object description = ref.getProperty(PluginDescription.KEY);
            String bundle = ref.getBundle().getSymbolicName() + " " + ref.getBundle().getVersion();
            for (ExtensionPoint p : points) {
                boolean taken = snapshot.byName().getOrDefault(p, Map.of()).containsKey(name);
                if (taken) {
                    LOG.log(Level.ERROR, p.id() + " plugin '" + name + "' from " + bundle
                            + " duplicates an installed one; the earlier one stays in use");
                }
                book.add(new Plugin(p, name, description == null ? "" : description.toString(), bundle, id, service));
            }
            if (tracking) {
                publish(name + " installed");
            }
            return service;
        }

        @Override
        public void modifiedService(ServiceReference<Object> ref, Object service) {
        }

        @Override
        public void removedService(ServiceReference<Object> ref, Object service) {
            Map<ExtensionPoint, List<String>> dropped = book.remove((Long) ref.getProperty(Constants.SERVICE_ID));
            if (tracking) {
                dropped.forEach((p, names) -> LOG.log(Level.WARNING, p.id() + " plugin(s) " + names
                        + " chosen on the console went away; back to the configured "
                        + book.snapshot().selections().get(p).configured()));
                publish(ref.getProperty(PluginName.KEY) + " removed");
            }
            context.ungetService(ref);
        }

        private List<ExtensionPoint> points(ServiceReference<?> ref) {
            Set<String> classes = Set.of((String[]) ref.getProperty(Constants.OBJECTCLASS));
            return Arrays.stream(ExtensionPoint.values()).filter(p -> classes.contains(p.type().getName())).toList();
        }
    }
}
