package dev.vireo.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/** Renders every meter for a scraper. Threading: safe from any thread. */
@ProviderType
public interface MetricsExporter {
    /** The Content-Type of {@link #scrape()}, e.g. Prometheus text format 0.0.4. */
    String contentType();

    /** All meters now, in the exporter's format. */
    String scrape();
}
