package dev.vireo.api.spi.backend;

import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.ContainerPlacement;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Creates and destroys containers for functions. A backend component probes its runtime on activation and registers
 * this service only when the runtime is usable; otherwise it logs {@link BackendStatus#reason()}.
 *
 * <p>Threading: every method may be called from many threads at once. {@link #create} and {@link #destroy} return at
 * once and complete their stage from the backend's own work, bounded by its configured creation concurrency.
 */
@ProviderType
public interface ContainerBackend {

    /** Whether the runtime is usable now and what it offers. Cheap; never blocks long. */
    BackendStatus status();

    /**
     * Creates and starts a container; the stage completes when it runs. Readiness of the agent inside is then
     * established over the transport's own channel ({@link dev.vireo.api.spi.transport.AgentTransport#open}), never by
     * polling output. Fails the stage with {@link BackendException} saying what went wrong; leaves nothing behind on
     * failure.
     */
    CompletionStage<ContainerHandle> create(ContainerRequest request);

    /** Stops and removes the container and everything created for it. Idempotent. */
    CompletionStage<Void> destroy(ContainerHandle container, String tid);

    /** The container's resource usage now, read from its cgroup (only called while or right after it runs). */
    ContainerUsage usage(ContainerHandle container);

    /**
     * Why a container's agent went away, if the backend can tell (e.g. "exceeded memory limit (64 MB)" after an OOM
     * kill); empty if it cannot. Called by the worker when a channel breaks, before it destroys the container.
     */
    default java.util.Optional<String> failure(ContainerHandle container) {
        return java.util.Optional.empty();
    }

    /**
     * Where the container runs on the host (its cgroup directories, its init pid), for trackers that confine it
     * (since 1.1). Cheap (no call to a daemon); only what exists now. Unplaced unless overridden: a backend without
     * cgroups (simulated containers) keeps this.
     */
    default ContainerPlacement placement(ContainerHandle container) {
        return ContainerPlacement.unplaced(container);
    }

    /**
     * Removes leftovers labelled with {@code instance} from an earlier run that did not stop cleanly.
     *
     * A backend that takes containers back ({@link #adopt}) leaves the ones it took back (and those it is creating
     * now) alone.
     *
     * @return how many containers were removed
     */
    int reclaim(String instance);

    /**
     * The containers labelled with {@code instance} that an earlier run left and that still run, with their labels:
     * the worker takes back ({@link #adopt}) those whose function it serves again, then {@link #reclaim}s the rest.
     * May connect to the runtime (a call of the worker's start, not of an invocation). None unless overridden: a
     * backend whose containers cannot outlive the worker lists none.
     *
     * @since 1.2
     */
    default java.util.List<RunningContainer> survivors(String instance) {
        return java.util.List.of();
    }

    /**
     * Takes back a container {@link #survivors} listed, as if {@link #create} had just made it from {@code request}
     * (its id, function and the transport's binding for it again, see
     * {@link dev.vireo.api.spi.transport.AgentTransport#rebind}): from now on {@link #destroy}, {@link #usage},
     * {@link #placement} and {@link #reclaim} treat it as one of this run's. Fails the stage with
     * {@link BackendException} if it no longer runs or is not the instance's; removes nothing then (the worker's
     * {@link #reclaim} does). Unsupported unless overridden.
     *
     * @since 1.2
     */
    default CompletionStage<ContainerHandle> adopt(ContainerRequest request) {
        return java.util.concurrent.CompletableFuture.failedFuture(new BackendException(
                "this backend does not take containers back"));
    }
}
