/**
 * Extension point {@code resource}: resource trackers that hand out and take back CPU, memory, GPU and concurrency. A tracker never grants more than its capacity, under any interleaving.
 *
 * <p>1.4: {@link dev.vireo.api.spi.resource.ResourceTracker#perNamespace()}: a namespace's quota.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package dev.vireo.api.spi.resource;
