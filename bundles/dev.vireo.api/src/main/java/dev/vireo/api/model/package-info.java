/**
 * Immutable value types exchanged between the worker, the controller and the plugins: function specifications,
 * invocations, invocation records with their timings and output, container handles, container placements (cgroups)
 * and per-function statistics. 1.5: the CPU wait ({@code Timings.cpuWaitUs}, {@code FunctionStats.cpuWaitUs}). 1.6:
 * {@code FunctionStats.containers}. 1.7: {@code Timings.cpuTimeUs} and {@code Timings.energyUj}. 1.8: {@link dev.vireo.api.model.FunctionConfig} (a function's
 * environment variables, default parameters and secrets) as {@code FunctionSpec.config}. 1.9:
 * {@code FunctionSpec.namespace} (ids {@code namespace:name-version}) and {@code ErrorKind.FORBIDDEN}. Every
 * constructor validates its arguments and throws {@link dev.vireo.api.model.ValidationException} with a message that
 * names the field and what was wrong.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.9.0")
package dev.vireo.api.model;
