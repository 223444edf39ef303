package dev.vireo.sim;

import dev.vireo.api.plugin.ExtensionPoint;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Manifest;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The plugins on the class path, found the way Declarative Services finds them: each jar's (or class folder's)
 * {@code Service-Component} header names the component descriptions bnd wrote ({@code OSGI-INF/*.xml}); a component
 * that provides an extension point's interface and has a {@code vireo.plugin.name} property is a plugin. The
 * simulation makes its plugins from these descriptions with the same constructor injection as DS, so any policy
 * bundle on the class path can be simulated without the simulation knowing it.
 *
 * <p>Threading: immutable once loaded.
 */
final class Catalog {

    /** A plugin's component description. */
    record Plugin(ExtensionPoint point, String name, String description, String implementation, String pid,
            Map<String, Object> properties, Map<Integer, String> constructorReferences, int init, String activate,
            String source) {
    }

    /** Thrown when a plugin cannot be made outside the framework (it needs a service the simulation lacks). */
    static final class NotSimulatable extends RuntimeException {
        NotSimulatable(String message) {
            super(message);
        }
    }

    private final Map<ExtensionPoint, Map<String, Plugin>> plugins;
    private final ClassLoader loader;

    private Catalog(Map<ExtensionPoint, Map<String, Plugin>> plugins, ClassLoader loader) {
        this.plugins = plugins;
        this.loader = loader;
    }

    /** Reads every component description on the class path of {@code loader}. */
    static Catalog load(ClassLoader loader) throws IOException {
        Map<ExtensionPoint, Map<String, Plugin>> found = new java.util.EnumMap<>(ExtensionPoint.class);
        for (ExtensionPoint p : ExtensionPoint.values()) {
            found.put(p, new TreeMap<>());
        }
        Enumeration<URL> manifests = loader.getResources("META-INF/MANIFEST.MF");
        while (manifests.hasMoreElements()) {
            URL url = manifests.nextElement();
            String header;
            try (InputStream in = url.openStream()) {
                header = new Manifest(in).getMainAttributes().getValue("Service-Component");
            }
            if (header == null || header.isBlank()) {
                continue;
            }
            String base = url.toString().substring(0, url.toString().length() - "META-INF/MANIFEST.MF".length());
            for (String path : header.split(",")) {
                Plugin plugin = parse(URI.create(base + path.trim()).toURL(), base);
                if (plugin != null) {
                    // the first of two plugins with one name wins, as in the kernel
                    found.get(plugin.point()).putIfAbsent(plugin.name(), plugin);
                }
            }
        }
        Map<ExtensionPoint, Map<String, Plugin>> frozen = new java.util.EnumMap<>(ExtensionPoint.class);
        found.forEach((k, v) -> frozen.put(k, Collections.unmodifiableMap(v)));
        return new Catalog(frozen, loader);
    }

    private static Plugin parse(URL xml, String source) throws IOException {
        Document doc;
        try (InputStream in = xml.openStream()) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(false);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = f.newDocumentBuilder().parse(in);
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException("component description " + xml + " is not readable: " + e.getMessage(), e);
        }
        Element root = doc.getDocumentElement();
        ExtensionPoint point = null;
        NodeList provides = root.getElementsByTagName("provide");
        for (int i = 0; i < provides.getLength() && point == null; i++) {
            String iface = ((Element) provides.item(i)).getAttribute("interface");
            for (ExtensionPoint p : ExtensionPoint.values()) {
                if (p.type().getName().equals(iface)) {
                    point = p;
                }
            }
        }
        Map<String, Object> props = new LinkedHashMap<>();
        NodeList list = root.getElementsByTagName("property");
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            String value = e.hasAttribute("value") ? e.getAttribute("value") : e.getTextContent().strip();
            props.put(e.getAttribute("name"), e.hasAttribute("value") ? value : List.of(value.split("\\s*\\n\\s*")));
        }
        Object name = props.get("vireo.plugin.name");
        if (point == null || !(name instanceof String)) {
            return null;
        }
        Map<Integer, String> refs = new TreeMap<>();
        NodeList references = root.getElementsByTagName("reference");
        for (int i = 0; i < references.getLength(); i++) {
            Element e = (Element) references.item(i);
            if (e.hasAttribute("parameter")) {
                refs.put(Integer.parseInt(e.getAttribute("parameter")), e.getAttribute("interface"));
            }
        }
        Element impl = (Element) root.getElementsByTagName("implementation").item(0);
        String pid = root.hasAttribute("configuration-pid") ? root.getAttribute("configuration-pid")
                : root.getAttribute("name");
        int init = root.hasAttribute("init") ? Integer.parseInt(root.getAttribute("init")) : 0;
        return new Plugin(point, (String) name, String.valueOf(props.getOrDefault("vireo.plugin.description", "")),
                impl.getAttribute("class"), pid, Collections.unmodifiableMap(props), Collections.unmodifiableMap(refs),
                init, root.hasAttribute("activate") ? root.getAttribute("activate") : "", source);
    }

    /** The plugins of a point by name (sorted). */
    Map<String, Plugin> of(ExtensionPoint point) {
        return plugins.get(point);
    }

    /** The names of a point's plugins, for messages. */
    String names(ExtensionPoint point) {
        return plugins.get(point).isEmpty() ? "(none)" : String.join(", ", plugins.get(point).keySet());
    }

    /**
     * Makes a plugin as DS would: its constructor with {@code init} parameters, each a referenced service from
     * {@code services}, the configuration (an annotation type or a map) or nothing else; then its activate method,
     * if it names one. Configuration = the component's own properties overlaid with {@code config}.
     *
     * @throws NotSimulatable if it needs something the simulation does not have (a BundleContext, another service)
     */
    Object make(Plugin p, Map<String, Object> services, Map<String, String> config) {
        Map<String, Object> props = new LinkedHashMap<>(p.properties());
        props.putAll(config);
        try {
            Class<?> type = loader.loadClass(p.implementation());
            Constructor<?> chosen = null;
            for (Constructor<?> k : type.getConstructors()) {
                if (k.getParameterCount() == p.init()) {
                    chosen = k;
                }
            }
            if (chosen == null) {
                throw new NotSimulatable(p.implementation() + " has no public constructor with " + p.init()
                        + " parameters");
            }
            Object[] args = arguments(p, chosen.getParameterTypes(), p.constructorReferences(), services, props);
            Object instance = chosen.newInstance(args);
            if (!p.activate().isEmpty()) {
                for (Method m : type.getDeclaredMethods()) {
                    if (m.getName().equals(p.activate())) {
                        m.setAccessible(true);
                        m.invoke(instance, arguments(p, m.getParameterTypes(), Map.of(), services, props));
                        break;
                    }
                }
            }
            return instance;
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable c = e.getCause();
            throw new IllegalArgumentException(p.point().id() + " plugin '" + p.name() + "' refused its configuration"
                    + " (pid " + p.pid() + "): " + (c.getMessage() == null ? c : c.getMessage()), c);
        } catch (ReflectiveOperationException e) {
            throw new NotSimulatable("cannot make " + p.implementation() + ": " + e);
        }
    }

    private static Object[] arguments(Plugin p, Class<?>[] types, Map<Integer, String> refs,
            Map<String, Object> services, Map<String, Object> props) {
        Object[] args = new Object[types.length];
        List<String> lacking = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            String ref = refs.get(i);
            Class<?> t = types[i];
            if (ref != null) {
                args[i] = services.get(ref);
                if (args[i] == null) {
                    lacking.add(ref);
                }
            } else if (t.isAnnotation()) {
                args[i] = ConfigProxy.of(t, props);
            } else if (t == Map.class) {
                args[i] = Collections.unmodifiableMap(props);
            } else {
                lacking.add(t.getName());
            }
        }
        if (!lacking.isEmpty()) {
            throw new NotSimulatable(p.point().id() + " plugin '" + p.name() + "' needs " + String.join(", ", lacking)
                    + ", which only the OSGi framework provides");
        }
        return args;
    }
}
