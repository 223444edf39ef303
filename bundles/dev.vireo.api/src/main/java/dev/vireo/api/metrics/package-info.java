/**
 * Metrics export. Components record with Micrometer (a {@code io.micrometer.core.instrument.MeterRegistry} service);
 * the HTTP front ends serve what a {@link dev.vireo.api.metrics.MetricsExporter} renders at {@code GET /metrics}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.metrics;
