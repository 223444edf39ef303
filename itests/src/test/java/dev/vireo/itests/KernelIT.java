package dev.vireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.plugin.UnknownPluginException;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.queue.QueuePolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Hashtable;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The kernel inside a real Felix with the all-in-one profile's bundles: plugin selection, swaps by console command,
 * by configuration file and by hot deployment, and the errors for unknown, duplicate and missing names.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class KernelIT {
    private static final long WAIT_MS = 15_000;

    @Inject
    private BundleContext context;

    @Inject
    private PluginRegistry registry;

    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() throws Exception {
        return VireoOptions.profile("all-in-one", "queue,keepalive,balancer");
    }

    /**
     * Pax Exam evaluates {@link #config()} once per class, so every method's framework shares the configs and deploy
     * folders: put back the shipped configuration and an empty deploy folder, and wait until it is in force.
     */
    @Before
    public void freshConfiguration() throws Exception {
        Path home = Path.of(context.getProperty("vireo.home"));
        try (var files = Files.list(dir("deploy"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        try (var cfgs = Files.list(home.resolve("configs"))) {
            for (Path cfg : cfgs.filter(p -> p.toString().endsWith(".cfg")).toList()) {
                Path target = dir("configs").resolve(cfg.getFileName());
                if (!Files.exists(target) || Files.mismatch(cfg, target) != -1) {
                    Path tmp = dir("configs").resolve(cfg.getFileName() + ".tmp");
                    Files.copy(cfg, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        }
        await("shipped configuration in force", () -> registry.ready()
                && effective(ExtensionPoint.QUEUE).equals(List.of("fcfs"))
                && effective(ExtensionPoint.KEEPALIVE).equals(List.of("lru"))
                && effective(ExtensionPoint.BACKEND).isEmpty()
                && registry.plugins().stream().noneMatch(p -> p.name().equals("lifo")));
    }

    private Path dir(String name) {
        return Path.of(context.getProperty(VireoOptions.IT_DIR), name);
    }

    private static long await(String what, BooleanSupplier condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > WAIT_MS * 1_000_000) {
                fail("timed out after " + WAIT_MS + " ms waiting for " + what);
            }
            Thread.sleep(10);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    private List<String> effective(ExtensionPoint point) {
        return registry.selection(point).effective();
    }

    private String console(String command) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            Object result = session.execute(command);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private void editKernelConfig(String key, String value) throws Exception {
        Path cfg = dir("configs").resolve("vireo.kernel.cfg");
        List<String> lines = Files.readAllLines(cfg).stream()
                .map(l -> l.startsWith(key + " ") || l.startsWith(key + "=") ? key + " = " + value : l).toList();
        Path tmp = dir("configs").resolve("vireo.kernel.cfg.tmp");
        Files.write(tmp, lines);
        Files.move(tmp, cfg, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    public void configuredPluginsAreActiveAndEveryPointIsListed() throws Exception {
        await("kernel ready", registry::ready);
        assertEquals(List.of("fcfs"), effective(ExtensionPoint.QUEUE));
        assertEquals(List.of("lru"), effective(ExtensionPoint.KEEPALIVE));
        assertEquals(List.of("round-robin"), effective(ExtensionPoint.BALANCER));
        String out = console("vireo:plugins");
        for (ExtensionPoint p : ExtensionPoint.values()) {
            assertTrue(p.id() + " missing from:\n" + out, out.contains(p.id() + " "));
        }
        assertTrue(out, out.matches("(?s).*queue\\s+fcfs\\s+\\*.*"));
        assertTrue(out, out.matches("(?s).*queue\\s+sjf\\s+dev\\.vireo.*"));
        assertTrue(console("vireo:status"), console("vireo:status").startsWith("vireo: ready"));
    }

    @Test
    public void unknownPluginNameFailsAndListsWhatIsInstalled() throws Exception {
        await("kernel ready", registry::ready);
        try {
            registry.use(ExtensionPoint.QUEUE, List.of("nope"));
            fail("unknown name accepted");
        } catch (UnknownPluginException e) {
            assertEquals("unknown queue plugin 'nope'; installed: fcfs, sjf", e.getMessage());
        }
        try {
            console("vireo:use queue nope");
            fail("console accepted an unknown name");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("installed: fcfs, sjf"));
        }
        try {
            console("vireo:use nowhere fcfs");
            fail("console accepted an unknown extension point");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("the extension points are: backend, transport"));
        }
        assertEquals("nothing changed", List.of("fcfs"), effective(ExtensionPoint.QUEUE));
    }

    @Test
    public void consoleSwapTakesEffectForTheNextQueue() throws Exception {
        await("kernel ready", registry::ready);
        QueuePolicy before = registry.active(QueuePolicy.class);
        assertTrue(console("vireo:queue slow:900 fast:5 mid:40"), console("vireo:queue slow:900 fast:5 mid:40")
                .contains("slow -> fast -> mid"));
        String out = console("vireo:use queue sjf");
        assertTrue(out, out.contains("queue now uses sjf (configured: fcfs)"));
        assertFalse(before == registry.active(QueuePolicy.class));
        assertTrue(console("vireo:queue slow:900 fast:5 mid:40").contains("fast -> mid -> slow"));
        console("vireo:reset queue");
        assertEquals(List.of("fcfs"), effective(ExtensionPoint.QUEUE));
    }

    @Test
    public void editingTheConfigFileSwapsThePolicy() throws Exception {
        await("kernel ready", registry::ready);
        editKernelConfig("keepalive.policy", "ttl");
        long ms = await("keepalive ttl in force", () -> effective(ExtensionPoint.KEEPALIVE).equals(List.of("ttl")));
        System.out.println("config file edit -> ttl in force after " + ms + " ms");
        assertTrue(registry.ready());
    }

    @Test
    public void hotDeployedBundleIsSelectedUsedAndRemovedWithFallback() throws Exception {
        await("kernel ready", registry::ready);
        Path jar = dir("deploy").resolve("lifo.jar");
        Files.copy(Path.of(context.getProperty("vireo.lifo.jar")), jar);
        await("lifo installed", () -> registry.plugins().stream().anyMatch(p -> p.name().equals("lifo")));
        console("vireo:use queue lifo");
        assertEquals(List.of("lifo"), effective(ExtensionPoint.QUEUE));
        assertTrue(console("vireo:queue a:1 b:2 c:3").contains("c -> b -> a"));
        Files.delete(jar);
        await("lifo removed", () -> registry.plugins().stream().noneMatch(p -> p.name().equals("lifo")));
        assertEquals("fell back to the configured default", List.of("fcfs"), effective(ExtensionPoint.QUEUE));
        assertTrue(console("vireo:queue a:1 b:2 c:3").contains("a -> b -> c"));
    }

    @Test
    public void severalBackendsAreActiveAtOnce() throws Exception {
        await("kernel ready", registry::ready);
        ServiceRegistration<?> a = register(ContainerBackend.class, "alpha");
        ServiceRegistration<?> b = register(ContainerBackend.class, "beta");
        try {
            editKernelConfig("backends", "beta, alpha");
            await("two backends", () -> registry.activeAll(ContainerBackend.class).size() == 2);
            assertEquals(List.of("beta", "alpha"), List.copyOf(registry.activeAll(ContainerBackend.class).keySet()));
            registry.use(ExtensionPoint.BACKEND, List.of("alpha"));
            assertEquals(List.of("alpha"), List.copyOf(registry.activeAll(ContainerBackend.class).keySet()));
        } finally {
            a.unregister();
            b.unregister();
        }
        assertTrue(registry.activeAll(ContainerBackend.class).isEmpty());
    }

    @Test
    public void duplicateNameIsReportedAndTheFirstPluginStays() throws Exception {
        await("kernel ready", registry::ready);
        QueuePolicy original = registry.active(QueuePolicy.class);
        ServiceRegistration<?> dup = register(QueuePolicy.class, "fcfs");
        try {
            await("duplicate listed", () -> registry.plugins().stream().anyMatch(PluginInfo::duplicate));
            assertTrue(original == registry.active(QueuePolicy.class));
            assertTrue(console("vireo:plugins queue"), console("vireo:plugins queue").contains("dup"));
        } finally {
            dup.unregister();
        }
    }

    @Test
    public void configuredButMissingPluginMakesTheKernelNotReadyAndSaysWhy() throws Exception {
        await("kernel ready", registry::ready);
        editKernelConfig("queue.policy", "nope");
        await("not ready", () -> !registry.ready());
        try {
            registry.active(QueuePolicy.class);
            fail("active() answered with no plugin in force");
        } catch (UnknownPluginException e) {
            assertEquals("no active queue plugin: 'nope' is selected but not installed; installed: fcfs, sjf",
                    e.getMessage());
        }
        assertTrue(console("vireo:status"), console("vireo:status").contains("not installed: nope"));
        editKernelConfig("queue.policy", "sjf");
        await("ready again", registry::ready);
        assertEquals(List.of("sjf"), effective(ExtensionPoint.QUEUE));
    }

    private <T> ServiceRegistration<?> register(Class<T> type, String name) {
        Object service = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> switch (method.getName()) {
                    case "toString" -> "test " + type.getSimpleName() + " " + name;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(PluginName.KEY, name);
        return context.registerService(type.getName(), service, props);
    }
}
