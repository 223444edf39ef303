package dev.vireo.dag.internal;

import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.api.spi.dag.PlanningContext;
import dev.vireo.api.spi.dag.Sla;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The workflow service's core: checks and starts runs, answers for them, cancels and removes them, and sweeps runs
 * past their retention. The tasks themselves run in {@link TaskRunner}. The store and the planner are the active
 * plugins when a run is submitted; a run stays in the store it started in.
 *
 * <p>Thread-safe; never blocks on a run. Uses only the clock and the executor services (runs in the simulation).
 */
final class DagEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(DagEngine.class.getName());

    private final WorkerService worker;
    private final Supplier<DagStore> stores;
    private final Supplier<DagPlanner> planners;
    /** The active planner's name (recorded with each plan). */
    private volatile Supplier<String> plannerName = () -> "local";
    private final Clock clock;
    private final TaskRunner runner;
    private final ChainRunner chains;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final Cancellable sweeper;
    private final Cancellable recoverer;
    private final Overflow overflow;
    /** Plans kept for the same graph, planner and statistics. */
    private final PlanCache plans;
    /** Where plans and the history they were made from outlive this node (or nowhere). */
    private final PlanArchive archive;
    /** The history as last kept by the archive (written again only when it changed). */
    private String keptHistory = "";
    /** What this node saw of task invocations: the plans' predictions. */
    private final History history = new History();
    /** Run -> tasks seen ready but not started on the last recovery pass (only {@link #recover} touches it). */
    private final Map<String, Set<String>> orphans = new ConcurrentHashMap<>();
    private final Placement placement;
    private final TaskScheduler scheduler;
    private volatile DagOptions options;

    DagEngine(WorkerService worker, Supplier<DagStore> stores, Supplier<DagPlanner> planners, Clock clock,
            TaskScheduler scheduler, DagOptions options) {
        this(worker, stores, planners, clock, scheduler, options, Placement.local());
    }

    DagEngine(WorkerService worker, Supplier<DagStore> stores, Supplier<DagPlanner> planners, Clock clock,
            TaskScheduler scheduler, DagOptions options, Placement placement) {
        this(worker, stores, planners, clock, scheduler, options, placement, Overflow.none(worker, clock));
    }

    DagEngine(WorkerService worker, Supplier<DagStore> stores, Supplier<DagPlanner> planners, Clock clock,
            TaskScheduler scheduler, DagOptions options, Placement placement, Overflow overflow) {
        this(worker, stores, planners, clock, scheduler, options, placement, overflow, PlanArchive.none());
    }

    DagEngine(WorkerService worker, Supplier<DagStore> stores, Supplier<DagPlanner> planners, Clock clock,
            TaskScheduler scheduler, DagOptions options, Placement placement, Overflow overflow, PlanArchive archive) {
        this.worker = worker;
        this.archive = archive;
        this.plans = new PlanCache(archive);
        archive.history().ifPresent(text -> {
            try {
                history.restore(text);
                keptHistory = text;
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring the kept task history in "
                        + archive.dir().orElseThrow() + ": " + e.getMessage());
            }
        });
        this.stores = stores;
        this.planners = planners;
        this.clock = clock;
        this.options = options;
        this.overflow = overflow;
        this.runner = new TaskRunner(worker, clock, scheduler, options, placement, overflow, history);
        this.chains = new ChainRunner(worker, () -> this.options.maxOutputBytes());
        this.placement = placement;
        this.scheduler = scheduler;
        this.sweeper = scheduler.scheduleAtFixedRate("dag.sweep", this::sweep, options.sweep());
        this.recoverer = scheduler.scheduleAtFixedRate("dag.recover", this::recover, options.recovery());
    }

    @Override
    public void close() {
        sweeper.cancel();
        recoverer.cancel();
        keepHistory();
    }

    /** Writes the history to the archive if it changed since it was last written (on each sweep, and at close). */
    void keepHistory() {
        if (archive.dir().isEmpty()) {
            return;
        }
        synchronized (archive) {
            // taken under the lock: a sweep and a close racing must not write an older snapshot over a newer one
            String now = history.snapshot();
            if (!now.equals(keptHistory)) {
                archive.history(now);
                keptHistory = now;
            }
        }
    }

    String submit(Workflow workflow, String resume) {
        return submit(workflow, resume, "");
    }

    String submit(Workflow workflow, String resume, String given) {
        DagStore store = stores.get();
        if (!given.isEmpty() && (!Workflow.RUN_ID.matcher(given).matches() || runs.containsKey(given)
                || store.spec(given).isPresent())) {
            throw new ValidationException("run", "'" + abbreviate(given) + "' " + (Workflow.RUN_ID.matcher(given)
                    .matches() ? "is the id of a run the store keeps" : "is invalid: use 1-48 letters, digits, '.', '_'"
                    + " or '-'"));
        }
        Set<String> registered = new HashSet<>();
        for (FunctionSpec f : worker.functions()) {
            registered.add(f.id());
        }
        for (Workflow.Task t : workflow.tasks()) {
            if (!registered.contains(t.functionId())) {
                throw new ValidationException("tasks", "task '" + t.id() + "': function '" + t.functionId()
                        + "' is not registered on " + worker.name());
            }
        }
        DagPlan plan = plans.plan(plannerName.get(), planners.get(), graph(workflow), planning(workflow));
        Map<String, String> reused = resume == null || resume.isEmpty() ? Map.of() : reusable(store, workflow, resume);
        String id = !given.isEmpty() ? given : newId();
        Instant submitted = clock.now();
        RunText.Meta meta = new RunText.Meta(workflow.name(), submitted, null, workflow.onError(), "");
        Map<String, Integer> pending = new LinkedHashMap<>();
        List<String> ready = new ArrayList<>();
        for (Workflow.Task t : workflow.tasks()) {
            if (reused.containsKey(t.id())) {
                continue;
            }
            int missing = (int) t.dependsOn().stream().filter(d -> !reused.containsKey(d)).count();
            pending.put(t.id(), missing);
            if (missing == 0) {
                ready.add(t.id());
            }
        }
        store.create(id, WorkflowJson.write(workflow), RunText.meta(meta), pending, pending.size());
        Run run = new Run(id, workflow, store, meta);
        Map<String, DagPlan.Step> steps = new HashMap<>();
        plan.steps().forEach(st -> steps.put(st.taskId(), st));
        run.steps = Map.copyOf(steps);
        runs.put(id, run);
        store.plan(id, RunText.plan(new RunPlan(id, plannerName.get(), (workflow.sla().isEmpty() ? Sla.DEFAULT.id()
                : workflow.sla()), worker.name(), plan.predictedMakespanUs(), plan.steps().stream().map(st -> new RunPlan.Step(
                        st.taskId(), st.worker(), st.group(), st.prewarm(), st.priority(), st.startUs(),
                        st.finishUs())).toList())));
        for (var e : reused.entrySet()) {
            Workflow.Task t = run.task(e.getKey());
            store.settle(id, t.id(), e.getValue());
            store.record(id, t.id(), RunText.record(new TaskRecord(t.id(), t.functionId(), TaskState.SUCCEEDED,
                    "", "resumed", 0, 0, 0, 0, 0, 0, 0, 0, 0, e.getValue().length(), Optional.empty())));
        }
        LOG.log(Level.INFO, "[" + id + "] " + (workflow.name().isEmpty() ? "workflow" : workflow.name()) + ": "
                + workflow.tasks().size() + " tasks" + (reused.isEmpty() ? "" : ", " + reused.size() + " resumed from "
                + resume) + ", planner's estimate " + plan.predictedMakespanUs() + " us");
        if (pending.isEmpty()) {
            runner.finish(run, RunState.SUCCEEDED);
        } else {
            // by the plan's priority, highest first: the order ready tasks start in
            Map<String, Integer> priority = new HashMap<>();
            plan.steps().forEach(s -> priority.put(s.taskId(), s.priority()));
            ready.sort((a, b) -> Integer.compare(priority.getOrDefault(b, 0), priority.getOrDefault(a, 0)));
            runner.startAll(run, ready);
        }
        return id;
    }

    /** Where the active planner's name comes from (the kernel's selection; "local" until set). */
    void plannerName(Supplier<String> name) {
        plannerName = name;
    }

    /** A new run id: short (it starts every task's tid, 64 characters at most), unique across nodes sharing a store. */
    String newId() {
        return "r-" + Long.toString(clock.now().toEpochMilli(), 36) + "-" + Long.toString(sequence.incrementAndGet(), 36)
                + "-" + Integer.toString(Math.floorMod(worker.name().hashCode(), 36 * 36 * 36), 36);
    }

    /**
     * Outputs of the earlier run's tasks that succeeded with the same function and args (a checkpoint), and whose
     * inputs are all reused too: a task that runs again (changed, failed, or its output not kept: a chain's member
     * whose output stayed on a peer) makes every task after it run again, so that no output is reused that was made
     * from inputs this run makes anew.
     */
    private Map<String, String> reusable(DagStore store, Workflow workflow, String resume) {
        String spec = store.spec(resume).orElseThrow(() -> new ValidationException("resume", "run '" + resume
                + "' is not in the store (never there, or removed after its retention)"));
        Workflow before = WorkflowJson.parse(spec);
        Map<String, Workflow.Task> old = new HashMap<>();
        before.tasks().forEach(t -> old.put(t.id(), t));
        List<String> same = workflow.tasks().stream().filter(t -> {
            Workflow.Task o = old.get(t.id());
            return o != null && o.functionId().equals(t.functionId()) && o.args().equals(t.args())
                    && o.map().equals(t.map());
        }).map(Workflow.Task::id).toList();
        Map<String, String> kept = new HashMap<>(store.outputs(resume, same));
        boolean dropped = true;
        while (dropped) {
            dropped = kept.keySet().removeIf(id -> workflow.tasks().stream().filter(t -> t.id().equals(id))
                    .findFirst().orElseThrow().dependsOn().stream().anyMatch(d -> !kept.containsKey(d)));
        }
        return kept;
    }

    private static DagSpec graph(Workflow w) {
        List<DagSpec.Task> tasks = new ArrayList<>();
        List<DagSpec.Edge> edges = new ArrayList<>();
        for (Workflow.Task t : w.tasks()) {
            tasks.add(new DagSpec.Task(t.id(), t.functionId()));
            for (String d : new java.util.LinkedHashSet<>(t.dependsOn())) {
                edges.add(new DagSpec.Edge(d, t.id()));
            }
        }
        return new DagSpec(w.name(), tasks, edges);
    }

    /** What the planner may know for this workflow: this node's workers, history and the run's SLA statistic. */
    private PlanningContext planning(Workflow workflow) {
        Sla sla = workflow.sla().isEmpty() ? Sla.DEFAULT : Sla.parse("sla", workflow.sla());
        java.util.Set<String> functions = new HashSet<>();
        workflow.tasks().forEach(t -> functions.add(t.functionId()));
        return new NodePlanning(worker.status().stats(), overflow.workers(), sla, history, clock.nanoTime(),
                w -> overflow.slotsOf(w, functions), overflow::statsOf);
    }

    /** The run as this worker knows it, or as the store has it (a run another worker started). */
    private Run run(String id) {
        Run cached = runs.get(id);
        if (cached != null) {
            return cached;
        }
        DagStore store = stores.get();
        Optional<String> spec = store.spec(id);
        Optional<String> meta = store.meta(id);
        if (spec.isEmpty() || meta.isEmpty()) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no run '" + id + "' (never submitted, or removed"
                    + " after its retention)");
        }
        Run run = new Run(id, WorkflowJson.parse(spec.get()), store, RunText.meta(meta.get()));
        // the plan as its node stored it: a node continuing the run follows its groups and priorities too (not its
        // workers, nor its prewarms: where a task runs, the node that planned it decided when it handed it over)
        store.plan(id).ifPresent(text -> {
            Map<String, DagPlan.Step> steps = new HashMap<>();
            for (RunPlan.Step st : RunText.plan(id, text).steps()) {
                steps.put(st.task(), new DagPlan.Step(st.task(), "", st.group(), false, st.priority(), st.startUs(),
                        st.finishUs()));
            }
            run.steps = Map.copyOf(steps);
        });
        Run raced = runs.putIfAbsent(id, run);
        return raced != null ? raced : run;
    }

    /** Whether this node's store has the run (a resume of it starts here, where its outputs are). */
    boolean holds(String id) {
        return runs.containsKey(id) || stores.get().spec(id).isPresent();
    }

    /** Starts a task another node handed over (the run is in the shared store both use). */
    void continueTask(String id, String task) {
        continueTasks(id, List.of(task), Map.of());
    }

    /**
     * Starts tasks another node handed over, with outputs of their inputs it sent along: those are kept in memory
     * here until each handed task that reads one has started ({@link Run#kept}).
     */
    void continueTasks(String id, List<String> tasks, Map<String, String> inputs) {
        Run run = run(id);
        for (String task : tasks) {
            if (run.task(task) == null) {
                throw new ValidationException("task", "run '" + id + "' has no task '" + task + "'");
            }
        }
        Map<String, Integer> readers = new HashMap<>();
        for (Map.Entry<String, String> in : inputs.entrySet()) {
            long n = tasks.stream().filter(t -> run.task(t).dependsOn().contains(in.getKey())).count();
            if (n == 0) {
                throw new ValidationException("inputs", "'" + in.getKey() + "' is not an input of "
                        + (tasks.size() == 1 ? "task '" + tasks.get(0) + "'" : "any of the " + tasks.size()
                        + " tasks") + " of run '" + id + "'");
            }
            if (in.getValue().length() > options.maxOutputBytes()) {
                throw new ValidationException("inputs", "'" + in.getKey() + "' has " + in.getValue().length()
                        + " characters, more than max.output.bytes " + options.maxOutputBytes());
            }
            dev.vireo.api.validation.JsonText.check("inputs", in.getValue());
            readers.put(in.getKey(), (int) n);
        }
        // all checked: keep them only now (a refused request keeps nothing, and its sender runs the tasks itself)
        readers.forEach((producer, n) -> run.keep(producer, inputs.get(producer), n));
        // on the executor: a peer hands over many tasks in one request, and is answered at once
        for (String task : tasks) {
            scheduler.execute(() -> runner.start(run, task));
        }
    }

    /** Runs a chain another node sent (sub-graphs inline, {@link ChainRunner}). */
    java.util.concurrent.CompletionStage<List<dev.vireo.api.dag.ChainStep>> runChain(
            List<dev.vireo.api.dag.ChainLink> links, String payload, int maxOutputBytes) {
        return chains.run(links, payload, maxOutputBytes);
    }

    RunStatus status(String id) {
        return status(run(id), true);
    }

    private RunStatus status(Run run, boolean withRecords) {
        Optional<String> finished = run.store.finished(run.id);
        RunState state = finished.map(RunState::valueOf).orElse(RunState.RUNNING);
        run.store.meta(run.id).ifPresent(m -> run.meta = RunText.meta(m));
        Map<String, String> stored = run.store.records(run.id);
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        for (TaskState s : TaskState.values()) {
            counts.put(s, 0);
        }
        List<TaskRecord> records = new ArrayList<>();
        for (Workflow.Task t : run.workflow.tasks()) {
            String text = stored.get(t.id());
            if (!withRecords) {
                TaskState s = text != null ? RunText.state(text) : TaskState.WAITING;
                counts.merge(state.done() && !s.done() ? ended(state) : s, 1, Integer::sum);
                continue;
            }
            TaskRecord r = text != null ? RunText.record(text) : TaskRecord.waiting(t.id(), t.functionId());
            if (state.done() && !r.state().done()) {
                // never started, or still running when the run ended: nothing more happens to it
                r = r.in(ended(state));
            }
            counts.merge(r.state(), 1, Integer::sum);
            records.add(r);
        }
        RunText.Meta meta = run.meta;
        Instant end = meta.ended() != null ? meta.ended() : clock.now();
        return new RunStatus(run.id, meta.name(), state, meta.submitted(),
                Math.max(0, Duration.between(meta.submitted(), end).toNanos() / 1_000), counts, records,
                meta.failure().isEmpty() ? Optional.empty() : Optional.of(meta.failure()));
    }

    private static TaskState ended(RunState run) {
        return run == RunState.CANCELLED ? TaskState.CANCELLED : TaskState.SKIPPED;
    }

    /** The run's state and counts, without per-task records (cheap to poll). */
    RunStatus summary(String id) {
        return status(run(id), false);
    }

    /** The run's plan as stored at submission (no steps for a run that has none). */
    RunPlan plan(String id) {
        Run run = run(id);
        return run.store.plan(id).map(t -> RunText.plan(id, t)).orElse(new RunPlan(id, "", "", "", 0, List.of()));
    }

    /** The run's workflow as a spec ({@link WorkflowJson#write}: what {@link WorkflowJson#parse} reads back). */
    String spec(String id) {
        return WorkflowJson.write(run(id).workflow);
    }

    RunResult result(String id) {
        Run run = run(id);
        Optional<String> finished = run.store.finished(run.id);
        if (finished.isEmpty()) {
            RunStatus s = status(run, false);
            throw new RunNotFinishedException(id, s.finished(), s.tasks());
        }
        return new RunResult(id, RunState.valueOf(finished.get()), run.store.outputs(id, run.workflow.sinks()));
    }

    RunStatus cancel(String id) {
        Run run = run(id);
        if (run.store.finished(id).isEmpty()) {
            runner.finish(run, RunState.CANCELLED);
        }
        return status(run, true);
    }

    void delete(String id) {
        Run run = run(id);
        if (run.store.finished(id).isEmpty()) {
            runner.finish(run, RunState.CANCELLED);
        }
        run.store.delete(id);
        runs.remove(id);
    }

    List<RunStatus> runs() {
        List<RunStatus> all = new ArrayList<>();
        for (String id : stores.get().runs()) {
            try {
                all.add(status(run(id), false));
            } catch (WorkerException | IllegalArgumentException gone) {
                // removed meanwhile
            }
        }
        return all;
    }

    void reconfigure(DagOptions next) {
        options = next;
        runner.options(next);
    }

    /**
     * On a controller with peers and a shared store: every task recorded running on a worker that is no longer among
     * the peers (it died, or left) is handed to one that is. Settling is once per task, so a task that was in fact
     * still finishing somewhere costs a duplicate invocation, never a second release. Runs only on controllers: one
     * node recovers, not every worker at once.
     */
    void recover() {
        if (!placement.controller()) {
            return;
        }
        DagStore store;
        try {
            store = stores.get();
        } catch (RuntimeException none) {
            return;
        }
        if (!store.shared()) {
            return;
        }
        for (String id : store.runs()) {
            if (store.finished(id).isPresent()) {
                orphans.remove(id);
                continue;
            }
            Run run;
            try {
                run = run(id);
            } catch (WorkerException | IllegalArgumentException gone) {
                continue;
            }
            List<String> peers = placement.peers(run);
            if (peers.isEmpty()) {
                return;
            }
            Map<String, String> records = store.records(id);
            Set<String> seen = orphans.getOrDefault(id, Set.of());
            Set<String> now = new HashSet<>();
            for (Workflow.Task t : run.workflow.tasks()) {
                // ready (every input ended) yet never started nor handed over: the node that made it ready died
                // before it could; seen so on two passes in a row (not a start about to happen), it is handed on
                if (!records.containsKey(t.id()) && !t.dependsOn().isEmpty() && t.dependsOn().stream().allMatch(d ->
                        records.containsKey(d) && RunText.state(records.get(d)).done()) && !store.settled(id, t.id())) {
                    if (seen.contains(t.id())) {
                        String to = placement.nextPeer(peers);
                        LOG.log(Level.WARNING, "[" + run.tid(t.id(), -1, 1) + "] was made ready but never started (the"
                                + " node that released it went away): handing it to " + to);
                        runner.recover(run, t.id(), to);
                    } else {
                        now.add(t.id());
                    }
                }
            }
            if (now.isEmpty()) {
                orphans.remove(id);
            } else {
                orphans.put(id, now);
            }
            for (var e : records.entrySet()) {
                if (RunText.state(e.getValue()) != TaskState.RUNNING) {
                    continue;
                }
                String was = RunText.record(e.getValue()).worker();
                if (!was.isEmpty() && !peers.contains(was) && !store.settled(id, e.getKey())) {
                    String to = placement.nextPeer(peers);
                    LOG.log(Level.WARNING, "[" + run.tid(e.getKey(), -1, 1) + "] was running on " + was
                            + ", which is no longer in service: handing it to " + to);
                    runner.recover(run, e.getKey(), to);
                }
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /** Removes the runs that ended longer ago than the retention (and forgets cached runs no store has). */
    void sweep() {
        keepHistory();
        Instant cutoff = clock.now().minus(options.retention());
        DagStore store;
        try {
            store = stores.get();
        } catch (RuntimeException none) {
            return; // no store active right now
        }
        for (String id : store.runs()) {
            Optional<RunText.Meta> meta = store.meta(id).map(RunText::meta);
            if (meta.isPresent() && meta.get().ended() != null && meta.get().ended().isBefore(cutoff)) {
                store.delete(id);
                runs.remove(id);
                LOG.log(Level.INFO, "[" + id + "] removed after its retention");
            }
        }
        runs.keySet().removeIf(id -> runs.get(id).finished && runs.get(id).store.spec(id).isEmpty());
    }
}
