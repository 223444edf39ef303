package dev.vireo.controller.internal;

import dev.vireo.testkit.VirtualTime;

import static dev.vireo.controller.internal.TestWorkers.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The DS shell: what it registers, and a configuration change through its modified path. That path keeps the running
 * core (workers, registrations) and applies every changed option without resetting the ones that did not change (the
 * test the worker's shell lacked: its reconfigure put defaults back for options it did not list).
 */
class ControllerComponentTest {
    private final VirtualTime time = new VirtualTime();
    private final TestWorkers workers = new TestWorkers(time);
    private String[] classes;
    private Object service;
    private Dictionary<?, ?> properties;
    private final AtomicInteger unregistered = new AtomicInteger();
    private ControllerComponent component;

    /** A configuration as DS hands it over: the keys given, the defaults for the others. */
    private static ControllerConfig config(Map<String, Object> values) {
        return (ControllerConfig) Proxy.newProxyInstance(ControllerConfig.class.getClassLoader(),
                new Class<?>[] {ControllerConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "annotationType" -> ControllerConfig.class;
                    case "toString" -> values.toString();
                    case "hashCode" -> values.hashCode();
                    case "equals" -> proxy == args[0];
                    default -> values.getOrDefault(method.getName(), method.getDefaultValue());
                });
    }

    /** Not the defaults anywhere: heartbeat 100 ms, out after 5 missed, no retry, one configured worker. */
    private static Map<String, Object> initial() {
        Map<String, Object> c = new HashMap<>();
        c.put("name", "ctl-a");
        c.put("heartbeat_ms", 100L);
        c.put("missed_heartbeats", 5);
        c.put("retry", false);
        c.put("workers", "w1=h:1");
        return c;
    }

    private BundleContext context() {
        ServiceRegistration<?> registration = (ServiceRegistration<?>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class}, (proxy, method, args) -> {
                    if (method.getName().equals("unregister")) {
                        unregistered.incrementAndGet();
                    }
                    return null;
                });
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("registerService") && args[0] instanceof String[] names) {
                        classes = names;
                        service = args[1];
                        properties = (Dictionary<?, ?>) args[2];
                        return registration;
                    }
                    throw new UnsupportedOperationException(method.toString());
                });
    }

    private ControllerCore activate(Map<String, Object> config) {
        component = new ControllerComponent(context(), TestWorkers.roundRobin(), time, time, workers,
                new SimpleMeterRegistry(), config(config));
        time.runFor(java.time.Duration.ZERO); // the configured workers join
        return (ControllerCore) service;
    }

    @AfterEach
    void close() {
        if (component != null) {
            component.close();
        }
    }

    @Test
    void registersTheCoreAsWorkerAndClusterServiceAndUnregistersItOnDeactivation() {
        ControllerCore core = activate(initial());
        assertArrayEquals(new String[] {WorkerService.class.getName(), ClusterService.class.getName(),
            ClusterMembers.class.getName()}, classes);
        assertTrue(properties.isEmpty());
        assertEquals("ctl-a", core.name());
        assertEquals(List.of("w1"), core.members().stream().map(WorkerMember::name).toList());
        component.close();
        component = null;
        assertEquals(1, unregistered.get());
        assertTrue(workers.at("h:1").closed, "the core closed its workers");
    }

    @Test
    void aChangedOptionTakesEffectAndTheOthersKeepTheirValues() {
        ControllerCore core = activate(initial());
        FunctionSpec a = core.register(spec("a"));
        Map<String, Object> changed = initial();
        changed.put("heartbeat_ms", 50L);
        component.modified(config(changed));

        assertSame(core, service, "the same core: nothing registered again");
        assertEquals(ControllerOptions.of(config(changed)), core.options());
        assertEquals(new ControllerOptions("ctl-a", Duration.ofMillis(50), 5, false,
                List.of(new ControllerOptions.Seed("w1", "h:1"))), core.options(), "not the defaults (500, 3, true)");
        assertEquals(List.of(a), core.functions(), "registrations kept");

        // heartbeats every 50 ms now, and the worker still has 5 to miss
        TestWorkers.Worker w1 = workers.at("h:1");
        int before = w1.statusCalls.get();
        w1.answering = false;
        time.runFor(java.time.Duration.ofMillis(200));
        assertEquals(4, w1.statusCalls.get() - before);
        assertTrue(core.members().get(0).healthy(), "4 missed of 5");
        time.runFor(java.time.Duration.ofMillis(50));
        assertFalse(core.members().get(0).healthy());
        assertEquals("missed 5 heartbeats: worker at h:1 did not answer", core.members().get(0).reason());
    }

    @Test
    void settingsAreTheControllersConfigurationAndEachWorkersInService() {
        Map<String, Object> config = initial();
        config.put("workers", "w2=h:2,w1=h:1,w3=h:3");
        ControllerCore core = activate(config);
        WorkerException none = assertThrows(WorkerException.class, core::settings);
        assertTrue(none.getMessage().contains("does not report its settings"), none.getMessage());
        component.setConfiguration(() -> Map.of("vireo.controller", Map.of("retry", "false")));
        workers.at("h:3").answering = false;
        time.runFor(java.time.Duration.ofMillis(1000)); // w3 misses its heartbeats: out of service
        var s = core.settings();
        assertEquals("ctl-a", s.node());
        assertEquals("controller", s.role());
        assertEquals(Map.of("vireo.controller", Map.of("retry", "false")), s.configuration());
        assertEquals(List.of("w1", "w2"), s.workers().stream().map(w -> w.node()).toList(),
                "the workers in service, by their member names (each calls itself worker-1)");
        assertEquals(Map.of("queue", "fcfs"), s.workers().get(0).policies());
        assertEquals("rr", s.policies().get("balancer"), "what is in force at the controller (the test registry's)");
        workers.at("h:2").answering = false;
        WorkerException e = assertThrows(WorkerException.class, core::settings);
        assertEquals(ErrorKind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().startsWith("worker w2: "), e.getMessage());
        assertEquals(ErrorKind.UNREACHABLE, ((WorkerException) e.getCause()).kind(), "the worker's own error kept");
    }

    @Test
    void theBalancerIsPutInForceHereAndQueueOrKeepAlivePoliciesOnEveryWorker() {
        Map<String, Object> config = initial();
        config.put("workers", "w1=h:1,w2=h:2");
        ControllerCore core = activate(config);
        // (the balancer is put in force in the controller's own registry: ClusterIT, with the kernel's)
        core.use("queue", "sjf");
        assertEquals(List.of("queue=sjf"), workers.at("h:1").used);
        assertEquals(List.of("queue=sjf"), workers.at("h:2").used);
        var refused = assertThrows(ValidationException.class, () -> core.use("keepalive", "nope"));
        assertEquals("use: worker w1: unknown keepalive plugin 'nope'", refused.getMessage());
        var point = assertThrows(ValidationException.class, () -> core.use("dag", "heft"));
        assertEquals("point", point.field());
        workers.at("h:2").answering = false;
        WorkerException gone = assertThrows(WorkerException.class, () -> core.use("queue", "fcfs"));
        assertTrue(gone.getMessage().startsWith("worker w2: "), gone.getMessage());
    }

    @Test
    void retryAndMissedHeartbeatsChangeAtRuntime() {
        ControllerCore core = activate(initial());
        Map<String, Object> changed = initial();
        changed.put("retry", true);
        changed.put("missed_heartbeats", 1);
        component.modified(config(changed));
        assertTrue(core.options().retry());
        workers.at("h:1").answering = false;
        time.runFor(java.time.Duration.ofMillis(100));
        assertEquals("missed 1 heartbeats: worker at h:1 did not answer", core.members().get(0).reason());
    }

    @Test
    void theConfiguredWorkersFollowTheConfiguration() {
        ControllerCore core = activate(initial());
        Map<String, Object> changed = initial();
        changed.put("workers", "w2=h:2, w3=h:3");
        component.modified(config(changed));
        time.runFor(java.time.Duration.ZERO);
        assertEquals(List.of("w2", "w3"), core.members().stream().map(WorkerMember::name).toList());
        assertTrue(workers.at("h:1").closed, "w1, no longer configured, left");
    }

    @Test
    void theNameStaysUntilARestart() {
        ControllerCore core = activate(initial());
        Map<String, Object> changed = initial();
        changed.put("name", "ctl-b");
        changed.put("retry", true);
        component.modified(config(changed));
        assertEquals("ctl-a", core.name());
        assertEquals("ctl-a", core.options().name());
        assertTrue(core.options().retry(), "the rest of the change applies");
    }

    @Test
    void anInvalidChangeIsRefusedAndTheRunningOptionsStay() {
        ControllerCore core = activate(initial());
        ControllerOptions before = core.options();
        Map<String, Object> bad = initial();
        bad.put("heartbeat_ms", 5L);
        assertThrows(ValidationException.class, () -> component.modified(config(bad)));
        bad.put("heartbeat_ms", 100L);
        bad.put("workers", "just-a-host:1");
        ValidationException e = assertThrows(ValidationException.class, () -> component.modified(config(bad)));
        assertEquals("workers", e.field());
        assertEquals(before, core.options());
    }

    @Test
    void theConfigurationKeysAreTheDocumentedOnes() {
        List<String> methods = new java.util.ArrayList<>();
        for (Method m : ControllerConfig.class.getDeclaredMethods()) {
            methods.add(m.getName());
        }
        methods.sort(null);
        assertEquals(List.of("heartbeat_ms", "missed_heartbeats", "name", "retry", "workers"), methods);
    }
}
