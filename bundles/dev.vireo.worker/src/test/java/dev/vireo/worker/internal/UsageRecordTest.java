package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.VirtualTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's use of a container's cgroup CPU counter and the host's RAPL counters: the record's {@code cpuTimeUs}
 * and {@code energyUj} are what moved during the call, on a backend whose containers have cgroup folders and a RAPL
 * folder laid out as the kernel does (the fake agent moves them as the kernel would).
 */
class UsageRecordTest {
    @TempDir
    Path tmp;
    private final VirtualTime time = new VirtualTime();
    private final Fakes.Backend backend = new Fakes.Backend(time);
    private final TestRegistry registry = new TestRegistry()
            .put(ContainerBackend.class, "fake", backend).put(AgentTransport.class, "fake", backend)
            .put(ResourceTracker.class, "concurrency", new Fakes.Capacity("concurrency", 2, r -> r.slots()))
            .put(QueuePolicy.class, "fifo", Fakes.FIFO).put(KeepAlivePolicy.class, "oldest", Fakes.OLDEST_IDLE);
    private WorkerCore worker;

    private WorkerCore worker(String raplDir) {
        worker = new WorkerCore(registry, time, time, new WorkerOptions("w", 100, Duration.ofSeconds(60),
                Duration.ofMillis(50), 1_000, Duration.ofSeconds(1), 5, List.of(tmp), raplDir), Fakes.meters(),
                () -> new HostMemory.Reading(1_000, 900));
        worker.register(new FunctionSpec("a", "1", "img", "", "", "", Compute.CPU, "fake", 128, 0.1,
                Duration.ofSeconds(1), 1, null));
        return worker;
    }

    @AfterEach
    void close() {
        if (worker != null) {
            worker.close();
        }
    }

    private InvocationRecord call() {
        CompletableFuture<InvocationRecord> f = worker.invoke(null, "a-1", "{}").toCompletableFuture();
        time.runUntil(f::isDone, Duration.ofMinutes(1));
        return f.join();
    }

    @Test
    void theRecordCarriesTheContainersCpuTimeAndThePackagesEnergyDuringTheCall() throws Exception {
        Path rapl = Files.createDirectories(tmp.resolve("powercap/intel-rapl:0"));
        Files.writeString(rapl.resolve("name"), "package-0\n");
        Files.writeString(rapl.resolve("max_energy_range_uj"), "262143328850\n");
        Files.writeString(rapl.resolve("energy_uj"), "1000\n");
        backend.cgroups = Files.createDirectories(tmp.resolve("cgroup"));
        backend.energyFile = rapl.resolve("energy_uj");
        backend.energyPerCallUj = 42_000;
        backend.execMs = 7;
        worker(tmp.resolve("powercap").toString());
        InvocationRecord cold = call();
        InvocationRecord warm = call();
        assertTrue(cold.success() && warm.success(), cold + " " + warm);
        assertEquals(7_000, cold.timings().cpuTimeUs(), "what the container's cgroup counted during the call");
        assertEquals(7_000, warm.timings().cpuTimeUs(), "the warm call counts from its own start");
        assertEquals(42_000, warm.timings().energyUj());
        // the container is destroyed with its function: its counter is closed, no file stays open
        worker.unregister("a-1");
        time.runUntil(() -> backend.destroyed.size() == 1, Duration.ofMinutes(1));
    }

    @Test
    void withoutACgroupOrRaplNothingIsMeasured() {
        worker("");
        InvocationRecord r = call();
        assertTrue(r.success(), r.toString());
        assertEquals(Timings.NOT_MEASURED, r.timings().cpuTimeUs(), "an unplaced container (no cgroup)");
        assertEquals(Timings.NOT_MEASURED, r.timings().energyUj(), "no RAPL folder");
    }
}
