package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.backend.sim.internal.SimBackend;
import dev.vireo.backend.sim.internal.SimTransport;
import dev.vireo.resource.cpugroups.internal.CpuGroupsConfig;
import dev.vireo.resource.cpugroups.internal.CpuGroupsTracker;
import dev.vireo.testkit.Components;
import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.TestTime;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cpu-groups tracker's in-flight limit through the real worker core, the real sim backend and transport, on real
 * threads: bursts of thousands of invocations with random durations, some failing, some timing out. The limit must
 * hold for what the tracker counts and for what the agents really run at any moment, and every grant must come back.
 */
class InFlightLimitStressTest {
    private static final int SUBMITTERS = 16;
    private static final int PER_SUBMITTER = 250;
    private static final int FUNCTIONS = 5;
    private static final long TIMEOUT_MS = 40;

    /** Counts the invocations the simulated agents are running: from the call until its reply completes. */
    static final class Running implements AgentTransport {
        final AgentTransport sim;
        final AtomicInteger now = new AtomicInteger();
        final AtomicInteger max = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();

        Running(AgentTransport sim) {
            this.sim = sim;
        }

        @Override
        public TransportBinding bind(String containerId, String tid) throws IOException {
            return sim.bind(containerId, tid);
        }

        @Override
        public AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException {
            AgentChannel ch = sim.open(endpoint, tid);
            return new AgentChannel() {
                @Override
                public CompletionStage<AgentReply> invoke(String t, String payload, Duration timeout) {
                    calls.incrementAndGet();
                    max.accumulateAndGet(now.incrementAndGet(), Math::max);
                    return ch.invoke(t, payload, timeout).whenComplete((r, e) -> now.decrementAndGet());
                }

                @Override
                public boolean isOpen() {
                    return ch.isOpen();
                }

                @Override
                public void close() {
                    ch.close();
                }
            };
        }

        @Override
        public void unbind(TransportBinding binding) {
            sim.unbind(binding);
        }
    }

    private final TestTime time = new TestTime();
    private final Running running = new Running(new SimTransport(time, time));
    private final CpuGroupsTracker probe = new CpuGroupsTracker(config(0, 1));
    /** One group per online CPU, 3 invocations each, and a limit one below what the groups hold. */
    private final int groups = probe.usage().detail().get("groups").intValue();
    private final int limit = groups * 3 - 1;
    private final CpuGroupsTracker tracker = new CpuGroupsTracker(config(limit, 3));
    private final TestRegistry registry = new TestRegistry()
            .put(ContainerBackend.class, "sim", new SimBackend(time, Components.config(SimBackend.Config.class,
                    Map.of("cold_start_ms", 3L))))
            .put(AgentTransport.class, "sim", running)
            .put(ResourceTracker.class, "cpu-groups", tracker)
            .put(ResourceTracker.class, "memory", new Fakes.Capacity("memory", 64 * 64, r -> r.memoryMb()))
            .put(QueuePolicy.class, "fifo", Fakes.FIFO).put(KeepAlivePolicy.class, "oldest", Fakes.OLDEST_IDLE);
    private final WorkerCore worker = new WorkerCore(registry, time, time, new WorkerOptions("w", 100_000,
            Duration.ofSeconds(60), Duration.ofMillis(50), 1_000, Duration.ofSeconds(1), 5, List.of()), Fakes.meters(),
            () -> new HostMemory.Reading(1_000, 900));

    private static CpuGroupsConfig config(int maxInFlight, int perGroup) {
        return Components.config(CpuGroupsConfig.class, Map.of("max_in_flight", maxInFlight,
                "group_concurrency", perGroup));
    }

    @AfterEach
    void close() {
        worker.close();
        time.close();
    }

    @Test
    void burstsNeverRunMoreThanTheLimitAndEveryGrantComesBack() throws Exception {
        for (int f = 0; f < FUNCTIONS; f++) {
            worker.register(new FunctionSpec("f" + f, "1", "sim/f" + f, "", "", "sim", Compute.CPU, "sim", 64, 0.1,
                    Duration.ofMillis(TIMEOUT_MS), 1, null));
        }
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger sampledInFlight = new AtomicInteger();
        AtomicInteger sampledRunning = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (sampling.get()) {
                sampledInFlight.accumulateAndGet((int) tracker.usage().used(), Math::max);
                sampledRunning.accumulateAndGet(running.now.get(), Math::max);
                samples.incrementAndGet();
                Thread.onSpinWait();
            }
        });
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        List<CompletableFuture<InvocationRecord>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> submitters = new ArrayList<>();
        for (int s = 0; s < SUBMITTERS; s++) {
            long seed = s;
            submitters.add(Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                try {
                    go.await();
                    for (int burst = 0; burst < PER_SUBMITTER / 50; burst++) {
                        List<CompletableFuture<InvocationRecord>> mine = new ArrayList<>();
                        for (int i = 0; i < 50; i++) { // a burst: 50 at once from each of 16 threads
                            int kind = random.nextInt(100);
                            String payload = kind < 3 ? "{\"sim_exec_ms\": " + (TIMEOUT_MS * 3) + "}" // times out
                                    : kind < 8 ? "{\"sim_fail\": \"boom\", \"sim_exec_ms\": " + random.nextInt(5) + "}"
                                    : "{\"sim_exec_ms\": " + random.nextInt(9) + "}";
                            mine.add(worker.invoke(null, "f" + random.nextInt(FUNCTIONS) + "-1", payload)
                                    .toCompletableFuture());
                        }
                        all.addAll(mine);
                        mine.get(mine.size() - 1).get(60, TimeUnit.SECONDS); // then the next burst
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        go.countDown();
        for (Thread t : submitters) {
            t.join();
        }
        for (CompletableFuture<InvocationRecord> f : all) {
            InvocationRecord r = f.get(60, TimeUnit.SECONDS);
            outcomes.merge(r.success() ? "ok" : r.error().orElseThrow().kind().name(), 1, Integer::sum);
        }
        // a timed-out container's slot comes back once the backend destroyed it: wait for the last ones
        for (int i = 0; i < 500 && tracker.usage().used() > 0; i++) {
            Thread.sleep(10);
        }
        sampling.set(false);
        sampler.join();

        int total = SUBMITTERS * PER_SUBMITTER;
        assertEquals(total, all.size());
        assertEquals(total, outcomes.values().stream().mapToInt(Integer::intValue).sum(), outcomes.toString());
        assertTrue(outcomes.getOrDefault("ok", 0) > total / 2, "most succeeded: " + outcomes);
        assertTrue(outcomes.getOrDefault(ErrorKind.TIMEOUT.name(), 0) > 0, "some timed out: " + outcomes);
        assertTrue(outcomes.getOrDefault(ErrorKind.USER_ERROR.name(), 0) > 0, "some failed: " + outcomes);
        assertTrue(running.calls.get() >= total - outcomes.getOrDefault(ErrorKind.CANCELLED.name(), 0),
                "agents got the calls: " + running.calls.get());
        System.out.printf("in-flight stress: %d invocations %s, limit %d (%d groups x 3 - 1), max running at the "
                + "agents %d, tracker peak %.0f, sampled max in flight %d, running %d over %d samples%n", total,
                outcomes, limit, groups, running.max.get(), tracker.usage().detail().get("peak"),
                sampledInFlight.get(), sampledRunning.get(), samples.get());
        assertTrue(running.max.get() <= limit, "agents ran " + running.max.get() + " at once, limit " + limit);
        assertTrue(tracker.usage().detail().get("peak") <= limit, "tracker peak " + tracker.usage().detail());
        assertTrue(sampledInFlight.get() <= limit && sampledRunning.get() <= limit);
        assertEquals(limit, running.max.get(), "the bursts did fill every slot (else the test proves nothing)");
        assertEquals(0, tracker.usage().used(), "every grant released: " + tracker.usage());
        assertEquals(0, running.now.get());
        assertEquals(0.0, tracker.usage().detail().get("members"), "no container left in a group");
        assertEquals(running.calls.get(), tracker.usage().detail().get("unplaced").intValue(),
                "every call was bound, sim containers unplaced");
    }
}
