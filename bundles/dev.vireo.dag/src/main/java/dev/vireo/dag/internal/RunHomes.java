package dev.vireo.dag.internal;

import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.time.Clock;
import dev.vireo.api.worker.WorkerException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A controller's workflows when the store keeps runs in a node's memory (embedded): each run goes to one worker, its
 * home, which runs it there (where the inputs are; it spills onto its peers when full, see {@link Overflow}), so the
 * controller is on no task's path. The controller names the run, remembers its home, and passes every question about
 * it there. When a home leaves the cluster before its run finished, the run starts again, from the beginning (its
 * outputs were in that worker's memory), under the same id on another worker: {@link #recover}, every
 * {@code recovery.ms}, which also notes the runs that finished.
 *
 * <p>Thread-safe; the calls to homes block (the front ends' threads), recovery runs on the executor.
 */
final class RunHomes {
    private static final System.Logger LOG = System.getLogger(RunHomes.class.getName());

    /** Where a run lives: its home, what is needed to start it again elsewhere, and when it was seen finished. */
    record Home(String peer, Workflow workflow, Instant finished) {
    }

    private final Supplier<DagPeers> peers;
    private final Supplier<String> ids;
    private final Clock clock;
    private final Supplier<Duration> retention;
    private final Map<String, Home> homes = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();

    /**
     * @param peers     the workers (absent: none)
     * @param ids       a new run id each call
     * @param clock     when runs are seen finished
     * @param retention how long a finished run is remembered (then it is looked for on every worker, like one this
     *                  controller did not place)
     */
    RunHomes(Supplier<DagPeers> peers, Supplier<String> ids, Clock clock, Supplier<Duration> retention) {
        this.peers = peers;
        this.ids = ids;
        this.clock = clock;
        this.retention = retention;
    }

    /** Whether runs go to workers now: peers are known. */
    boolean active() {
        DagPeers p = peers.get();
        return p != null && !p.peers().isEmpty();
    }

    /**
     * Starts the run on a worker (in turn; one that cannot be reached is passed over). A spec the worker refuses is
     * refused here, with the worker's message.
     */
    String submit(Workflow workflow, String resume, String given) {
        String id = given.isEmpty() ? ids.get() : given;
        if (!given.isEmpty() && homes.containsKey(given)) {
            throw new ValidationException("run", "'" + given + "' is the id of a run the store keeps");
        }
        String home;
        if (resume.isEmpty()) {
            home = place(id, workflow, "", null);
        } else {
            // the outputs to reuse are in the memory of the resumed run's worker: the run goes there
            ask(resume, s -> s.summary(resume));
            home = homes.get(resume).peer();
            peers.get().service(home).submit(workflow, resume, id);
            LOG.log(Level.INFO, "[" + id + "] runs on " + home + ", where " + resume + " ran");
        }
        homes.put(id, new Home(home, workflow, null));
        return id;
    }

    /** Starts run {@code id} on some worker other than {@code not}; the worker's name. */
    private String place(String id, Workflow workflow, String resume, String not) {
        DagPeers p = peers.get();
        List<String> workers = p == null ? List.of() : new ArrayList<>(p.peers());
        workers.remove(not);
        if (workers.isEmpty()) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "no worker in service to run workflow '" + id + "' on");
        }
        // in turn, so that runs spread over the workers
        int start = (int) Math.floorMod(next.getAndIncrement(), (long) workers.size());
        WorkerException last = null;
        for (int i = 0; i < workers.size(); i++) {
            String w = workers.get((start + i) % workers.size());
            try {
                p.service(w).submit(workflow, resume, id);
                LOG.log(Level.INFO, "[" + id + "] runs on " + w);
                return w;
            } catch (WorkerException e) {
                if (e.kind() != ErrorKind.UNREACHABLE) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** Whether this controller placed the run (it answers for it through its home). */
    boolean knows(String run) {
        return homes.containsKey(run);
    }

    /**
     * Asks the run's home; a run this controller did not place (it restarted since) is looked for on every worker.
     * UNKNOWN_FUNCTION if none has it.
     */
    <T> T ask(String run, Function<DagService, T> question) {
        DagPeers p = peers.get();
        Home h = homes.get(run);
        if (p == null) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "no worker in service holds run '" + run + "'");
        }
        if (h != null) {
            try {
                return question.apply(p.service(h.peer()));
            } catch (WorkerException e) {
                if (e.kind() == ErrorKind.UNREACHABLE) {
                    throw new WorkerException(ErrorKind.UNREACHABLE, "run '" + run + "' is on worker " + h.peer()
                            + ", which does not answer now (" + e.getMessage() + "); it starts again on another"
                            + " worker once that one is out of service");
                }
                throw e;
            }
        }
        for (String w : p.peers()) {
            try {
                T answer = question.apply(p.service(w));
                homes.putIfAbsent(run, new Home(w, null, null));
                return answer;
            } catch (WorkerException e) {
                if (e.kind() != ErrorKind.UNKNOWN_FUNCTION && e.kind() != ErrorKind.UNREACHABLE) {
                    throw e;
                }
            }
        }
        throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no run '" + run + "' (never submitted, or removed after"
                + " its retention)");
    }

    /** The run was removed on its home. */
    void forget(String run) {
        homes.remove(run);
    }

    /** Every worker's runs, newest first (a worker that does not answer is left out). */
    List<RunStatus> runs() {
        DagPeers p = peers.get();
        Map<String, RunStatus> all = new LinkedHashMap<>();
        if (p != null) {
            for (String w : p.peers()) {
                try {
                    p.service(w).runs().forEach(r -> all.putIfAbsent(r.run(), r));
                } catch (WorkerException gone) {
                    // out of reach now: its runs show again when it answers
                }
            }
        }
        List<RunStatus> list = new ArrayList<>(all.values());
        list.sort(Comparator.comparing(RunStatus::submitted).reversed());
        return list;
    }

    /**
     * Notes the runs that finished, and starts again elsewhere every unfinished run whose home is no longer in
     * service.
     */
    void recover() {
        DagPeers p = peers.get();
        if (p == null || homes.isEmpty()) {
            return;
        }
        List<String> alive = p.peers();
        Instant forget = clock.now().minus(retention.get());
        for (var e : homes.entrySet()) {
            Home h = e.getValue();
            String run = e.getKey();
            if (h.finished() != null) {
                if (h.finished().isBefore(forget)) {
                    homes.remove(run);
                }
                continue;
            }
            if (alive.contains(h.peer())) {
                try {
                    RunStatus s = p.service(h.peer()).summary(run);
                    if (s.state().done()) {
                        homes.computeIfPresent(run, (k, v) -> new Home(v.peer(), v.workflow(), clock.now()));
                    }
                } catch (WorkerException ex) {
                    if (ex.kind() == ErrorKind.UNKNOWN_FUNCTION) {
                        homes.remove(run); // removed there (DELETE, or its retention)
                    }
                }
                continue;
            }
            if (h.workflow() == null) {
                continue; // found on a worker after a restart of this controller: its spec is there, not here
            }
            try {
                String to = place(run, h.workflow(), "", h.peer());
                LOG.log(Level.WARNING, "[" + run + "] its worker " + h.peer() + " is no longer in service: the run"
                        + " starts again on " + to);
                homes.put(run, new Home(to, h.workflow(), null));
            } catch (WorkerException | ValidationException ex) {
                LOG.log(Level.WARNING, "[" + run + "] its worker " + h.peer() + " is no longer in service, and the"
                        + " run could not start again elsewhere: " + ex.getMessage());
            }
        }
    }

    /** The home of a run this controller placed (tests, logs). */
    Optional<String> home(String run) {
        return Optional.ofNullable(homes.get(run)).map(Home::peer);
    }
}
