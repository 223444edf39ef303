package dev.vireo.worker.internal;

import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.keepalive.KeepAlivePolicy;
import dev.vireo.api.spi.queue.QueuePolicy;
import dev.vireo.api.spi.resource.ResourceTracker;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.testkit.TestRegistry;
import dev.vireo.testkit.VirtualTime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Workers started one after another on one state folder and the virtual clock, as a restart starts them. */
final class Restarts implements AutoCloseable {
    final VirtualTime time = new VirtualTime();
    final Fakes.Backend backend = new Fakes.Backend(time);
    final TestRegistry registry = new TestRegistry()
            .put(ContainerBackend.class, "fake", backend).put(AgentTransport.class, "fake", backend)
            .put(ResourceTracker.class, "memory", new Fakes.Capacity("memory", 4096, r -> r.memoryMb()))
            .put(QueuePolicy.class, "fifo", Fakes.FIFO).put(KeepAlivePolicy.class, "oldest", Fakes.OLDEST_IDLE);
    private final List<WorkerCore> workers = new ArrayList<>();

    /** A worker that keeps its registrations (and, with {@code async}, its async invocations) under {@code dir}/state. */
    WorkerCore worker(Path dir, boolean async) throws Exception {
        WorkerCore w = new WorkerCore(registry, time, time, new WorkerOptions("w", 100, Duration.ofSeconds(60),
                Duration.ofMillis(50), 1_000, Duration.ofSeconds(1), 5, List.of(dir)), Fakes.meters(),
                () -> new HostMemory.Reading(1_000, 900));
        workers.add(w);
        if (async) {
            w.keepAsyncIn(new AsyncStore(dir.resolve("state/async")));
        }
        w.keepRegistrationsIn(FunctionStore.in(dir.resolve("state/functions")));
        return w;
    }

    @Override
    public void close() {
        workers.forEach(WorkerCore::close);
    }
}
