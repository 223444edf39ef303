package dev.vireo.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.plugin.UnknownPluginException;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.queue.QueuePolicy;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.ServiceRegistration;

/**
 * The kernel inside a real Felix with the all-in-one profile's bundles: plugin selection, swaps by console command,
 * by configuration file and by hot deployment, and the errors for unknown, duplicate and missing names.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class KernelIT extends FrameworkTest {
    @Configuration
    public Option[] config() throws Exception {
        return VireoOptions.profile("all-in-one", "backend,transport,resource,queue,keepalive,balancer");
    }

    private void editKernelConfig(String key, String value) throws Exception {
        editConfig("vireo.kernel.cfg", key, value);
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
            assertEquals("unknown queue plugin 'nope'; installed: cold-priority, edf, fcfs, mqfq, sjf", e.getMessage());
        }
        try {
            console("vireo:use queue nope");
            fail("console accepted an unknown name");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("installed: cold-priority, edf, fcfs, mqfq, sjf"));
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
            await("beta and alpha", () -> List.copyOf(registry.activeAll(ContainerBackend.class).keySet())
                    .equals(List.of("beta", "alpha")));
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
            assertEquals("no active queue plugin: 'nope' is selected but not installed; installed: cold-priority, edf, fcfs, mqfq, sjf",
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
