/**
 * The one validation of request data that every API (HTTP/JSON, gRPC) shares, so that both accept and refuse the same
 * input with the same message: {@link dev.vireo.api.validation.JsonText} (strict UTF-8 and strict JSON text) and
 * {@link dev.vireo.api.validation.Numbers} (numeric fields: integral, in range, named in the API's own spelling).
 * Pure functions of their arguments, safe from any thread; failures are
 * {@link dev.vireo.api.model.ValidationException}s.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.validation;
