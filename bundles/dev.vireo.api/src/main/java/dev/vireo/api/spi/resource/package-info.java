/**
 * Extension point {@code resource}: resource trackers that hand out and take back CPU, memory, GPU and concurrency. A tracker never grants more than its capacity, under any interleaving.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package dev.vireo.api.spi.resource;
