/**
 * Helpers the container backends share (cgroup memory and OOM reading, cgroup placement on v1, v2 and hybrid hosts, one removal per container, private daemons,
 * the host paths of shared-library resolution) and {@link dev.vireo.backend.support.DaemonBackend}, the lifecycle of a backend whose containers live in a daemon.
 * Not an extension point of the kernel: a library for backend implementations.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package dev.vireo.backend.support;
