/**
 * Extension point {@code balancer}: the controller's choice of worker per invocation (round-robin, least-loaded, ch-bl, least-estimate). One is active at a time.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.vireo.api.spi.balance;
