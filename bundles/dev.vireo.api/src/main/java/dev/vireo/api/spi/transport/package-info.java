/**
 * Extension point {@code transport}: IPC from the worker to the agent inside each container (Unix socket, FIFO pair, HTTP). Chosen per function at registration; several are active at once.
 *
 * <p>1.2: {@link dev.vireo.api.spi.transport.AgentReply.Stamps}, the exchange's hops for the latency anatomy.
 * <p>1.3: a transport may serve a stock runtime image ({@link dev.vireo.api.spi.transport.TransportBinding#agent}),
 * bind with the function and check it at registration.
 * <p>1.4: {@link dev.vireo.api.spi.transport.AgentTransport#rebind}, the binding of a container that outlived its worker, and {@link
 * dev.vireo.api.spi.transport.AgentTransport#reclaim} of what no container was rebound to.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package dev.vireo.api.spi.transport;
