package dev.vireo.api.spi.transport;

import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import java.io.IOException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Talks to the agent inside a container. The worker first asks the transport to {@linkplain #bind bind} a new
 * container (what to mount, which environment, whether it needs a network), hands that to the backend, then
 * {@linkplain #open opens} a channel once the container runs.
 *
 * <p>Threading: safe from many threads at once.
 */
@ProviderType
public interface AgentTransport {

    /** Prepares host-side resources for a new container (a socket directory, FIFOs, a network namespace). */
    TransportBinding bind(String containerId, String tid) throws IOException;

    /**
     * Prepares a new container of {@code function}: what the worker calls. A transport that needs the function
     * (its code, handler or timeout, to hand the runtime at {@link #open}) overrides it; by default
     * {@link #bind(String, String)}.
     *
     * @since 1.3
     */
    default TransportBinding bind(String containerId, String tid, FunctionSpec function) throws IOException {
        return bind(containerId, tid);
    }

    /**
     * Checks at registration, with the backend resolved, that this transport can serve the function (e.g. it needs an
     * image, one invocation per container, a backend that runs images); nothing by default.
     *
     * @throws ValidationException naming the field (as the APIs spell it) that cannot be served, and why
     * @since 1.3
     */
    default void check(FunctionSpec function) {
    }

    /**
     * Connects to the agent and waits for its readiness message on the same channel.
     *
     * @throws IOException if the agent is not reachable or not ready in time
     */
    AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException;

    /**
     * The binding {@link #bind} made for the container {@code containerId} of {@code function} in an earlier run of
     * the worker, if what it prepared on the host is still there and a channel can be {@linkplain #open opened} to
     * the container's agent again (its socket, its FIFOs): the worker then takes the container back after a restart.
     * Empty if not (the worker removes the container): the default, for a transport whose host side does not outlive
     * the worker.
     *
     * @since 1.4
     */
    default java.util.Optional<TransportBinding> rebind(String containerId, String tid, FunctionSpec function) {
        return java.util.Optional.empty();
    }

    /**
     * Frees what an earlier run of the worker prepared for its containers and that {@link #rebind} did not hand out
     * again: the worker calls it once it takes nothing back any more (after the containers it did not take back were
     * removed). Idempotent; nothing by default (a transport that frees such leftovers at start, or has none).
     *
     * @since 1.4
     */
    default void reclaim() {
    }

    /** Frees what {@link #bind} prepared. Idempotent. */
    void unbind(TransportBinding binding);
}
