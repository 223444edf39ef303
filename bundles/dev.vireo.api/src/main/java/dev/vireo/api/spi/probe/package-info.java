/**
 * Probes: optional measurements the worker takes around each invocation. {@link dev.vireo.api.spi.probe.CpuWaitProbe}
 * measures the time a container's tasks wait for a CPU (run-queue latency). A probe is a measurement, not a policy:
 * the worker uses one when one is registered, and records "not measured" otherwise.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.spi.probe;
