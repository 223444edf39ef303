package dev.vireo.resource.cpugroups.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.spi.resource.ResourceGrant;
import dev.vireo.api.spi.resource.ResourceRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CpuGroupsTest {
    /** Records what it is asked to do; a container whose id starts with "refuse" makes bind fail. */
    static class Recording implements GroupEnforcer {
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override
        public Optional<Bound> bind(CpuGroup group, ContainerPlacement placement, long expectedNs) throws IOException {
            if (!placement.placed()) {
                return Optional.empty();
            }
            if (placement.containerId().startsWith("refuse")) {
                throw new IOException("Invalid argument");
            }
            log.add("bind " + placement.containerId() + " " + group.cpus() + (expectedNs > 0 ? " expected "
                    + expectedNs : ""));
            return Optional.of(new Bound(group, placement, Path.of("/x"), "0-7"));
        }

        @Override
        public void unbind(Bound bound) {
            log.add("unbind " + bound.placement().containerId() + " " + bound.previous());
        }

        @Override
        public String name() {
            return "cpuset";
        }

        @Override
        public void close() {
            log.add("close");
        }
    }

    /** A recording enforcer that keeps idle containers in their group, as cpuset mode with {@code idle = keep}. */
    static final class Keeping extends Recording {
        @Override
        public boolean keepsIdle() {
            return true;
        }

        @Override
        public Bound move(Bound bound, CpuGroup group, long expectedNs) throws IOException {
            if (bound.placement().containerId().startsWith("stuck")) {
                throw new IOException("Device or resource busy");
            }
            log.add("move " + bound.placement().containerId() + " " + group.cpus());
            return new Bound(group, bound.placement(), bound.target(), bound.previous());
        }

        @Override
        public void forget(ContainerPlacement placement) {
            log.add("forget " + placement.containerId());
        }
    }

    private final Recording enforcer = new Recording();

    private CpuGroups groups(Map<String, ?> config) {
        return new CpuGroups(CpuGroupsOptions.of(CpuGroupsOptionsTest.config(config), CpuList.parse("0-7")), enforcer);
    }

    private static ResourceRequest slot(String tid) {
        return new ResourceRequest(tid, "f-1", Compute.CPU, 0, 0.5, 0, 1);
    }

    /** A slot grant the test expects to get. */
    private static ResourceGrant grant(CpuGroups g, String tid) {
        return g.tryAcquire(slot(tid)).orElseThrow();
    }

    private static ContainerPlacement placed(String id) {
        return new ContainerPlacement(id, "f-1", Map.of("cpuset", Path.of("/sys/fs/cgroup/cpuset/vireo/" + id)),
                Optional.empty(), OptionalLong.of(42));
    }

    private static ContainerPlacement unplaced(String id) {
        return new ContainerPlacement(id, "f-1", Map.of(), Optional.empty(), OptionalLong.empty());
    }

    @Test
    void invocationsGetTheLeastLoadedGroupAndContainersAZeroGrant() {
        CpuGroups g = groups(Map.of("groups", "0-1;2-3;4", "group_concurrency", 2));
        ResourceGrant container = g.tryAcquire(new ResourceRequest("t0", "f-1", Compute.CPU, 128, 0, 0, 0)).orElseThrow();
        assertEquals(0, container.amount());
        assertEquals(Map.of(), container.assignment());
        List<String> order = new ArrayList<>();
        List<ResourceGrant> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ResourceGrant grant = g.tryAcquire(slot("t" + i)).orElseThrow();
            held.add(grant);
            order.add(grant.assignment().get("cpu-group"));
        }
        assertEquals(List.of("0", "1", "2", "0", "1", "2"), order, "least loaded, then the lowest index");
        assertEquals(Map.of("cpu-group", "1", "cpus", "2-3"), held.get(1).assignment());
        assertTrue(g.tryAcquire(slot("t6")).isEmpty(), "every group full");
        g.release(held.get(4)); // group 1 has room again
        assertEquals("1", grant(g, "t7").assignment().get("cpu-group"));
    }

    @Test
    void maxInFlightBelowTheGroupsCapacityIsTheLimit() {
        CpuGroups g = groups(Map.of("groups", "0;1;2", "group_concurrency", 2, "max_in_flight", 4));
        for (int i = 0; i < 4; i++) {
            assertTrue(g.tryAcquire(slot("t" + i)).isPresent());
        }
        assertTrue(g.tryAcquire(slot("t4")).isEmpty(), "4 in flight, groups have room for 6");
        assertEquals(4, g.usage().used());
        assertEquals(4, g.usage().capacity());
    }

    @Test
    void releaseIsIdempotentAndByIdentity() {
        CpuGroups g = groups(Map.of("groups", "0;1"));
        ResourceGrant a = grant(g, "a");
        ResourceGrant b = grant(g, "b");
        g.release(a);
        g.release(a);
        assertEquals(1, g.usage().used(), "a double release frees once");
        ResourceGrant lookalike = new ResourceGrant(b.resource(), b.tid(), b.amount(), b.assignment());
        assertNotSame(b, lookalike);
        g.release(lookalike);
        assertEquals(1, g.usage().used(), "an equal-looking grant that was never handed out frees nothing");
        g.release(b);
        assertEquals(0, g.usage().used());
    }

    @Test
    void theInvocationsExpectedExecutionReachesTheEnforcerInNanoseconds() {
        CpuGroups g = groups(Map.of("groups", "0;1"));
        ResourceGrant a = g.tryAcquire(new ResourceRequest("a", "f-1", Compute.CPU, 0, 0.5, 0, 1, 3_250)).orElseThrow();
        ResourceGrant b = g.tryAcquire(slot("b")).orElseThrow();
        g.bind(a, placed("c1"));
        g.bind(b, placed("c2"));
        assertEquals(List.of("bind c1 0 expected 3250000", "bind c2 1"), enforcer.log, "0 (unknown) stays 0");
    }

    @Test
    void usageHasADetailPerGroup() {
        CpuGroups g = groups(Map.of("groups", "0-1;2", "group_concurrency", 2));
        ResourceGrant a = grant(g, "a");
        grant(g, "b");
        grant(g, "c");
        g.bind(a, placed("c1"));
        var u = g.usage();
        assertEquals("cpu-groups", u.resource());
        assertEquals("invocations", u.unit());
        assertEquals(3, u.used());
        assertEquals(4, u.capacity());
        assertEquals(2.0, u.detail().get("group.0.in.flight"));
        assertEquals(1.0, u.detail().get("group.1.in.flight"));
        assertEquals(2.0, u.detail().get("group.0.cpus"));
        assertEquals(1.0, u.detail().get("group.1.cpus"));
        assertEquals(2.0, u.detail().get("groups"));
        assertEquals(3.0, u.detail().get("peak"));
        assertEquals(1.0, u.detail().get("members"));
    }

    @Test
    void impossibleWhenAFunctionNeedsMoreCpusThanTheLargestGroup() {
        CpuGroups g = groups(Map.of("groups", "0-1;2"));
        assertEquals(Optional.empty(), g.impossible(slot("a")));
        assertEquals(Optional.empty(), g.impossible(new ResourceRequest("a", "f-1", Compute.CPU, 0, 2, 0, 1)));
        assertEquals(Optional.of("needs 3.0 cpus but the largest CPU group has 2"),
                g.impossible(new ResourceRequest("a", "f-1", Compute.CPU, 0, 3, 0, 1)));
        assertEquals(Optional.empty(), g.impossible(new ResourceRequest("a", "f-1", Compute.CPU, 4096, 3, 0, 0)),
                "a container request needs no group");
        assertTrue(g.impossible(new ResourceRequest("a", "f-1", Compute.CPU, 0, 1, 0, 2)).isPresent());
    }

    @Test
    void bindConfinesTheContainerAndReleaseOrUnbindRestoresIt() {
        CpuGroups g = groups(Map.of("groups", "0-1;2-3"));
        ResourceGrant a = grant(g, "a");
        ResourceGrant b = grant(g, "b");
        g.bind(a, placed("c1"));
        g.bind(a, placed("c1")); // twice: once
        g.bind(b, placed("c2"));
        assertEquals(List.of("bind c1 0-1", "bind c2 2-3"), enforcer.log);
        assertEquals(List.of("c1 -> 0 confined", "c2 -> 1 confined"), g.members().stream()
                .map(m -> m.containerId() + " -> " + m.group().name() + " " + m.state().name().toLowerCase()).toList());
        g.unbind(a);
        g.unbind(a);
        assertEquals(2, g.usage().used(), "unbind keeps the grant");
        g.release(b);
        g.release(a);
        assertEquals(List.of("bind c1 0-1", "bind c2 2-3", "unbind c1 0-7", "unbind c2 0-7"), enforcer.log);
        assertEquals(List.of(), g.members());
        assertEquals(0, g.usage().used());
    }

    @Test
    void aReleasedGrantOrAZeroGrantBindsNothing() {
        CpuGroups g = groups(Map.of("groups", "0;1"));
        ResourceGrant a = grant(g, "a");
        g.release(a);
        g.bind(a, placed("c1"));
        ResourceGrant zero = g.tryAcquire(new ResourceRequest("z", "f-1", Compute.CPU, 64, 0, 0, 0)).orElseThrow();
        g.bind(zero, placed("c2"));
        assertEquals(List.of(), enforcer.log);
        assertEquals(List.of(), g.members());
    }

    @Test
    void unplacedAndRefusedContainersAreRecordedAndStillCounted() {
        CpuGroups g = groups(Map.of("groups", "0;1"));
        ResourceGrant a = grant(g, "a");
        ResourceGrant b = grant(g, "b");
        g.bind(a, unplaced("sim-1"));
        g.bind(b, placed("refuse-1"));
        assertEquals(List.of("sim-1 unplaced", "refuse-1 failed"), g.members().stream()
                .map(m -> m.containerId() + " " + m.state().name().toLowerCase()).toList());
        assertEquals(1.0, g.usage().detail().get("unplaced"));
        assertEquals(1.0, g.usage().detail().get("bind.failures"));
        g.release(a);
        g.release(b);
        assertEquals(List.of(), enforcer.log, "nothing was confined, nothing to restore");
        assertEquals(0, g.usage().used());
    }

    @Test
    void aContainerServingTwoInvocationsStaysInTheFirstGroupUntilTheLastEnds() {
        CpuGroups g = groups(Map.of("groups", "0;1"));
        ResourceGrant a = grant(g, "a");
        ResourceGrant b = grant(g, "b");
        g.bind(a, placed("c1"));
        g.bind(b, placed("c1"));
        assertEquals(1, g.members().size());
        assertEquals(2, g.members().get(0).grants().size());
        g.release(a);
        assertEquals(List.of("bind c1 0"), enforcer.log, "b still runs in it");
        g.release(b);
        assertEquals(List.of("bind c1 0", "unbind c1 0-7"), enforcer.log);
    }

    @Test
    void closeRestoresEveryBoundContainerAndLaterBindsDoNothing() {
        CpuGroups g = groups(Map.of("groups", "0;1"));
        ResourceGrant a = grant(g, "a");
        ResourceGrant b = grant(g, "b");
        g.bind(a, placed("c1"));
        g.close();
        g.bind(b, placed("c2"));
        g.release(a);
        g.release(b);
        assertEquals(List.of("bind c1 0", "unbind c1 0-7", "close"), enforcer.log);
        assertEquals(0, g.usage().used());
    }

    private static final Map<String, Object> PINNED = Map.of("groups", "0;1", "function_groups", "f-1=0; g-1=1");

    private static ResourceGrant grant(CpuGroups g, String tid, String function) {
        return g.tryAcquire(new ResourceRequest(tid, function, Compute.CPU, 0, 0.5, 0, 1)).orElseThrow();
    }

    private final Keeping keeping = new Keeping();

    /** Groups 0 and 1 (f-1 gets 0, g-1 gets 1) over {@link #keeping}, an enforcer that keeps idle containers. */
    private CpuGroups keptIdle() {
        return new CpuGroups(CpuGroupsOptions.of(CpuGroupsOptionsTest.config(PINNED), CpuList.parse("0-7")), keeping);
    }

    /** One successful invocation of {@code function} in {@code container}: acquire, bind, unbind, release. */
    private static void call(CpuGroups g, String tid, String function, String container) {
        ResourceGrant grant = grant(g, tid, function);
        g.bind(grant, placed(container));
        g.unbind(grant);
        g.release(grant);
    }

    private static String members(CpuGroups g) {
        return g.members().stream().map(m -> m.containerId() + "@" + m.group().name() + " " + m.state().name()
                .toLowerCase() + " x" + m.grants().size()).toList().toString();
    }

    @Test
    void aKeptContainerStaysInItsGroupWhileIdleAndTheNextCallInTheSameGroupWritesNothing() {
        CpuGroups g = keptIdle();
        for (String tid : List.of("t1", "t2", "t3")) {
            call(g, tid, "f-1", "c1");
        }
        assertEquals(List.of("bind c1 0"), keeping.log, "one write for three invocations");
        assertEquals("[c1@0 confined x0]", members(g), "idle, still in group 0");
        assertEquals(2.0, g.usage().detail().get("kept"));
        assertEquals(1.0, g.usage().detail().get("idle.members"));
        assertEquals(0.0, g.usage().detail().get("members"));
        assertEquals(0, g.usage().used(), "an idle member holds no slot");

        ResourceGrant other = grant(g, "t4", "g-1"); // the same container, now for group 1
        g.bind(other, placed("c1"));
        assertEquals(List.of("bind c1 0", "move c1 1"), keeping.log);
        assertEquals("[c1@1 confined x1]", members(g));
        g.unbind(other);
        g.release(other);
        assertEquals(1.0, g.usage().detail().get("moves"));

        g.forget(placed("c1")); // destroyed: its cgroup is gone, nothing to write back
        assertEquals(List.of("bind c1 0", "move c1 1", "forget c1"), keeping.log);
        assertEquals("[]", members(g));
    }

    @Test
    void aFailedCallsReleaseTakesAKeptContainerOutAndCloseRestoresIdleOnes() {
        CpuGroups g = keptIdle();
        call(g, "ok", "f-1", "c1");
        ResourceGrant failed = grant(g, "failed", "g-1");
        g.bind(failed, placed("c2"));
        g.release(failed); // no unbind: the call failed, its container is not pooled again
        assertEquals(List.of("bind c1 0", "bind c2 1", "unbind c2 0-7"), keeping.log);
        assertEquals("[c1@0 confined x0]", members(g));

        ResourceGrant busy = grant(g, "busy", "f-1");
        g.bind(busy, placed("c3"));
        g.forget(placed("c3")); // destroyed while bound (a timed-out call): its release still restores
        g.release(busy);
        assertEquals(List.of("bind c1 0", "bind c2 1", "unbind c2 0-7", "bind c3 0", "forget c3", "unbind c3 0-7"),
                keeping.log);

        ResourceGrant done = grant(g, "done", "f-1");
        g.bind(done, placed("c4"));
        g.forget(placed("c4")); // destroyed while its call ran (worker stop): that call's success does not keep it
        g.unbind(done);
        g.release(done);
        assertEquals("[c1@0 confined x0]", members(g), "c4 not kept");

        g.close();
        assertEquals(List.of("bind c1 0", "bind c2 1", "unbind c2 0-7", "bind c3 0", "forget c3", "unbind c3 0-7",
                "bind c4 0", "forget c4", "unbind c4 0-7", "unbind c1 0-7", "close"), keeping.log,
                "the idle one written back at close");
    }

    @Test
    void aMoveTheHostRefusesTakesTheContainerOutAndCountsAFailure() {
        CpuGroups g = keptIdle();
        call(g, "a", "f-1", "stuck-1");
        ResourceGrant b = grant(g, "b", "g-1");
        g.bind(b, placed("stuck-1"));
        assertEquals(List.of("bind stuck-1 0", "unbind stuck-1 0-7"), keeping.log, "written back, not left in 0");
        assertEquals("[stuck-1@1 failed x1]", members(g));
        assertEquals(1.0, g.usage().detail().get("bind.failures"));
        g.unbind(b);
        g.release(b);
        assertEquals("[]", members(g), "a failed member is not kept");
        assertEquals(0, g.usage().used());
    }

    @Test
    void anEnforcerThatDoesNotKeepIdleContainersTakesThemOutAfterEachCall() {
        CpuGroups g = groups(PINNED); // Recording: keepsIdle() is false (sched-ext mode, or idle = restore)
        for (String tid : List.of("t1", "t2")) {
            call(g, tid, "f-1", "c1");
        }
        assertEquals(List.of("bind c1 0", "unbind c1 0-7", "bind c1 0", "unbind c1 0-7"), enforcer.log);
        assertEquals("[]", members(g));
    }

    /** 8 threads acquire, bind, release as fast as they can; the count seen inside never passes the limit. */
    @Test
    void theLimitHoldsUnderContention() throws Exception {
        CpuGroups g = groups(Map.of("groups", "0;1;2;3", "group_concurrency", 3, "max_in_flight", 5));
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        AtomicInteger granted = new AtomicInteger();
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < 20_000; i++) {
                        Optional<ResourceGrant> grant = g.tryAcquire(slot("t" + id + "-" + i));
                        if (grant.isEmpty()) {
                            continue;
                        }
                        granted.incrementAndGet();
                        max.accumulateAndGet(holding.incrementAndGet(), Math::max);
                        int[] perGroup = g.inFlight();
                        for (int n : perGroup) {
                            if (n > 3) {
                                throw new AssertionError("a group holds " + n + " > 3");
                            }
                        }
                        g.bind(grant.get(), ThreadLocalRandom.current().nextBoolean() ? placed("c" + id) : unplaced("s" + id));
                        holding.decrementAndGet();
                        g.release(grant.get());
                        if (ThreadLocalRandom.current().nextInt(4) == 0) {
                            g.release(grant.get()); // a second release must not free a second slot
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        start.countDown();
        for (Thread t : all) {
            t.join();
        }
        assertEquals(List.of(), errors);
        assertTrue(max.get() <= 5, "held at once: " + max.get());
        assertTrue(g.usage().detail().get("peak") <= 5.0, "peak " + g.usage().detail().get("peak"));
        assertTrue(granted.get() > 1_000, "granted " + granted.get());
        assertEquals(0, g.usage().used());
        assertEquals(List.of(), g.members());
        long binds = enforcer.log.stream().filter(s -> s.startsWith("bind")).count();
        long unbinds = enforcer.log.stream().filter(s -> s.startsWith("unbind")).count();
        assertEquals(binds, unbinds, "every confined container was restored");
    }
}
