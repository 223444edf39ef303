package dev.vireo.backend.support;

import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.spi.backend.BackendException;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;

/**
 * Bounds how many containers a backend creates at once (its daemon stalls beyond some number): creations run on the
 * scheduler and wait for a permit; an IOException while preparing becomes a BackendException naming the container.
 */
public final class CreationGate {
    private final TaskScheduler scheduler;
    private final Semaphore permits;

    /** The work of one creation, run holding a permit. */
    public interface Creation {
        ContainerHandle create() throws IOException;
    }

    public CreationGate(TaskScheduler scheduler, int concurrency) {
        this.scheduler = scheduler;
        this.permits = new Semaphore(Math.max(1, concurrency));
    }

    public CompletableFuture<ContainerHandle> create(ContainerRequest request, Creation creation) {
        return scheduler.supply(() -> {
            try {
                permits.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(new BackendException("interrupted while waiting to create " + request.id()));
            }
            try {
                return creation.create();
            } catch (IOException e) {
                throw new CompletionException(new BackendException("cannot prepare " + request.id() + ": " + e.getMessage(), e));
            } finally {
                permits.release();
            }
        });
    }
}
