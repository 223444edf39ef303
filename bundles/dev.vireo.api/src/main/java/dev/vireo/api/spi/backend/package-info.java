/**
 * Extension point {@code backend}: container runtimes (containerd, docker, the simulated backend). A backend registers its service only when its probe succeeds; several backends may be active at once.
 *
 * <p>1.2: a backend may list the containers an earlier run left running and take them back
 * ({@link dev.vireo.api.spi.backend.ContainerBackend#survivors}, {@link dev.vireo.api.spi.backend.ContainerBackend#adopt}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.vireo.api.spi.backend;
