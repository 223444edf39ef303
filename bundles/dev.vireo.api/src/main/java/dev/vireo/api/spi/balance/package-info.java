/**
 * Extension point {@code balancer}: the controller's choice of worker per invocation (round-robin, least-loaded, ch-bl). One is active at a time.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.spi.balance;
