/**
 * Extension point {@code transport}: IPC from the worker to the agent inside each container (Unix socket, FIFO pair, HTTP). Chosen per function at registration; several are active at once.
 *
 * <p>1.2: {@link dev.vireo.api.spi.transport.AgentReply.Stamps}, the exchange's hops for the latency anatomy.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.vireo.api.spi.transport;
