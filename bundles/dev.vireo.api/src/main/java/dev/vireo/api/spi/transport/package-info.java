/**
 * Extension point {@code transport}: IPC from the worker to the agent inside each container (Unix socket, FIFO pair, HTTP). Chosen per function at registration; several are active at once.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.vireo.api.spi.transport;
