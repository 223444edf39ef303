package dev.vireo.api.spi.transport;

import dev.vireo.api.model.AgentEndpoint;
import java.util.Map;
import java.util.Objects;

/**
 * What a transport needs inside a container.
 *
 * @param endpoint     where the worker will reach the agent
 * @param mounts       host path to container path bind mounts
 * @param environment  environment variables for the agent (e.g. where to listen)
 * @param network      the network namespace path to join, or empty for no network
 * @param agent        true: the backend starts Vireo's agent in the container; false: the image's own entrypoint and
 *                     command serve the transport (a stock runtime image: the {@code openwhisk} transport), so the
 *                     backend starts them and mounts neither the agent nor the code (since 1.3)
 */
public record TransportBinding(AgentEndpoint endpoint, Map<String, String> mounts, Map<String, String> environment,
        String network, boolean agent) {

    /** A binding for Vireo's agent. */
    public TransportBinding(AgentEndpoint endpoint, Map<String, String> mounts, Map<String, String> environment,
            String network) {
        this(endpoint, mounts, environment, network, true);
    }

    public TransportBinding {
        Objects.requireNonNull(endpoint, "endpoint");
        mounts = Map.copyOf(Objects.requireNonNullElse(mounts, Map.of()));
        environment = Map.copyOf(Objects.requireNonNullElse(environment, Map.of()));
        network = Objects.requireNonNullElse(network, "");
    }
}
