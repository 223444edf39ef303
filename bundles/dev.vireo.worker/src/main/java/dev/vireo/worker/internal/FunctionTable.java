package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.backend.BackendStatus;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.worker.WorkerException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registered functions. Registration checks what only the worker knows: the backend and transport exist and are
 * active, the backend runs the function's compute, the id is free, and the table is not full. An empty backend is
 * resolved here to the first active, available backend that runs the function's compute.
 *
 * <p>Each registration gets a generation no earlier registration on this worker had, so a function unregistered and
 * registered again under the same id (new code, new limits) is a different registration: containers and invocations
 * are bound to the registration they were made for, never to the id alone.
 *
 * <p>Thread-safe on its own (a concurrent map; the generation counter under the map's monitor), not guarded by the
 * {@link WorkerLock}: the worker removes a registration before it takes that lock to sweep the registration's queued
 * invocations and containers, and checks {@link #current} under it.
 */
final class FunctionTable {
    /**
     * One registration of a function: the spec as resolved and its generation, increasing with every registration.
     */
    record Registration(FunctionSpec spec, long generation, long lineage) {
        String id() {
            return spec.id();
        }
    }

    private final Map<String, Registration> functions = new ConcurrentHashMap<>();
    private final PluginRegistry registry;
    private volatile int max;
    /** The last generation handed out; guarded by {@code functions}' monitor. */
    private long generation;

    FunctionTable(PluginRegistry registry, int max) {
        this.registry = registry;
        this.max = max;
    }

    void max(int next) {
        max = next;
    }

    Registration register(FunctionSpec spec) {
        FunctionSpec resolved = check(spec);
        synchronized (functions) {
            if (functions.containsKey(spec.id())) {
                throw new WorkerException(ErrorKind.ALREADY_EXISTS, "function " + spec.id()
                        + " is already registered (update it to replace it)");
            }
            if (functions.size() >= max) {
                throw new WorkerException(ErrorKind.INVALID_REQUEST, "the worker holds its maximum of " + max
                        + " functions (max.functions); unregister some first");
            }
            Registration r = new Registration(resolved, ++generation, generation);
            functions.put(spec.id(), r);
            return r;
        }
    }

    /**
     * A new registration of a registered function, {@link #check checked} already, in place of its current one
     * (which stops being current); UNKNOWN_FUNCTION if it has none. The new one continues the old one's lineage: the
     * same function, so invocations the old one still runs count in its statistics.
     *
     * @return the old registration and the new
     */
    Registration[] replace(FunctionSpec resolved) {
        synchronized (functions) {
            Registration old = get(resolved.id());
            Registration next = new Registration(resolved, ++generation, old.lineage());
            functions.put(resolved.id(), next);
            return new Registration[] {old, next};
        }
    }

    /**
     * Checks what only the worker knows (transport and backend active, the backend runs the compute, the resources
     * could ever hold it) and returns the spec with its backend resolved; changes nothing.
     */
    FunctionSpec check(FunctionSpec spec) {
        Map<String, AgentTransport> transports = registry.activeAll(AgentTransport.class);
        if (!transports.containsKey(spec.transport())) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "transport '" + spec.transport()
                    + "' is not available; available: " + names(transports));
        }
        FunctionSpec resolved = spec.withBackend(backendFor(spec));
        try {
            transports.get(spec.transport()).check(resolved);
        } catch (ValidationException e) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, e.getMessage());
        }
        for (var request : List.of(Resources.containerRequest(resolved, "register"), Resources.slotRequest(resolved, "register"))) {
            for (var tracker : registry.activeAll(dev.vireo.api.spi.resource.ResourceTracker.class).values()) {
                tracker.impossible(request).ifPresent(why -> {
                    throw new WorkerException(ErrorKind.INVALID_REQUEST, "function " + spec.id() + " " + why);
                });
            }
        }
        return resolved;
    }

    private String backendFor(FunctionSpec spec) {
        Map<String, ContainerBackend> backends = registry.activeAll(ContainerBackend.class);
        if (!spec.backend().isEmpty()) {
            ContainerBackend b = backends.get(spec.backend());
            if (b == null) {
                throw new WorkerException(ErrorKind.INVALID_REQUEST, "backend '" + spec.backend()
                        + "' is not available; available: " + names(backends));
            }
            BackendStatus status = b.status();
            if (!status.available()) {
                throw new WorkerException(ErrorKind.INVALID_REQUEST, "backend '" + spec.backend() + "' is not available: "
                        + status.reason());
            }
            if (!status.compute().contains(spec.compute())) {
                throw new WorkerException(ErrorKind.INVALID_REQUEST, "backend '" + spec.backend() + "' cannot run "
                        + spec.compute().name().toLowerCase(java.util.Locale.ROOT) + " functions ("
                        + status.reason() + ")");
            }
            return spec.backend();
        }
        for (var e : backends.entrySet()) {
            BackendStatus s = e.getValue().status();
            if (s.available() && s.compute().contains(spec.compute())) {
                return e.getKey();
            }
        }
        throw new WorkerException(ErrorKind.INVALID_REQUEST, "no available backend runs "
                + spec.compute().name().toLowerCase(java.util.Locale.ROOT) + " functions; active backends: "
                + names(backends));
    }

    private static String names(Map<String, ?> plugins) {
        return plugins.isEmpty() ? "(none)" : String.join(", ", plugins.keySet());
    }

    /** The function's current registration. */
    Registration get(String functionId) {
        Registration r = functions.get(functionId);
        if (r == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
        }
        return r;
    }

    /** Whether the function has a registration now. */
    boolean has(String functionId) {
        return functions.containsKey(functionId);
    }

    /** Whether the registration is still its function's current one (not unregistered, not replaced). */
    boolean current(Registration r) {
        return functions.get(r.id()) == r;
    }

    /** The function's current registration, or null if it has none. */
    Registration find(String functionId) {
        return functions.get(functionId);
    }

    /**
     * The registration that replaced {@code r} by updates, if its function still has one ({@code r} itself when it
     * is current); null when the function was unregistered since (a registration under the same id later is
     * another function).
     */
    Registration successor(Registration r) {
        Registration now = functions.get(r.id());
        return now != null && now.lineage() == r.lineage() ? now : null;
    }

    /** Removes the function's current registration and returns it. */
    Registration remove(String functionId) {
        Registration r = functions.remove(functionId);
        if (r == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
        }
        return r;
    }

    List<FunctionSpec> list() {
        return functions.values().stream().map(Registration::spec).sorted(Comparator.comparing(FunctionSpec::id))
                .toList();
    }

    int size() {
        return functions.size();
    }
}
