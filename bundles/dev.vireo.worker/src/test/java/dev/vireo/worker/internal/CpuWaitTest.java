package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.probe.CpuWaitProbe;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.VirtualTime;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's use of a {@link CpuWaitProbe}: the record's {@code cpuWaitUs} is the difference of the container's
 * wait around the call, the function's statistics and the {@code vireo.cpu.wait} histogram follow it; without a probe,
 * or with one that throws, the record says -1 and the invocation is unaffected.
 */
class CpuWaitTest {
    private final VirtualTime time = new VirtualTime();
    private final Fakes.Backend backend = new Fakes.Backend(time);
    private final TestRegistry registry = new TestRegistry()
            .put(ContainerBackend.class, "fake", backend).put(AgentTransport.class, "fake", backend)
            .put(ResourceTracker.class, "concurrency", new Fakes.Capacity("concurrency", 2, r -> r.slots()))
            .put(QueuePolicy.class, "fifo", Fakes.FIFO).put(KeepAlivePolicy.class, "oldest", Fakes.OLDEST_IDLE);
    private final SimpleMeterRegistry meters = Fakes.meters();
    private final WorkerCore worker = new WorkerCore(registry, time, time, new WorkerOptions("w", 100,
            Duration.ofSeconds(60), Duration.ofMillis(50), 1_000, Duration.ofSeconds(1), 5,
            List.of(Path.of(System.getProperty("java.io.tmpdir")))), meters, () -> new HostMemory.Reading(1_000, 900));

    /** Each read of a tracked container's wait finds it {@code stepNs} further along; untracked ones are -1. */
    static final class SteppingProbe implements CpuWaitProbe {
        final long stepNs;
        final Map<String, Long> waited = new ConcurrentHashMap<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        SteppingProbe(long stepNs) {
            this.stepNs = stepNs;
        }

        public void track(ContainerPlacement p, String tid) {
            events.add("track " + p.containerId());
            waited.put(p.containerId(), 0L);
        }

        public long waitedNs(ContainerPlacement p, String tid) {
            Long w = waited.computeIfPresent(p.containerId(), (id, ns) -> ns + stepNs);
            return w == null ? NOT_MEASURED : w;
        }

        public void untrack(ContainerPlacement p, String tid) {
            events.add("untrack " + p.containerId());
            waited.remove(p.containerId());
        }
    }

    @AfterEach
    void close() {
        worker.close();
    }

    private static FunctionSpec fn(String name) {
        return new FunctionSpec(name, "1", "img", "", "", "", Compute.CPU, "fake", 128, 0.1, Duration.ofSeconds(1),
                1, null);
    }

    private InvocationRecord call(String id) {
        CompletableFuture<InvocationRecord> f = worker.invoke(null, id, "{}").toCompletableFuture();
        time.runUntil(f::isDone, Duration.ofMinutes(1));
        return f.join();
    }

    private DistributionSummary histogram(String function) {
        return meters.find("vireo.cpu.wait").tag("function", function).summary();
    }

    @Test
    void theRecordCarriesTheContainersWaitDuringTheCall() {
        SteppingProbe probe = new SteppingProbe(2_500_000);
        worker.cpuWaitProbe(probe);
        worker.register(fn("a"));
        InvocationRecord cold = call("a-1");
        InvocationRecord warm = call("a-1");
        assertTrue(cold.success() && warm.success(), cold + " " + warm);
        assertEquals(2_500, cold.timings().cpuWaitUs(), "one step between the read before and the read after");
        assertEquals(2_500, warm.timings().cpuWaitUs(), "the warm call counts from its own start, not the container's");
        assertEquals(2_500, worker.status().stats().get("a-1").cpuWaitUs(), 1e-9);
        assertEquals(2, histogram("a-1").count());
        assertEquals(0.005, histogram("a-1").totalAmount(), 1e-12, "recorded in seconds");
        String container = backend.created.get(0);
        assertEquals(List.of("track " + container), probe.events);
        worker.unregister("a-1");
        time.runUntil(() -> probe.events.size() == 2, Duration.ofMinutes(1));
        assertEquals(List.of("track " + container, "untrack " + container), probe.events, "untracked when destroyed");
        assertNull(histogram("a-1"), "the function's histogram goes with it");
    }

    @Test
    void prometheusShowsAHistogramInSecondsPerFunction() {
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus =
                new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        WorkerMetrics metrics = new WorkerMetrics(prometheus, "w", worker::status);
        metrics.record(new InvocationRecord("t-1", "e-1", "w", "fake", java.util.Optional.empty(),
                java.time.Instant.EPOCH, new Timings(0, 0, 0, 0, 0, 10, 3_000), "", java.util.Optional.empty()));
        metrics.record(new InvocationRecord("t-2", "e-1", "w", "fake", java.util.Optional.empty(),
                java.time.Instant.EPOCH, new Timings(0, 0, 0, 0, 0, 10), "", java.util.Optional.empty()));
        String text = prometheus.scrape();
        assertTrue(text.contains("vireo_cpu_wait_seconds_bucket{function=\"e-1\""), text);
        assertTrue(text.contains("vireo_cpu_wait_seconds_count{function=\"e-1\",worker=\"w\"} 1"),
                "the unmeasured invocation is left out: " + text);
        assertTrue(text.contains("vireo_cpu_wait_seconds_sum{function=\"e-1\",worker=\"w\"} 0.003"), text);
        metrics.unregistered("e-1");
        assertTrue(!prometheus.scrape().contains("vireo_cpu_wait_seconds"), "removed with the function");
    }

    @Test
    void withoutAProbeTheRecordSaysNotMeasured() {
        worker.register(fn("b"));
        InvocationRecord r = call("b-1");
        assertTrue(r.success(), r.toString());
        assertEquals(Timings.NOT_MEASURED, r.timings().cpuWaitUs());
        assertEquals(-1, worker.status().stats().get("b-1").cpuWaitUs(), 1e-9);
        assertNull(histogram("b-1"), "nothing measured, nothing recorded");
    }

    @Test
    void aProbeThatThrowsNeverFailsAnInvocation() {
        worker.cpuWaitProbe(new CpuWaitProbe() {
            public void track(ContainerPlacement p, String tid) {
                throw new IllegalStateException("map full");
            }

            public long waitedNs(ContainerPlacement p, String tid) {
                throw new IllegalStateException("EPERM");
            }

            public void untrack(ContainerPlacement p, String tid) {
                throw new IllegalStateException("gone");
            }
        });
        worker.register(fn("c"));
        InvocationRecord r = call("c-1");
        assertTrue(r.success(), r.toString());
        assertEquals(Timings.NOT_MEASURED, r.timings().cpuWaitUs());
        worker.unregister("c-1");
        time.runUntil(() -> backend.destroyed.size() == 1, Duration.ofMinutes(1));
    }

    @Test
    void aProbeThatGoesAwayStopsMeasuringUnlessAnotherReplacedIt() {
        SteppingProbe first = new SteppingProbe(1_000_000);
        SteppingProbe second = new SteppingProbe(3_000_000);
        worker.cpuWaitProbe(first);
        worker.cpuWaitProbe(second); // DS binds the new one before it unbinds the old
        worker.cpuWaitProbeGone(first);
        worker.register(fn("d"));
        assertEquals(3_000, call("d-1").timings().cpuWaitUs());
        worker.cpuWaitProbeGone(second);
        assertEquals(Timings.NOT_MEASURED, call("d-1").timings().cpuWaitUs());
    }
}
