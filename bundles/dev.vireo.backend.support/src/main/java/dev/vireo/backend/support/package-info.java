/**
 * Helpers the container backends share (cgroup memory and OOM reading, one removal per container, private daemons).
 * Not an extension point: a library for backend implementations.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.backend.support;
