package dev.vireo.api.trace;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Sends finished spans somewhere (an OTLP collector, a file). Workers and controllers hand every span of a traced
 * invocation to every exporter registered as a service, as the invocation ends.
 *
 * <p>Threading: called from the node's own threads, concurrently: it must not block (buffer and send from a task of
 * the node's scheduler) and must not throw.
 */
@ConsumerType
public interface SpanExporter {
    void export(List<Span> spans);
}
