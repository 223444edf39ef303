package dev.vireo.kernel.internal.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginInfo;
import dev.vireo.api.plugin.UnknownPluginException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionBookTest {
    private long ids;
    private final SelectionBook book = new SelectionBook(EnumSet.of(ExtensionPoint.QUEUE, ExtensionPoint.BACKEND));

    private Plugin plugin(ExtensionPoint p, String name) {
        Plugin plugin = new Plugin(p, name, "", "test 1.0", ++ids, name + "#" + ids);
        book.add(plugin);
        return plugin;
    }

    private void configure(String queue, String... backends) {
        book.configure(Map.of(ExtensionPoint.QUEUE, List.of(queue), ExtensionPoint.BACKEND, List.of(backends)));
    }

    @Test
    void configuredPluginIsActiveOnceInstalled() {
        configure("fcfs", "sim");
        assertFalse(book.snapshot().ready());
        assertEquals(List.of("fcfs"), book.snapshot().selections().get(ExtensionPoint.QUEUE).missing());
        plugin(ExtensionPoint.QUEUE, "fcfs");
        plugin(ExtensionPoint.BACKEND, "sim");
        var s = book.snapshot();
        assertTrue(s.ready());
        assertEquals("fcfs#1", s.effective().get(ExtensionPoint.QUEUE).get("fcfs").service());
    }

    @Test
    void severalBackendsAreActiveAtOnceInConfiguredOrder() {
        plugin(ExtensionPoint.BACKEND, "docker");
        plugin(ExtensionPoint.BACKEND, "containerd");
        plugin(ExtensionPoint.QUEUE, "fcfs");
        configure("fcfs", "containerd", "docker");
        assertEquals(List.of("containerd", "docker"),
                List.copyOf(book.snapshot().effective().get(ExtensionPoint.BACKEND).keySet()));
    }

    @Test
    void useOverridesAndConfigChangeDropsOverride() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        plugin(ExtensionPoint.QUEUE, "sjf");
        configure("fcfs");
        book.use(ExtensionPoint.QUEUE, List.of("sjf"));
        assertEquals(List.of("sjf"), book.snapshot().selections().get(ExtensionPoint.QUEUE).effective());
        configure("fcfs"); // unchanged configuration keeps the override
        assertEquals(List.of("sjf"), book.snapshot().selections().get(ExtensionPoint.QUEUE).effective());
        plugin(ExtensionPoint.QUEUE, "edf");
        configure("edf");
        assertEquals(List.of("edf"), book.snapshot().selections().get(ExtensionPoint.QUEUE).effective());
    }

    @Test
    void removingTheOverriddenPluginFallsBackToConfiguration() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        Plugin lifo = plugin(ExtensionPoint.QUEUE, "lifo");
        configure("fcfs");
        book.use(ExtensionPoint.QUEUE, List.of("lifo"));
        var dropped = book.remove(lifo.serviceId());
        assertEquals(Map.of(ExtensionPoint.QUEUE, List.of("lifo")), dropped);
        assertEquals(List.of("fcfs"), book.snapshot().selections().get(ExtensionPoint.QUEUE).effective());
    }

    @Test
    void unknownNameListsWhatIsInstalled() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        plugin(ExtensionPoint.QUEUE, "sjf");
        var e = assertThrows(UnknownPluginException.class, () -> book.use(ExtensionPoint.QUEUE, List.of("nope")));
        assertEquals("unknown queue plugin 'nope'; installed: fcfs, sjf", e.getMessage());
    }

    @Test
    void singlePointRejectsSeveralNamesAndDuplicatesAreRejected() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        plugin(ExtensionPoint.QUEUE, "sjf");
        var e = assertThrows(UnknownPluginException.class, () -> book.use(ExtensionPoint.QUEUE, List.of("fcfs", "sjf")));
        assertTrue(e.getMessage().startsWith("queue takes exactly one plugin"), e.getMessage());
        plugin(ExtensionPoint.BACKEND, "sim");
        var d = assertThrows(UnknownPluginException.class, () -> book.use(ExtensionPoint.BACKEND, List.of("sim", "sim")));
        assertTrue(d.getMessage().contains("named twice"), d.getMessage());
        assertTrue(d.getMessage().contains("installed: sim"), d.getMessage());
    }

    @Test
    void invalidConfigurationChangesNothing() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        configure("fcfs");
        assertThrows(UnknownPluginException.class, () -> book.configure(Map.of(ExtensionPoint.QUEUE, List.of("a", "b"))));
        assertEquals(List.of("fcfs"), book.snapshot().selections().get(ExtensionPoint.QUEUE).configured());
    }

    @Test
    void duplicateNameKeepsTheEarlierPlugin() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        plugin(ExtensionPoint.QUEUE, "fcfs");
        configure("fcfs");
        var s = book.snapshot();
        assertEquals("fcfs#1", s.effective().get(ExtensionPoint.QUEUE).get("fcfs").service());
        assertEquals(1, s.plugins().stream().filter(PluginInfo::duplicate).count());
    }

    @Test
    void missingPluginOfAPointOutsideTheRoleDoesNotHoldReadinessBack() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        plugin(ExtensionPoint.BACKEND, "sim");
        book.configure(Map.of(ExtensionPoint.QUEUE, List.of("fcfs"), ExtensionPoint.BACKEND, List.of("sim"),
                ExtensionPoint.BALANCER, List.of("round-robin")));
        var s = book.snapshot();
        assertEquals(List.of("round-robin"), s.selections().get(ExtensionPoint.BALANCER).missing());
        assertTrue(s.ready());
    }

    @Test
    void requiredPointWithNothingSelectedIsNotReady() {
        plugin(ExtensionPoint.QUEUE, "fcfs");
        configure("fcfs");
        assertFalse(book.snapshot().ready(), "backend is required but empty");
    }
}
