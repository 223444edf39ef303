package dev.vireo.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.framework.FrameworkFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationListener;

/**
 * One simulated node (the controller or a worker): an embedded Felix framework with Declarative Services and
 * Configuration Admin running a profile's bundles, as a live instance of that profile runs them. The simulation
 * registers its own services from outside before any component starts (the virtual clock as {@code Clock} and
 * {@code TaskScheduler}, ranked above the kernel's system time; the meters; the controller's in-process
 * {@code WorkerConnector}) and puts the configuration into Configuration Admin before SCR starts, so that every
 * component is made with its configuration, on the calling thread, during {@link #boot}.
 *
 * <p>Threading: boot, use and close on the simulation's thread. The framework's, SCR's and Configuration Admin's
 * own threads only run during boot and close: afterwards nothing in a node happens but what the simulation's event
 * loop calls.
 */
final class Node implements AutoCloseable {
    /** The last configuration written at boot: its event says every earlier one has been dispatched. */
    static final String BOOT_PID = "dev.vireo.sim.node";
    private static final long BOOT_WAIT_MS = 30_000;

    /** A service the simulation registers in the node from outside. */
    record Offer(List<Class<?>> types, Object service, Map<String, Object> properties) {
        Offer {
            types = List.copyOf(types);
            properties = Map.copyOf(properties);
        }
    }

    final String name;
    private final Framework framework;
    private final Path storage;
    private final BundleContext context;
    /** The bundles started, in order. */
    private final List<Bundle> started = new ArrayList<>();

    private Node(String name, Framework framework, Path storage) {
        this.name = name;
        this.framework = framework;
        this.storage = storage;
        this.context = framework.getBundleContext();
    }

    /**
     * Starts a node: the framework, the offered services, Configuration Admin with {@code configuration} (by pid; a
     * pid {@code name-x} is a factory configuration, as FileInstall reads {@code name-x.cfg}), then every other
     * bundle of the profile and the deployed ones.
     *
     * @param notes where a deployed bundle that does not start is reported (a profile bundle that does not start
     *              fails the boot)
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static Node boot(String name, Distro.Profile profile, Distro distro, Path storage,
            Map<String, Map<String, String>> configuration, List<Offer> offers, List<String> notes)
            throws IOException, BundleException {
        Map<String, Object> props = new HashMap<>(profile.properties());
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, distro.systemPackages());
        props.put("felix.log.level", "1");
        props.put("felix.cache.locking", "false");
        // resolving on the calling thread: Felix keeps a resolver thread pool per framework alive after it stops
        props.put("felix.resolver.parallelism", "1");
        SharedClasses shared = distro.shared();
        if (shared != null) {
            props.put(Constants.FRAMEWORK_BOOTDELEGATION, shared.bootDelegation());
            props.put("felix.bootdelegation.classloaders", shared.loaders());
        }
        Framework fw = new FrameworkFactory().newFramework((Map) props);
        fw.init();
        Node node = new Node(name, fw, storage);
        try {
            for (Offer o : offers) {
                node.context.registerService(o.types().stream().map(Class::getName).toArray(String[]::new),
                        o.service(), new Hashtable<>(o.properties()));
            }
            fw.start();
            List<Bundle> bundles = new ArrayList<>();
            for (Distro.Bundle b : profile.bundles()) {
                bundles.add(node.context.installBundle("reference:" + b.jar().toUri()));
            }
            List<Distro.Bundle> infos = profile.bundles();
            // Configuration Admin first (the profile puts it first), then the configuration, then the rest
            node.start(bundles.get(0), infos.get(0));
            node.configure(configuration);
            for (int i = 1; i < bundles.size(); i++) {
                node.start(bundles.get(i), infos.get(i));
            }
            for (Distro.Bundle d : distro.deployed()) {
                try {
                    Bundle b = node.context.installBundle("reference:" + d.jar().toUri());
                    node.start(b, d);
                } catch (BundleException e) {
                    notes.add(name + ": deployed bundle " + d.jar().getFileName() + " did not start: "
                            + e.getMessage());
                }
            }
            return node;
        } catch (IOException | BundleException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    private void start(Bundle b, Distro.Bundle info) throws BundleException {
        if (info.active()) {
            b.start();
            started.add(b);
        }
    }

    /** Writes every configuration, then waits until Configuration Admin has dispatched their events. */
    private void configure(Map<String, Map<String, String>> configuration) throws IOException {
        ServiceReference<ConfigurationAdmin> ref = context.getServiceReference(ConfigurationAdmin.class);
        if (ref == null) {
            throw new IllegalStateException(name + ": Configuration Admin did not start");
        }
        ConfigurationAdmin admin = context.getService(ref);
        CountDownLatch dispatched = new CountDownLatch(1);
        ServiceRegistration<ConfigurationListener> listener = context.registerService(ConfigurationListener.class,
                e -> {
                    if (BOOT_PID.equals(e.getPid())) {
                        dispatched.countDown();
                    }
                }, null);
        try {
            for (var e : configuration.entrySet()) {
                String pid = e.getKey();
                int dash = pid.indexOf('-');
                Configuration c = dash > 0 ? admin.getFactoryConfiguration(pid.substring(0, dash),
                        pid.substring(dash + 1), "?") : admin.getConfiguration(pid, "?");
                c.update(new Hashtable<>(e.getValue()));
            }
            Dictionary<String, Object> done = new Hashtable<>();
            done.put("node", name);
            admin.getConfiguration(BOOT_PID, "?").update(done);
            if (!dispatched.await(BOOT_WAIT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + ": Configuration Admin did not dispatch the configuration within "
                        + BOOT_WAIT_MS + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while configuring", e);
        } finally {
            listener.unregister();
            context.ungetService(ref);
        }
    }

    /**
     * A new folder for the caches of a simulation's frameworks: in memory ({@code /dev/shm}) where the host has it,
     * since each cache is written at boot and deleted at close (on disk, writing them took a third of the setup),
     * else in the temporary directory.
     */
    static Path storage() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            try {
                return Files.createTempDirectory(shm, "vireo-sim-");
            } catch (IOException e) {
                // not usable after all: the temporary directory will do
            }
        }
        return Files.createTempDirectory("vireo-sim-");
    }

    /**
     * The highest-ranked service of a type in this node.
     *
     * @throws IllegalStateException if there is none (a component that should provide it did not start: SCR says why
     *                               on standard error)
     */
    <T> T service(Class<T> type) {
        ServiceReference<T> ref = context.getServiceReference(type);
        T s = ref == null ? null : context.getService(ref);
        if (s == null) {
            throw new IllegalStateException(name + " has no " + type.getSimpleName() + " service: a component did not"
                    + " start (see the errors above)");
        }
        return s;
    }

    /**
     * Stops the node on this thread, in an order that makes no noise and is the same every time: the bundle of the
     * service the simulation called (the worker or the controller), then the plugin registry's (so that no plugin's
     * departure is reported to anyone), then the other bundles in the reverse order of their start; then the
     * framework, and its storage is deleted.
     */
    @Override
    public void close() {
        try {
            for (Class<?> type : List.of(dev.vireo.api.worker.WorkerService.class,
                    dev.vireo.api.plugin.PluginRegistry.class)) {
                ServiceReference<?> ref = context.getServiceReference(type);
                if (ref != null && ref.getBundle() != null && ref.getBundle().getBundleId() != 0) {
                    ref.getBundle().stop();
                }
            }
            for (int i = started.size() - 1; i >= 0; i--) {
                if (started.get(i).getState() == Bundle.ACTIVE) {
                    started.get(i).stop();
                }
            }
            framework.stop();
            framework.waitForStop(BOOT_WAIT_MS);
        } catch (BundleException e) {
            throw new IllegalStateException(name + " did not stop: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            delete(storage);
        }
    }

    /** Deletes a folder and what it holds (a leftover in the temporary directory would be harmless). */
    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover cache folder in the temporary directory is harmless
        }
    }
}
