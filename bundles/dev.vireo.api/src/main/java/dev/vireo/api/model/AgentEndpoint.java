package dev.vireo.api.model;

import java.util.Map;
import java.util.Objects;

/**
 * How to reach the agent inside a container.
 *
 * @param transport  the transport plugin name ({@code uds}, {@code pipe}, {@code http}...)
 * @param address    transport-specific address: a socket path, a FIFO directory, a URL
 * @param attributes anything else the transport needs
 */
public record AgentEndpoint(String transport, String address, Map<String, String> attributes) {
    public AgentEndpoint {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
        attributes = Map.copyOf(Objects.requireNonNullElse(attributes, Map.of()));
    }
}
