package dev.vireo.worker.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.worker.WorkerException;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Registers the stored registrations ({@link FunctionStore}) again after a start. They wait until the kernel is ready
 * (the backends and transports they name are in force) and are tried again whenever a selection changes and once a
 * second, until each is back: a backend still starting its daemon, or a code folder that is mounted late, only delays
 * its functions. A registration that fails is logged once per reason and stays stored: a later start may succeed. One
 * registered again through the API in the meantime, or unregistered, is dropped from the waiting ones.
 */
final class Restorer {
    private static final System.Logger LOG = System.getLogger(Restorer.class.getName());

    private final PluginRegistry registry;
    private final Consumer<FunctionSpec> register;
    /** Run when none waits any more (every stored registration is back or was unregistered). */
    private final Runnable done;
    /** Guarded by this. */
    private final Map<String, FunctionSpec> waiting = new LinkedHashMap<>();
    /** The last reason each waiting one failed, so each reason is logged once. Guarded by this. */
    private final Map<String, String> reasons = new HashMap<>();

    /**
     * @param register registers a spec without storing it again (it is stored already)
     * @param done     run (on the thread that emptied it) when none waits any more
     */
    Restorer(PluginRegistry registry, List<FunctionStore.Stored> stored, Consumer<FunctionSpec> register,
            Runnable done) {
        this.registry = registry;
        this.register = register;
        this.done = done;
        for (FunctionStore.Stored s : stored) {
            if (s.spec() == null) {
                LOG.log(Level.WARNING, "[restore] " + s.file() + " cannot be read (" + s.problem()
                        + "): left as it is; fix or remove it and restart the worker");
            } else {
                waiting.put(s.spec().id(), s.spec());
            }
        }
        if (!waiting.isEmpty()) {
            LOG.log(Level.INFO, "[restore] " + waiting.size() + " stored registrations to register again: "
                    + String.join(", ", waiting.keySet()));
        }
    }

    /** Tries the waiting registrations, once the kernel is ready. */
    void attempt() {
        if (attemptNow()) {
            done.run();
        }
    }

    /** Whether this attempt emptied the waiting ones. */
    private synchronized boolean attemptNow() {
        if (waiting.isEmpty() || !registry.ready()) {
            return false;
        }
        var it = waiting.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            String id = e.getKey();
            try {
                register.accept(e.getValue());
                it.remove();
                reasons.remove(id);
                LOG.log(Level.INFO, "[restore] registered " + id + " again");
            } catch (WorkerException ex) {
                if (ex.kind() == ErrorKind.ALREADY_EXISTS) {
                    it.remove(); // registered through the API meanwhile: that one is stored now
                    reasons.remove(id);
                } else if (!ex.getMessage().equals(reasons.put(id, ex.getMessage()))) {
                    LOG.log(Level.WARNING, "[restore] " + id + " is not registered again yet: " + ex.getMessage()
                            + " (tried again while the worker runs)");
                }
            } catch (RuntimeException ex) {
                String why = ex.getMessage() == null ? ex.toString() : ex.getMessage();
                if (!why.equals(reasons.put(id, why))) {
                    LOG.log(Level.WARNING, "[restore] " + id + " is not registered again yet: " + why
                            + " (tried again while the worker runs)");
                }
            }
        }
        return waiting.isEmpty();
    }

    /** Drops a waiting registration (it is being unregistered, or registered anew); whether it was waiting. */
    boolean forget(String functionId) {
        boolean was;
        boolean empty;
        synchronized (this) {
            reasons.remove(functionId);
            was = waiting.remove(functionId) != null;
            empty = waiting.isEmpty();
        }
        if (was && empty) {
            done.run();
        }
        return was;
    }

    /** The ids still waiting. */
    synchronized List<String> waiting() {
        return List.copyOf(waiting.keySet());
    }
}
