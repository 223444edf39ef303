/**
 * Extension point {@code keepalive}: which idle containers stay warm and which are evicted (lru, ttl, greedy-dual). One is active at a time.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.spi.keepalive;
