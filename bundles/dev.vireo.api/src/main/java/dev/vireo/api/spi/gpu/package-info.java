/**
 * Extension point {@code gpu-monitor}: sources of GPU utilisation and memory (nvidia-smi, tegrastats).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.spi.gpu;
