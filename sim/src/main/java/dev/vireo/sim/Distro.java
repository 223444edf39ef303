package dev.vireo.sim;

import dev.vireo.api.plugin.PluginRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * What a simulated node runs: the bundles of a distro profile exactly as the distro module exports them
 * ({@code distro/target/export/PROFILE}, the jars a live instance of that profile auto-deploys), less the bundles in
 * {@link #LEFT_OUT}, plus the bundles of a deploy folder; and what the simulation shares with them from its own class
 * path through the system bundle ({@link #SHARED}: the API, Micrometer, Configuration Admin's and Gogo's API), so that the
 * simulation and the bundles inside see one {@code WorkerService}, one {@code Clock}, one {@code MeterRegistry}.
 *
 * <p>It also knows which bundles resolve alike in every node ({@link SharedClasses}): their classes are loaded once
 * for all nodes and all runs of this distro.
 *
 * <p>Threading: immutable.
 */
final class Distro {
    /** The profiles a simulation runs: one controller node, N worker nodes. */
    static final List<String> PROFILES = List.of("worker", "controller");

    /**
     * Bundles of a profile a simulated node does not run, by symbolic name, and why. Everything else in the profile
     * runs as it does live (the kernel, the worker or controller, every plugin bundle, SCR, Configuration Admin).
     */
    static final Map<String, String> LEFT_OUT;

    static {
        Map<String, String> m = new TreeMap<>();
        String shared = "shared from the simulation's class path through the system bundle (a copy inside would be a"
                + " second class space)";
        m.put("dev.vireo.api", shared);
        m.put("micrometer-core", shared);
        m.put("micrometer-commons", shared);
        m.put("dev.vireo.metrics", "Prometheus registry with JVM meters and the Graphite push run on the wall clock;"
                + " the simulation registers a MeterRegistry on the virtual clock instead");
        m.put("dev.vireo.worker.http", "opens the HTTP API port and joins a controller over HTTP; the simulation calls"
                + " the WorkerService directly");
        m.put("dev.vireo.worker.grpc", "opens the gRPC port and is the live WorkerConnector; the simulation registers an"
                + " in-process one");
        m.put("dev.vireo.backend.process", "runs processes on the host; simulated workers use the sim backend");
        m.put("dev.vireo.backend.containerd", "runs containers on the host; simulated workers use the sim backend");
        m.put("dev.vireo.backend.docker", "runs containers on the host; simulated workers use the sim backend");
        m.put("dev.vireo.probe.rqlat", "loads BPF programs into the host's kernel and measures its run queues;"
                + " simulated containers have none (their cpu_wait_us is -1)");
        m.put("dev.vireo.transport", "talks to agents in real containers (uds, pipe, http); the sim backend brings"
                + " its own transport");
        m.put("org.apache.felix.fileinstall", "watches configs/ and deploy/ on its own thread; the simulation reads the"
                + " configuration folder once into Configuration Admin and installs the deploy folder's bundles itself");
        m.put("org.apache.felix.gogo.runtime", "its command API (the kernel's console imports it) is shared from the"
                + " class path; without its CommandProcessor the console components stay unsatisfied: a simulation"
                + " has no console");
        m.put("org.apache.felix.gogo.command", "console commands; a simulation has no console");
        m.put("org.apache.felix.metatype", "describes configurations for tools; nothing in a simulation reads it");
        m.put("org.apache.felix.log", "would swallow SCR's and Configuration Admin's errors; without it they print");
        m.put("org.osgi.service.log", "only needed by the log and metatype bundles left out");
        LEFT_OUT = Collections.unmodifiableMap(m);
    }

    /**
     * One class of each jar the simulation shares with the frameworks: their packages are exported by the system
     * bundle with the versions of the jar's own {@code Export-Package} (the API's from its package-info files), and a
     * bundle of the same symbolic name is never installed.
     */
    static final List<Class<?>> SHARED = List.of(dev.vireo.api.time.Clock.class,
            io.micrometer.core.instrument.MeterRegistry.class, io.micrometer.common.KeyValue.class,
            org.osgi.service.cm.ConfigurationAdmin.class, org.apache.felix.service.command.CommandProcessor.class);

    /**
     * A bundle jar.
     *
     * @param active   it has components or an activator (it is started; other bundles are libraries, resolved when a
     *                 started bundle needs them)
     * @param registry it provides the plugin registry (the kernel)
     * @param imports  the packages of its {@code Import-Package} that it does not export itself
     * @param selfContained nothing but {@code Import-Package} wires it (no {@code Require-Bundle}, dynamic imports,
     *                 fragments or inner class path)
     */
    record Bundle(Path jar, String symbolicName, String version, boolean active, boolean components,
            boolean registry, Set<String> imports, boolean selfContained) {
        /** What identifies it among the bundles of the nodes. */
        String key() {
            return symbolicName + ";" + version;
        }
    }

    /** A profile: its bundles in the order they start, and its framework properties. */
    record Profile(String name, List<Bundle> bundles, Map<String, String> properties) {
    }

    private final Path home;
    private final String systemPackages;
    private final Map<String, Profile> profiles;
    private final List<Bundle> deployed;
    private final SharedClasses shared;

    private Distro(Path home, String systemPackages, Map<String, Profile> profiles, List<Bundle> deployed,
            SharedClasses shared) {
        this.home = home;
        this.systemPackages = systemPackages;
        this.profiles = profiles;
        this.deployed = List.copyOf(deployed);
        this.shared = shared;
    }

    /**
     * The distro of the checkout {@code vireo.home} (the launcher sets it; the tests too), else of the current
     * folder.
     */
    static Distro locate() throws IOException {
        return at(Path.of(System.getProperty("vireo.home", ".")), true);
    }

    /**
     * @param shareClasses load the classes of the bundles that resolve alike in every node once (false: each node
     *                     loads its own, as separate processes would; slower, the same results)
     */
    static Distro at(Path home, boolean shareClasses) throws IOException {
        Path root = home.toAbsolutePath().normalize();
        List<String> exports = new ArrayList<>();
        Set<String> system = new TreeSet<>();
        for (Class<?> c : SHARED) {
            Attributes a = manifest(jarOf(c));
            String export = a.getValue("Export-Package");
            if (export == null) {
                throw new IllegalStateException(jarOf(c) + " (holding " + c.getName() + ") exports nothing");
            }
            exports.add(export);
            system.addAll(packages(export));
        }
        // the OSGi core the framework itself exports
        String core = manifest(jarOf(org.osgi.framework.launch.Framework.class)).getValue("Export-Package");
        system.addAll(packages(core == null ? "" : core));
        Map<String, Profile> profiles = new LinkedHashMap<>();
        for (String name : PROFILES) {
            profiles.put(name, readProfile(root, name));
        }
        SharedClasses shared = null;
        if (shareClasses) {
            Map<String, Bundle> alike = new TreeMap<>();
            for (Profile p : profiles.values()) {
                for (Bundle b : p.bundles()) {
                    if (b.components() && b.selfContained() && b.imports().stream()
                            .allMatch(i -> i.startsWith("java.") || system.contains(i))) {
                        alike.putIfAbsent(b.key(), b);
                    }
                }
            }
            shared = SharedClasses.of(alike.values());
        }
        return new Distro(root, String.join(",", exports), Collections.unmodifiableMap(profiles), List.of(), shared);
    }

    /**
     * This distro with the bundles of a deploy folder (what FileInstall would hot-deploy live), installed in every
     * node after the profile's, by file name; a folder that does not exist deploys nothing.
     */
    Distro deploying(Path folder) throws IOException {
        List<Bundle> out = new ArrayList<>();
        if (folder != null && Files.isDirectory(folder)) {
            for (Path jar : jars(folder)) {
                Bundle b = bundle(jar);
                if (b == null) {
                    throw new IllegalArgumentException(jar + " in the deploy folder is not a bundle (no"
                            + " Bundle-SymbolicName)");
                }
                out.add(b);
            }
        }
        return new Distro(home, systemPackages, profiles, out, shared);
    }

    /** The deployed bundles. */
    List<Bundle> deployed() {
        return deployed;
    }

    /** The value of {@code org.osgi.framework.system.packages.extra}: every package of the shared jars. */
    String systemPackages() {
        return systemPackages;
    }

    /** The classes loaded once for every node; null when each node loads its own. */
    SharedClasses shared() {
        return shared;
    }

    /** A profile the simulation runs ({@link #PROFILES}). */
    Profile profile(String name) {
        Profile p = profiles.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no profile " + name + "; a simulation runs " + PROFILES);
        }
        return p;
    }

    private static Path jarOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell which jar holds " + c.getName(), e);
        }
    }

    private static Attributes manifest(Path jarOrFolder) throws IOException {
        if (Files.isDirectory(jarOrFolder)) {
            try (InputStream in = Files.newInputStream(jarOrFolder.resolve("META-INF/MANIFEST.MF"))) {
                return new Manifest(in).getMainAttributes();
            }
        }
        try (JarFile jar = new JarFile(jarOrFolder.toFile())) {
            Manifest m = jar.getManifest();
            return m == null ? new Attributes() : m.getMainAttributes();
        }
    }

    /** The package names of an {@code Export-Package} or {@code Import-Package} header. */
    static Set<String> packages(String header) {
        Set<String> out = new LinkedHashSet<>();
        if (header == null) {
            return out;
        }
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        List<String> clauses = new ArrayList<>();
        for (char ch : header.toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
            }
            if (ch == ',' && !quoted) {
                clauses.add(part.toString());
                part.setLength(0);
            } else {
                part.append(ch);
            }
        }
        clauses.add(part.toString());
        for (String clause : clauses) {
            for (String item : clause.split(";")) {
                String s = item.trim();
                if (!s.isEmpty() && !s.contains("=")) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private static Set<String> sharedNames() throws IOException {
        Set<String> names = new LinkedHashSet<>();
        for (Class<?> c : SHARED) {
            String bsn = manifest(jarOf(c)).getValue("Bundle-SymbolicName");
            if (bsn != null) {
                names.add(bsn.split(";")[0].trim());
            }
        }
        return names;
    }

    private static Set<String> imports(Attributes a) {
        Set<String> imports = packages(a.getValue("Import-Package"));
        imports.removeAll(packages(a.getValue("Export-Package")));
        return imports;
    }

    /** Reads one jar's identity; null if it is not a bundle. */
    static Bundle bundle(Path jar) throws IOException {
        Attributes a = manifest(jar);
        String bsn = a.getValue("Bundle-SymbolicName");
        if (bsn == null) {
            return null;
        }
        boolean components = a.getValue("Service-Component") != null;
        String provides = a.getValue("Provide-Capability");
        boolean registry = provides != null && provides.contains("\"" + PluginRegistry.class.getName() + "\"");
        String classPath = a.getValue("Bundle-ClassPath");
        boolean selfContained = a.getValue("Require-Bundle") == null && a.getValue("DynamicImport-Package") == null
                && a.getValue("Fragment-Host") == null && (classPath == null || classPath.trim().equals("."));
        return new Bundle(jar, bsn.split(";")[0].trim(), String.valueOf(a.getValue("Bundle-Version")),
                components || a.getValue("Bundle-Activator") != null, components, registry,
                imports(a), selfContained);
    }

    /**
     * The bundles of a profile to install, in the order they start: Configuration Admin first (the configuration is
     * in place before anything reads it), then the other infrastructure (SCR, ...), then the bundles with components,
     * the one providing the plugin registry (the kernel) last: it then finds every plugin at once and the components
     * that need it (the worker, the controller) wait for it. Within each group, by file name (as the launcher's
     * auto-deploy sorts them).
     */
    private static Profile readProfile(Path home, String name) throws IOException {
        Path dir = home.resolve("distro/target/export").resolve(name);
        List<Path> jars = jars(dir);
        if (jars.isEmpty()) {
            throw new IllegalStateException("no bundles in " + dir + ": build the distro first (./vireo build, or mvn"
                    + " -pl distro -am verify)");
        }
        Set<String> shared = sharedNames();
        List<Bundle> infrastructure = new ArrayList<>();
        List<Bundle> components = new ArrayList<>();
        for (Path jar : jars) {
            Bundle b = bundle(jar);
            if (b == null || LEFT_OUT.containsKey(b.symbolicName()) || shared.contains(b.symbolicName())) {
                continue;
            }
            if (b.symbolicName().equals("org.apache.felix.configadmin")) {
                infrastructure.add(0, b);
            } else {
                (b.components() ? components : infrastructure).add(b);
            }
        }
        if (infrastructure.isEmpty() || !infrastructure.get(0).symbolicName().equals("org.apache.felix.configadmin")) {
            throw new IllegalStateException("profile " + name + " (" + dir + ") has no Configuration Admin bundle");
        }
        List<Bundle> all = new ArrayList<>(infrastructure);
        components.stream().filter(b -> !b.registry()).forEach(all::add);
        components.stream().filter(Bundle::registry).forEach(all::add);
        Map<String, String> properties = new LinkedHashMap<>();
        Path file = home.resolve("distro/profiles").resolve(name + ".properties");
        if (Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
            new TreeMap<>(p).forEach((k, v) -> properties.put(k.toString(), v.toString().trim()));
        }
        return new Profile(name, List.copyOf(all), Collections.unmodifiableMap(properties));
    }

    /** The packages that hold classes in a jar. */
    static Set<String> classPackages(Path jar) throws IOException {
        Set<String> out = new TreeSet<>();
        try (JarFile j = new JarFile(jar.toFile())) {
            for (JarEntry e : Collections.list(j.entries())) {
                String n = e.getName();
                int slash = n.lastIndexOf('/');
                if (n.endsWith(".class") && slash > 0 && !n.startsWith("META-INF/")) {
                    out.add(n.substring(0, slash).replace('/', '.'));
                }
            }
        }
        return out;
    }

    private static List<Path> jars(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
    }
}
