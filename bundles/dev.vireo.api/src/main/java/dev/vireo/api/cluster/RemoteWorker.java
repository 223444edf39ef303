package dev.vireo.api.cluster;

import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/** A worker reached through a {@link WorkerConnector}; close it to release the connection. */
@ProviderType
public interface RemoteWorker extends WorkerService, AutoCloseable {

    /** The worker's status without blocking (the controller's heartbeat). */
    CompletionStage<WorkerStatus> statusAsync();

    @Override
    void close();
}
