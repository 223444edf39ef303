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
 */
public record TransportBinding(AgentEndpoint endpoint, Map<String, String> mounts, Map<String, String> environment,
        String network) {
    public TransportBinding {
        Objects.requireNonNull(endpoint, "endpoint");
        mounts = Map.copyOf(Objects.requireNonNullElse(mounts, Map.of()));
        environment = Map.copyOf(Objects.requireNonNullElse(environment, Map.of()));
        network = Objects.requireNonNullElse(network, "");
    }
}
