package dev.vireo.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.AbstractMap;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.framework.Bundle;

/**
 * The classes of the bundles that resolve alike in every node, loaded once for all of them.
 *
 * <p>A bundle with components whose every import is a package the system bundle exports (the API, Micrometer, the
 * OSGi core, the JDK) and that has nothing else wiring it (the worker, the controller, the policies, the resource
 * trackers, the sim backend) has the same class space in every framework of a simulation: its own classes, and the
 * system bundle's. Each framework would load those same classes again, and the JIT would compile
 * the worker's code once per worker: with 8 workers each copy stays cold most of a run, and the event loop took 4-6
 * times longer. So the frameworks delegate these bundles' own packages ({@code org.osgi.framework.bootdelegation})
 * to one class loader ({@code felix.bootdelegation.classloaders}, per bundle) over their jars, whose parent is the
 * simulation's (which holds the system bundle's packages). The bundles are still installed, resolved and started in
 * each framework, their components made by that framework's SCR with that framework's services and configuration:
 * only the classes are common. That is invisible but for static fields, which all nodes (and runs) would share; no
 * bundle here has mutable static state, and a plugin written for the simulation must not have any either.
 *
 * <p>Threading: immutable; the loader is parallel capable.
 */
final class SharedClasses {
    private final Set<String> keys;
    private final Set<String> packages;
    private final Loader loader;

    private SharedClasses(Set<String> keys, Set<String> packages, Loader loader) {
        this.keys = keys;
        this.packages = packages;
        this.loader = loader;
    }

    static SharedClasses of(Collection<Distro.Bundle> bundles) throws IOException {
        Set<String> keys = new TreeSet<>();
        Set<String> packages = new TreeSet<>();
        URL[] urls = new URL[bundles.size()];
        int i = 0;
        for (Distro.Bundle b : bundles) {
            keys.add(b.key());
            packages.addAll(Distro.classPackages(b.jar()));
            try {
                urls[i++] = b.jar().toUri().toURL();
            } catch (MalformedURLException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new SharedClasses(Set.copyOf(keys), Set.copyOf(packages),
                new Loader(urls, Set.copyOf(packages), SharedClasses.class.getClassLoader()));
    }

    /** The bundles whose classes are shared, as symbolic name;version. */
    Set<String> bundles() {
        return keys;
    }

    /** The value of {@code org.osgi.framework.bootdelegation}: the shared bundles' packages. */
    String bootDelegation() {
        return String.join(",", packages);
    }

    /** The value of {@code felix.bootdelegation.classloaders}: the shared loader for the shared bundles only. */
    Map<Bundle, ClassLoader> loaders() {
        return new AbstractMap<>() {
            @Override
            public ClassLoader get(Object key) {
                return key instanceof Bundle b && keys.contains(b.getSymbolicName() + ";" + b.getVersion()) ? loader
                        : null;
            }

            @Override
            public Set<Entry<Bundle, ClassLoader>> entrySet() {
                return Set.of();
            }
        };
    }

    /** Loads the shared packages from the jars first (the simulation's class path may hold other builds of them). */
    private static final class Loader extends URLClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final Set<String> packages;

        Loader(URL[] urls, Set<String> packages, ClassLoader parent) {
            super("vireo-sim-shared-bundles", urls, parent);
            this.packages = packages;
        }

        private boolean own(String name, char separator) {
            int last = name.lastIndexOf(separator);
            return last > 0 && packages.contains(name.substring(0, last).replace('/', '.'));
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!own(name, '.')) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        @Override
        public URL getResource(String name) {
            return own(name, '/') ? findResource(name) : super.getResource(name);
        }
    }
}
