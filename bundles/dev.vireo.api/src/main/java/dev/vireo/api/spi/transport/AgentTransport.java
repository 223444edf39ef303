package dev.vireo.api.spi.transport;

import dev.vireo.api.model.AgentEndpoint;
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
     * Connects to the agent and waits for its readiness message on the same channel.
     *
     * @throws IOException if the agent is not reachable or not ready in time
     */
    AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException;

    /** Frees what {@link #bind} prepared. Idempotent. */
    void unbind(TransportBinding binding);
}
