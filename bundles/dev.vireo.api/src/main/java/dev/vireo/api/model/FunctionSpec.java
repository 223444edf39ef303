package dev.vireo.api.model;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A registered function. Its id is {@code name-version}, or {@code namespace:name-version} in a namespace other than
 * the default one. Each component validates its own field; the worker then checks the names of backend and
 * transport against the plugins that exist.
 *
 * @param name        1-63 characters: lower-case letters, digits, '_' and '-', starting with a letter. It is never
 *                    used as it is to name an OS object: the worker derives a short, safe container id from it
 * @param version     1-32 characters: letters, digits, '.', '_' and '-'
 * @param image       image reference the backend starts (built by {@code ./vireo image build}); with {@code codeDir}
 *                    the runtime image the code runs on; empty = the backend's own runtime root
 * @param codeDir     absolute host directory with the function's code, mounted read-only on the runtime root, or empty
 * @param handler     entry point inside the code, "module.function"; required with {@code codeDir}; with an image
 *                    alone, empty = the image's label {@code dev.vireo.handler}
 * @param backend     backend plugin name, or empty to let the worker pick by compute and availability
 * @param compute     CPU or GPU
 * @param transport   agent transport plugin name
 * @param memoryMb    memory limit of one container, 16-65536 MB
 * @param cpus        CPU share of one container, 0.01-256 cores
 * @param timeout     per-invocation timeout, 1 ms-15 min
 * @param concurrency invocations one container serves at once, 1-1024
 * @param expected    declared timings, or {@link ExpectedTimings#UNKNOWN}
 * @param scratchMb   size of the container's scratch space (/tmp), 16-1048576 MB; default {@value #DEFAULT_SCRATCH_MB}
 * @param config      environment variables, default parameters and secrets ({@link FunctionConfig}); null = none
 * @param namespace   the namespace the function belongs to (its callers' tokens and quotas), 1-32 lower-case letters,
 *                    digits and '-' starting with a letter; empty (or null) = the default namespace (since 1.9)
 */
public record FunctionSpec(String name, String version, String image, String codeDir, String handler, String backend,
        Compute compute, String transport, int memoryMb, double cpus, Duration timeout, int concurrency,
        ExpectedTimings expected, int scratchMb, FunctionConfig config, String namespace) {

    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
    public static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    public static final Pattern PLUGIN_NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    /** A namespace's name; never ':' (it ends a namespace in an id) nor '.'. */
    public static final Pattern NAMESPACE = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}");
    static final Pattern HANDLER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(15);
    /** Ranges of the numeric fields, shared with the APIs so that they refuse the same values with the same text. */
    public static final int MIN_MEMORY_MB = 16;
    public static final int MAX_MEMORY_MB = 65_536;
    public static final double MIN_CPUS = 0.01;
    public static final double MAX_CPUS = 256;
    public static final int MAX_CONCURRENCY = 1024;
    public static final int MIN_SCRATCH_MB = 16;
    public static final int MAX_SCRATCH_MB = 1_048_576;
    public static final int DEFAULT_SCRATCH_MB = 512;

    /** A spec in the default namespace. */
    public FunctionSpec(String name, String version, String image, String codeDir, String handler, String backend,
            Compute compute, String transport, int memoryMb, double cpus, Duration timeout, int concurrency,
            ExpectedTimings expected, int scratchMb, FunctionConfig config) {
        this(name, version, image, codeDir, handler, backend, compute, transport, memoryMb, cpus, timeout, concurrency,
                expected, scratchMb, config, "");
    }

    /** A spec with the default scratch space ({@value #DEFAULT_SCRATCH_MB} MB). */
    public FunctionSpec(String name, String version, String image, String codeDir, String handler, String backend,
            Compute compute, String transport, int memoryMb, double cpus, Duration timeout, int concurrency,
            ExpectedTimings expected) {
        this(name, version, image, codeDir, handler, backend, compute, transport, memoryMb, cpus, timeout, concurrency,
                expected, DEFAULT_SCRATCH_MB, FunctionConfig.NONE);
    }

    /** A spec without variables, parameters or secrets. */
    public FunctionSpec(String name, String version, String image, String codeDir, String handler, String backend,
            Compute compute, String transport, int memoryMb, double cpus, Duration timeout, int concurrency,
            ExpectedTimings expected, int scratchMb) {
        this(name, version, image, codeDir, handler, backend, compute, transport, memoryMb, cpus, timeout, concurrency,
                expected, scratchMb, FunctionConfig.NONE);
    }

    public FunctionSpec {
        ValidationException.require("name", name, NAME, "use 1-63 lower-case letters, digits, '_' or '-', starting with a letter");
        ValidationException.require("version", version, VERSION, "use 1-32 letters, digits, '.', '_' or '-'");
        image = Objects.requireNonNullElse(image, "");
        codeDir = Objects.requireNonNullElse(codeDir, "");
        handler = Objects.requireNonNullElse(handler, "");
        backend = Objects.requireNonNullElse(backend, "");
        if (image.isEmpty() && codeDir.isEmpty()) {
            throw new ValidationException("image", "give an image reference, a code directory, or both (code on a"
                    + " runtime image)");
        }
        if (!image.isEmpty()) {
            ValidationException.require("image", image, IMAGE, "not an image reference");
        }
        if (!codeDir.isEmpty()) {
            if (codeDir.length() > 4096 || codeDir.indexOf('\0') >= 0) {
                throw new ValidationException("code", "not a usable directory path");
            }
            if (!codeDir.startsWith("/")) {
                throw new ValidationException("code", "'" + codeDir + "' must be an absolute path (the worker does not"
                        + " know the client's working directory)");
            }
            ValidationException.require("handler", handler, HANDLER, "use module.function, e.g. main.handle");
        } else if (!handler.isEmpty()) {
            ValidationException.require("handler", handler, HANDLER, "use module.function, e.g. main.handle");
        }
        if (!backend.isEmpty()) {
            ValidationException.require("backend", backend, PLUGIN_NAME, "not a plugin name");
        }
        if (compute == null) {
            throw new ValidationException("compute", "is required (cpu or gpu)");
        }
        ValidationException.require("transport", transport, PLUGIN_NAME, "not a plugin name");
        // fields are named as the APIs spell them (memory_mb), so a message can be shown to a client as is
        ValidationException.range("memory_mb", memoryMb, MIN_MEMORY_MB, MAX_MEMORY_MB, "MB");
        if (!(cpus >= MIN_CPUS && cpus <= MAX_CPUS)) {
            throw new ValidationException("cpus", cpus + " is out of range [0.01, 256] cores");
        }
        if (timeout == null || timeout.toMillis() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new ValidationException("timeout_ms", (timeout == null ? "null" : timeout.toMillis())
                    + " is out of range [1, " + MAX_TIMEOUT.toMillis() + "] ms");
        }
        ValidationException.range("concurrency", concurrency, 1, MAX_CONCURRENCY, "invocations");
        expected = Objects.requireNonNullElse(expected, ExpectedTimings.UNKNOWN);
        ValidationException.range("scratch_mb", scratchMb, MIN_SCRATCH_MB, MAX_SCRATCH_MB, "MB");
        config = Objects.requireNonNullElse(config, FunctionConfig.NONE);
        namespace = Objects.requireNonNullElse(namespace, "");
        if (!namespace.isEmpty()) {
            ValidationException.require("namespace", namespace, NAMESPACE,
                    "use 1-32 lower-case letters, digits or '-', starting with a letter");
        }
    }

    /** This spec on another backend (the worker resolves an empty one). */
    public FunctionSpec withBackend(String other) {
        return new FunctionSpec(name, version, image, codeDir, handler, other, compute, transport, memoryMb, cpus,
                timeout, concurrency, expected, scratchMb, config, namespace);
    }

    /** This spec with another configuration (variables, parameters, secrets). */
    public FunctionSpec withConfig(FunctionConfig other) {
        return new FunctionSpec(name, version, image, codeDir, handler, backend, compute, transport, memoryMb, cpus,
                timeout, concurrency, expected, scratchMb, other, namespace);
    }

    /** This spec in another namespace (empty: the default one). */
    public FunctionSpec withNamespace(String other) {
        return new FunctionSpec(name, version, image, codeDir, handler, backend, compute, transport, memoryMb, cpus,
                timeout, concurrency, expected, scratchMb, config, other);
    }

    /** The function id: {@code name-version}, or {@code namespace:name-version} outside the default namespace. */
    public String id() {
        return namespace.isEmpty() ? name + "-" + version : namespace + ":" + name + "-" + version;
    }

    /**
     * The namespace a function id names: what comes before its ':' (names, versions and namespaces hold none), empty
     * for the default namespace.
     */
    public static String namespaceOf(String functionId) {
        int colon = functionId.indexOf(':');
        return colon < 0 ? "" : functionId.substring(0, colon);
    }
}
