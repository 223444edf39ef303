/**
 * The worker's public operations, as a service: the HTTP and gRPC front ends, the CLI and the controller all call
 * {@link dev.vireo.api.worker.WorkerService}. Failures that reject a request are {@link
 * dev.vireo.api.worker.WorkerException}s with an {@link dev.vireo.api.model.ErrorKind}; failures of an invocation that
 * ran are inside its {@link dev.vireo.api.model.InvocationRecord}.
 *
 * <p>1.2: {@link dev.vireo.api.worker.WorkerService#anatomy} and {@link dev.vireo.api.worker.InvocationAnatomy}: the
 * hops of a recent invocation, for the latency anatomy.
 *
 * <p>1.3: {@link dev.vireo.api.worker.WorkerService#settings}, {@link dev.vireo.api.worker.NodeSettings} and the
 * {@link dev.vireo.api.worker.NodeConfiguration} service: what a node runs with, stored with a live run so that a
 * simulation can reproduce it.
 *
 * <p>1.6: {@link dev.vireo.api.worker.WorkerService#update}: a function replaced in place.
 *
 * <p>1.7: {@code invoke} and {@code invokeAsync} with a {@link dev.vireo.api.trace.TraceContext}: distributed tracing.
 *
 * <p>1.8: namespaces: {@link dev.vireo.api.worker.NamespaceTokens} (a namespace's bearer tokens) and
 * {@link dev.vireo.api.worker.ScopedWorker} (a node as one namespace's caller sees it).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.8.0")
package dev.vireo.api.worker;
