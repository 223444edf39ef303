package dev.vireo.worker.internal;

import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.RunningContainer;
import dev.vireo.worker.internal.FunctionTable.Registration;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The containers an earlier run of this worker left running (it was killed or crashed): each is taken back warm when the
 * restorer registers its function again with the very registration it was made for ({@link
 * ContainerLifecycle#SPEC_LABEL}), on the same backend, and its transport can reach its agent again; the rest are
 * reclaimed once the stored registrations are back (or given up on, see {@link WorkerCore#keepRegistrationsIn}).
 *
 * <p>Order: the backends are asked for their survivors when the first registration is back (the kernel is ready then:
 * the backends in force); a reclaim never runs while a take-back is under way (it would remove a container being taken
 * back), and after it nothing is taken back. Nothing here blocks on another task: it runs live and on the virtual
 * clock alike.
 */
final class Survivors {
    private static final System.Logger LOG = System.getLogger(Survivors.class.getName());

    private record Found(String backend, RunningContainer container) {
    }

    private final PluginRegistry registry;
    private final String worker;
    private final ContainerLifecycle containers;
    private final dev.vireo.api.time.TaskScheduler scheduler;
    /** The survivors not taken back yet, by function id; null until listed. Guarded by this. */
    private Map<String, List<Found>> byFunction;
    /** Take-backs under way. Guarded by this. */
    private int underWay;
    /** The reclaim was asked for (it runs once none is under way). Guarded by this. */
    private boolean sweeping;
    /** The reclaim ran: nothing is taken back any more. Guarded by this. */
    private boolean swept;

    Survivors(PluginRegistry registry, String worker, ContainerLifecycle containers,
            dev.vireo.api.time.TaskScheduler scheduler) {
        this.registry = registry;
        this.worker = worker;
        this.containers = containers;
        this.scheduler = scheduler;
    }

    /**
     * Takes back the survivors made for this registration, just registered again after the restart: counted as under
     * way at once (so a {@link #sweep} asked for right after waits for it), done on the scheduler, outside the caller's
     * locks (listing the survivors may start a backend's daemon).
     */
    void takeBack(Registration r) {
        synchronized (this) {
            if (sweeping) {
                return;
            }
            underWay++;
        }
        scheduler.execute(() -> {
            try {
                takeBackNow(r);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "[restore-" + r.id() + "] taking back its containers failed: " + e.getMessage());
                finished();
            }
        });
    }

    /** Lists the survivors if nobody did yet, then starts taking back this registration's; one under way ends after. */
    private void takeBackNow(Registration r) {
        // counted under way before any sweep was asked for: it goes on even if one is now (the sweep waits for it)
        boolean listed;
        synchronized (this) {
            listed = byFunction != null;
        }
        if (!listed) {
            Map<String, List<Found>> found = list(); // outside the monitor: it may start a daemon
            synchronized (this) {
                if (byFunction == null) {
                    byFunction = found;
                }
            }
        }
        List<Found> mine;
        synchronized (this) {
            mine = byFunction == null ? null : byFunction.remove(r.id());
        }
        if (mine == null) {
            finished();
            return;
        }
        String tid = "restore-" + r.id();
        String fingerprint = ContainerLifecycle.fingerprint(r.spec());
        List<CompletableFuture<Boolean>> taken = new ArrayList<>();
        for (Found f : mine) {
            if (!f.backend().equals(r.spec().backend())
                    || !fingerprint.equals(f.container().labels().get(ContainerLifecycle.SPEC_LABEL))) {
                LOG.log(Level.INFO, "[" + tid + "] " + f.container().id() + " was made for another registration of "
                        + r.id() + ", other code or another backend: not taken back");
                continue;
            }
            CompletableFuture<Boolean> one;
            try {
                one = containers.takeBack(r, f.container().id(), tid);
            } catch (RuntimeException e) {
                one = CompletableFuture.failedFuture(e);
            }
            taken.add(one.exceptionally(e -> {
                LOG.log(Level.WARNING, "[" + tid + "] taking back " + f.container().id() + " failed: "
                        + Failures.message(e));
                return false;
            }));
        }
        CompletableFuture.allOf(taken.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
            long n = taken.stream().filter(t -> t.getNow(false)).count();
            if (n > 0) {
                LOG.log(Level.INFO, "[" + tid + "] took back " + n + " of " + mine.size() + " containers the last run"
                        + " left running for " + r.id());
            }
            finished();
        });
    }

    /** A take-back ended: the reclaim runs now if it was asked for and none is under way any more. */
    private void finished() {
        boolean sweepNow;
        synchronized (this) {
            underWay--;
            sweepNow = sweeping && underWay == 0 && !swept;
            swept |= sweepNow;
            if (sweepNow) {
                byFunction = null;
            }
        }
        if (sweepNow) {
            scheduler.execute(containers::reclaimLeftovers);
        }
    }

    /**
     * From now on nothing is taken back: every survivor not taken back is reclaimed (once the take-backs under way are
     * done), on the scheduler. Idempotent.
     */
    void sweep() {
        boolean now;
        synchronized (this) {
            sweeping = true;
            now = underWay == 0 && !swept;
            swept |= now;
            if (now) {
                byFunction = null;
            }
        }
        if (now) {
            scheduler.execute(containers::reclaimLeftovers); // never on the caller's thread: it may hold a lock
        }
    }

    /** Every active backend's survivors of this worker, by function id. */
    private Map<String, List<Found>> list() {
        Map<String, List<Found>> found = new HashMap<>();
        registry.activeAll(ContainerBackend.class).forEach((name, backend) -> {
            try {
                for (RunningContainer c : backend.survivors(worker)) {
                    containers.seen(c.id()); // this run's ids never repeat one of them
                    String function = c.labels().getOrDefault("vireo.function", "");
                    found.computeIfAbsent(function, k -> new ArrayList<>()).add(new Found(name, c));
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "[restore] " + name + " cannot list the containers the last run left: "
                        + e.getMessage() + " (they are reclaimed)");
            }
        });
        int n = found.values().stream().mapToInt(List::size).sum();
        if (n > 0) {
            LOG.log(Level.INFO, "[restore] the last run of " + worker + " left " + n + " containers running: those of"
                    + " functions registered again are taken back, the others reclaimed");
        }
        return found;
    }
}
