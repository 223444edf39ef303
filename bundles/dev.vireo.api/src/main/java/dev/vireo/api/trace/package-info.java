/**
 * Distributed tracing: the W3C trace context an invocation arrives with ({@link dev.vireo.api.trace.TraceContext},
 * the {@code traceparent} header), the spans a worker and a controller make of each traced invocation
 * ({@link dev.vireo.api.trace.Span}), and the services that send them somewhere ({@link
 * dev.vireo.api.trace.SpanExporter}, e.g. OTLP).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.trace;
