package dev.vireo.controller.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.worker.WorkerException;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The functions registered with the controller: kept here (the controller is their record), pushed to every worker in
 * service when registered, and pushed to a worker that joins later, or comes back, before it takes invocations.
 *
 * <p>Threading: every method is safe from any thread; a registration is pushed under the table's lock, so two of the
 * same function cannot race.
 */
final class Registrations {
    /** The controller logs under one name, as before it was split into parts. */
    private static final System.Logger LOG = System.getLogger(ControllerCore.class.getName());

    private final String controller;
    private final Membership membership;
    private final Map<String, FunctionSpec> functions = new LinkedHashMap<>();

    /**
     * @param controller the controller's name, for messages
     */
    Registrations(String controller, Membership membership) {
        this.controller = controller;
        this.membership = membership;
    }

    /** Every registration, in the order they were made. */
    List<FunctionSpec> all() {
        synchronized (functions) {
            return List.copyOf(functions.values());
        }
    }

    /** The registration of that function; UNKNOWN_FUNCTION if there is none. */
    FunctionSpec get(String functionId) {
        synchronized (functions) {
            FunctionSpec f = functions.get(functionId);
            if (f == null) {
                throw unknown(functionId);
            }
            return f;
        }
    }

    FunctionSpec register(FunctionSpec spec) {
        synchronized (functions) {
            if (functions.containsKey(spec.id())) {
                throw new WorkerException(ErrorKind.ALREADY_EXISTS, "function " + spec.id() + " is already registered");
            }
            // the first worker validates the registration against its plugins (unknown backend, no GPU...) and
            // resolves an empty backend; a refusal there is the caller's answer and nothing is kept
            List<Member> live = membership.healthy();
            FunctionSpec resolved = spec;
            int pushed = 0;
            for (Member m : live) {
                try {
                    FunctionSpec r = m.remote.register(spec);
                    if (pushed == 0) {
                        resolved = r;
                    }
                    pushed++;
                } catch (WorkerException e) {
                    if (e.kind() == ErrorKind.ALREADY_EXISTS) {
                        pushed++;
                    } else if (e.kind() == ErrorKind.UNREACHABLE) {
                        membership.takeOut(m, e.getMessage());
                    } else if (pushed == 0) {
                        throw e;
                    } else {
                        LOG.log(Level.WARNING, "worker " + m.name + " refused " + spec.id() + ": " + e.getMessage());
                    }
                }
            }
            functions.put(spec.id(), resolved);
            LOG.log(Level.INFO, "registered " + spec.id() + " on " + pushed + " of " + live.size() + " workers");
            return resolved;
        }
    }

    /**
     * Replaces a registration in place on every worker in service (a worker that lacks it registers it): the first
     * worker's refusal is the caller's answer and changes nothing kept here; a later one's is logged, as in
     * {@link #register}.
     */
    FunctionSpec update(FunctionSpec spec) {
        synchronized (functions) {
            if (!functions.containsKey(spec.id())) {
                throw unknown(spec.id());
            }
            List<Member> live = membership.healthy();
            FunctionSpec resolved = spec;
            int pushed = 0;
            for (Member m : live) {
                try {
                    FunctionSpec r = updateOn(m, spec);
                    if (pushed == 0) {
                        resolved = r;
                    }
                    pushed++;
                } catch (WorkerException e) {
                    if (e.kind() == ErrorKind.UNREACHABLE) {
                        membership.takeOut(m, e.getMessage());
                    } else if (pushed == 0) {
                        throw e;
                    } else {
                        LOG.log(Level.WARNING, "worker " + m.name + " refused the update of " + spec.id() + ": "
                                + e.getMessage());
                    }
                }
            }
            functions.put(spec.id(), resolved);
            LOG.log(Level.INFO, "updated " + spec.id() + " on " + pushed + " of " + live.size() + " workers");
            return resolved;
        }
    }

    private static FunctionSpec updateOn(Member m, FunctionSpec spec) {
        try {
            return m.remote.update(spec);
        } catch (WorkerException e) {
            if (e.kind() != ErrorKind.UNKNOWN_FUNCTION) {
                throw e;
            }
            return m.remote.register(spec); // it lost the registration (restarted between heartbeats): the new one
        }
    }

    void unregister(String functionId) {
        synchronized (functions) {
            if (functions.remove(functionId) == null) {
                throw unknown(functionId);
            }
        }
        for (Member m : membership.healthy()) {
            try {
                m.remote.unregister(functionId);
            } catch (WorkerException e) {
                if (e.kind() != ErrorKind.UNKNOWN_FUNCTION) {
                    LOG.log(Level.WARNING, "worker " + m.name + " did not unregister " + functionId + ": " + e.getMessage());
                }
            }
        }
    }

    /**
     * Pushes every registration the worker lacks (one it refuses is logged and left out); the {@link Membership}'s
     * admission of a worker that joins or comes back. Answers how many registrations there are.
     */
    int pushMissing(Member m) {
        Map<String, FunctionSpec> has = new java.util.HashMap<>();
        for (FunctionSpec f : m.remote.functions()) {
            has.put(f.id(), f);
        }
        for (FunctionSpec f : all()) {
            FunctionSpec there = has.get(f.id());
            if (there != null && !same(there, f)) {
                // it missed an update (out of service, or restored an older version from its store): bring it level
                try {
                    m.remote.update(f);
                } catch (WorkerException e) {
                    LOG.log(Level.WARNING, "worker " + m.name + " runs another version of " + f.id() + " and refused"
                            + " this one: " + e.getMessage());
                }
            } else if (there == null) {
                try {
                    m.remote.register(f);
                } catch (WorkerException e) {
                    if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                        LOG.log(Level.WARNING, "worker " + m.name + " refused " + f.id() + ": " + e.getMessage());
                    }
                }
            }
        }
        return all().size();
    }

    /**
     * Whether a worker's registration is the one kept here, as far as a worker's answer shows it: every field, the
     * variables and parameters, and the secrets by name (their values are never answered, so a change of a secret's
     * value alone does not show: update the function again to push it).
     */
    private static boolean same(FunctionSpec there, FunctionSpec here) {
        var a = there.config();
        var b = here.config();
        return there.withConfig(null).equals(here.withConfig(null)) && a.env().equals(b.env())
                && a.parameters().equals(b.parameters()) && a.secrets().keySet().equals(b.secrets().keySet());
    }

    /** Pushes one registration again to a worker that lost it (restarted between heartbeats). */
    void pushAgain(Member m, String functionId) {
        try {
            m.remote.register(get(functionId));
        } catch (WorkerException e) {
            if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                throw e;
            }
        }
    }

    private WorkerException unknown(String functionId) {
        return new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId
                + " is not registered with controller " + controller);
    }
}
