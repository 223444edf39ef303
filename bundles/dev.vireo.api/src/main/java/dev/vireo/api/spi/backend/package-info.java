/**
 * Extension point {@code backend}: container runtimes (containerd, docker, the simulated backend). A backend registers its service only when its probe succeeds; several backends may be active at once.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.vireo.api.spi.backend;
