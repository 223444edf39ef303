package dev.vireo.dag.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.vireo.api.dag.ChainLink;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the tasks of runs, with no scheduler in between: a task that ends settles itself in the store once, releases
 * each of its dependents (an atomic decrement), and the release that leaves a dependent with no input missing starts
 * it, here and at once (the first on this thread, as a continuation; the others through the executor, so a fan-out
 * starts them all together). A failed invocation is retried with backoff; a retry or a duplicate completion never
 * releases twice ({@link dev.vireo.api.spi.dag.DagStore#settle} is once per task). A task whose input failed is
 * skipped (on-error continue), or nothing more starts (fail-fast). The last task to end finishes the run.
 *
 * <p>Thread-safe: all state is in the store and in per-task objects confined to the task's callbacks.
 */
final class TaskRunner {
    private static final System.Logger LOG = System.getLogger(TaskRunner.class.getName());
    /** Failures where the function did not run, or its worker went away: retried whatever the task's retries. */
    static final java.util.Set<ErrorKind> PLATFORM = java.util.EnumSet.of(ErrorKind.UNREACHABLE, ErrorKind.OVERLOADED,
            ErrorKind.NO_RESOURCES);

    private final WorkerService worker;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private volatile DagOptions options;
    private final Placement placement;
    private final Overflow overflow;
    private final History history;

    TaskRunner(WorkerService worker, Clock clock, TaskScheduler scheduler, DagOptions options, Placement placement,
            Overflow overflow, History history) {
        this.worker = worker;
        this.clock = clock;
        this.scheduler = scheduler;
        this.options = options;
        this.placement = placement;
        this.overflow = overflow;
        this.history = history;
    }

    /** One task being run: what its invocations add up to. Confined to its callbacks (one at a time per slot). */
    private final class Attempted {
        final Run run;
        final Workflow.Task task;
        volatile long startUs;
        /** When it ended, if known better than "now" when it is recorded (a link of a chain run on a peer). */
        volatile long endUs = -1;
        /** A link of a chain whose output stayed on the peer: its size (-1: the output is here). */
        volatile long keptBytes = -1;
        /** Ran in a chain on a peer: the times around it are the chain's, not its own (no overhead sample). */
        volatile boolean chained;
        final AtomicInteger attempts = new AtomicInteger();
        /** Failures counted against the task's retries, and against the platform's (summed over a map's elements). */
        final AtomicInteger taskFailures = new AtomicInteger();
        final AtomicInteger platformFailures = new AtomicInteger();
        volatile long inputUs;
        volatile long queuedUs;
        /** Time its invocations spent getting a container (waiting for one to free, or a cold start). */
        volatile long acquireUs;
        volatile long executionUs;
        volatile long bytesIn;
        volatile String workerName = "";
        volatile String container = "";
        volatile int items;

        Attempted(Run run, Workflow.Task task) {
            this.run = run;
            this.task = task;
            this.startUs = sinceSubmitted(run);
            // the node running it, until an invocation names its worker: what recovery looks for if this node dies
            this.workerName = worker.name();
        }

        synchronized void add(InvocationRecord r, int payloadBytes) {
            queuedUs += r.timings().queuedUs();
            acquireUs += r.timings().acquireUs();
            executionUs += r.timings().executionUs();
            bytesIn += payloadBytes;
            workerName = r.worker();
            container = r.state().map(s -> s.name().toLowerCase(Locale.ROOT)).orElse("");
        }

        TaskRecord record(TaskState state, long outputUs, long bytesOut, Optional<InvocationError> error) {
            return new TaskRecord(task.id(), task.functionId(), state, workerName, container, attempts.get(), items,
                    startUs, endUs >= 0 ? endUs : sinceSubmitted(run), queuedUs, inputUs, executionUs, outputUs, bytesIn,
                    bytesOut, error);
        }
    }

    void options(DagOptions next) {
        options = next;
    }

    /** Starts the tasks that are ready: the first on this thread, the rest through the executor. */
    void startAll(Run run, List<String> ready) {
        startAll(run, ready, Map.of());
    }

    /**
     * {@link #startAll(Run, List)} where {@code made} holds the output (by producing task) that made them ready: those
     * started here read it from memory (delayed I/O: not read back from a shared store), and those handed to a peer
     * carry it when it is at most {@link #INLINE_CHARS} (values inline).
     */
    void startAll(Run run, List<String> ready, Map<String, String> made) {
        // (most releases carry nothing: an embedded store's, a failed task's; no map is made for them)
        Map<String, String> inline = made.isEmpty() ? Map.of() : new java.util.HashMap<>();
        made.forEach((producer, output) -> {
            if (output.length() <= INLINE_CHARS) {
                inline.put(producer, output);
            }
        });
        List<String> here = placement.handOff(run, ready, this::startHere, this::handedTo, inline);
        made.forEach((producer, output) -> {
            int readers = (int) here.stream().filter(t -> run.task(t).dependsOn().contains(producer)).count();
            if (readers > 0) {
                run.keep(producer, output, readers);
            }
        });
        for (int i = 1; i < here.size(); i++) {
            String t = here.get(i);
            scheduler.execute(() -> start(run, t));
        }
        if (!here.isEmpty()) {
            String first = here.get(0);
            int depth = DEPTH.get()[0];
            if (depth >= MAX_INLINE) {
                // an invocation that completes at once calls back on this thread: a long chain would nest one hop
                // inside the other until the stack overflows; past a few, the next hop starts afresh
                scheduler.execute(() -> start(run, first));
                return;
            }
            DEPTH.get()[0] = depth + 1;
            try {
                start(run, first);
            } finally {
                DEPTH.get()[0] = depth;
            }
        }
    }

    /** Continuations nested on this thread now (see {@link #startAll}). */
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    /** Continuations nested on one thread at most before the next goes through the executor. */
    static final int MAX_INLINE = 16;
    /** The largest output handed along inline with the tasks it made ready (larger ones are read from the store). */
    static final int INLINE_CHARS = 64 * 1024;

    /**
     * Records that a task was handed to {@code peer} (state running, worker the peer) before it is asked to start it:
     * if the peer dies before it records the task itself, recovery finds the task by this record.
     */
    void handedTo(Run run, String task, String peer) {
        Workflow.Task t = run.task(task);
        run.store.progress(run.id, task, RunText.record(new TaskRecord(task, t.functionId(), TaskState.RUNNING, peer,
                "", 0, 0, sinceSubmitted(run), -1, 0, 0, 0, 0, 0, 0, Optional.empty())));
    }

    /** Hands a task whose worker died to another ({@link DagEngine#recover}). */
    void recover(Run run, String task, String peer) {
        if (!placement.handTo(run, task, peer, this::startHere, this::handedTo)) {
            startHere(run, task);
        }
    }

    /** Starts a task here, through the executor (a hand-off that failed comes back this way). */
    private void startHere(Run run, String task) {
        scheduler.execute(() -> start(run, task));
    }

    /** Runs a task whose inputs are all there (or failed). */
    void start(Run run, String taskId) {
        if (ended(run)) {
            run.prepared.remove(taskId);
            return; // cancelled or failed fast: nothing more starts (status shows it skipped or cancelled)
        }
        if (run.store.settled(run.id, taskId)) {
            run.prepared.remove(taskId);
            unread(run, run.task(taskId)); // what was kept for it will not be read
            return; // done already: a recovery or a hand-off raced with the task's own end
        }
        Workflow.Task task = run.task(taskId);
        Attempted a = new Attempted(run, task);
        long t0 = clock.nanoTime();
        Run.Prepared ran = run.prepared.get(taskId);
        if (ran != null && task.dependsOn().stream().anyMatch(run.unsucceeded::contains)) {
            // an input it was run with on the peer failed here after all: it goes the usual way (and is skipped)
            run.prepared.remove(taskId);
            ran = null;
        }
        if (ran != null && ran.step().record().success()) {
            // it ran already, in a chain on a peer, with inputs the peer made (each checked there against this node's
            // max.output.bytes): they may have stayed there, and no payload is needed
            if (run.store.progress(run.id, taskId, RunText.record(a.record(TaskState.RUNNING, 0, 0,
                    Optional.empty())))) {
                attempt(a, "", -1, 1, result -> succeed(a, result), error -> ended(a, TaskState.FAILED, error));
            } else {
                run.prepared.remove(taskId);
            }
            return;
        }
        Map<String, String> texts = inputs(run, task);
        if (texts.size() < task.dependsOn().size()) {
            String missing = task.dependsOn().stream().filter(d -> !texts.containsKey(d)).findFirst().orElseThrow();
            ended(a, TaskState.SKIPPED, new InvocationError(ErrorKind.CANCELLED, "input '" + missing
                    + "' did not succeed", ""));
            return;
        }
        Map<String, JsonElement> inputs = new LinkedHashMap<>();
        texts.forEach((k, v) -> inputs.put(k, Payloads.parse(v)));
        if (!run.store.progress(run.id, taskId, RunText.record(a.record(TaskState.RUNNING, 0, 0, Optional.empty())))) {
            return; // settled meanwhile (a duplicate start): nothing to do
        }
        prewarmDependents(run, taskId);
        if (!task.mapped()) {
            String payload = Payloads.build(run.args(task), inputs, null);
            a.inputUs = (clock.nanoTime() - t0) / 1_000;
            attempt(a, payload, -1, 1, result -> succeed(a, result), error -> ended(a, TaskState.FAILED, error));
            return;
        }
        JsonElement list = inputs.get(task.map());
        if (!list.isJsonArray()) {
            ended(a, TaskState.FAILED, new InvocationError(ErrorKind.INVALID_REQUEST, "task '" + task.id()
                    + "' maps over '" + task.map() + "', whose output is not a JSON array but " + abbreviate(list), ""));
            return;
        }
        JsonArray elements = list.getAsJsonArray();
        a.items = elements.size();
        List<String> payloads = new ArrayList<>(elements.size());
        for (JsonElement item : elements) {
            payloads.add(Payloads.build(run.args(task), inputs, item));
        }
        a.inputUs = (clock.nanoTime() - t0) / 1_000;
        if (payloads.isEmpty()) {
            succeed(a, "[]");
            return;
        }
        String[] results = new String[payloads.size()];
        AtomicInteger left = new AtomicInteger(payloads.size());
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        for (int i = 0; i < payloads.size(); i++) {
            int item = i;
            attempt(a, payloads.get(i), item, 1, result -> {
                results[item] = result;
                if (left.decrementAndGet() == 0 && !failed.get()) {
                    succeed(a, "[" + String.join(",", results) + "]");
                }
            }, error -> {
                if (failed.compareAndSet(false, true)) {
                    ended(a, TaskState.FAILED, new InvocationError(error.kind(), "element " + item + ": "
                            + error.message(), error.detail()));
                }
            });
        }
    }

    /**
     * The outputs of a task's inputs: those this node kept for it (its group's members before it) from memory, the
     * others from the store. A kept output is dropped once the last of its group's dependents has read it.
     */
    private static Map<String, String> inputs(Run run, Workflow.Task task) {
        if (run.kept.isEmpty()) {
            return run.store.outputs(run.id, task.dependsOn());
        }
        Map<String, String> out = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        for (String d : task.dependsOn()) {
            Run.Kept k = run.kept.get(d);
            if (k == null) {
                rest.add(d);
                continue;
            }
            out.put(d, k.output());
            if (k.readers().decrementAndGet() <= 0) {
                run.kept.remove(d, k);
            }
        }
        if (!rest.isEmpty()) {
            out.putAll(run.store.outputs(run.id, rest));
        }
        return out;
    }

    /** A task that will not read the outputs kept for it: one reader less of each. */
    private static void unread(Run run, Workflow.Task task) {
        for (String d : task.dependsOn()) {
            Run.Kept k = run.kept.get(d);
            if (k != null && k.readers().decrementAndGet() <= 0) {
                run.kept.remove(d, k);
            }
        }
    }

    /**
     * A task starts: the dependents its plan marks {@code prewarm} get a container started on their planned worker
     * now, so that it is warm when their inputs are there (once per task; a failure only loses the head start).
     */
    private void prewarmDependents(Run run, String taskId) {
        for (String d : run.dependents.getOrDefault(taskId, List.of())) {
            DagPlan.Step step = run.step(d);
            if (step == null || !step.prewarm() || !run.prewarmed.add(d)) {
                continue;
            }
            WorkerService on = overflow.service(step.worker());
            if (on == null) {
                continue; // its worker is gone: it runs where it can, cold
            }
            try {
                on.prewarm(run.task(d).functionId(), 1).whenComplete((n, e) -> {
                    if (e != null) {
                        LOG.log(Level.DEBUG, "[" + run.tid(d, -1, 1) + "] prewarm on " + on.name() + " failed: "
                                + e.getMessage());
                    }
                });
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "[" + run.tid(d, -1, 1) + "] prewarm on " + on.name() + " failed: "
                        + e.getMessage());
            }
        }
    }

    private void attempt(Attempted a, String payload, int item, int attempt,
            java.util.function.Consumer<String> done, java.util.function.Consumer<InvocationError> failed) {
        a.attempts.incrementAndGet();
        String tid = a.run.tid(a.task.id(), item, attempt);
        java.util.concurrent.CompletionStage<InvocationRecord> stage;
        // a run in this node's memory may spill onto a peer when this worker is full (never from a controller: the
        // controller's own worker service already spreads)
        DagPlan.Step step = a.run.step(a.task.id());
        boolean spread = !a.run.store.shared() && !placement.controller();
        String group = step == null ? "" : step.group();
        // a group runs where its first member ran, one member after the other (fused): full or not, it stays
        // (a map's elements spread as any invocation does: a group is fused task by task, not element by element)
        String stuck = group.isEmpty() || attempt > 1 || item >= 0 ? null : a.run.groupWorkers.get(group);
        Overflow.Target target = stuck != null ? overflow.stick(spread, stuck)
                : step != null && attempt == 1 && !step.worker().isEmpty()
                ? overflow.take(spread, step.worker())
                : overflow.take(spread, history.typicalExecutionUs(a.task.functionId()), a.task.functionId());
        boolean first = !group.isEmpty() && a.run.groupWorkers.putIfAbsent(group, target.peer()) == null;
        Run.Prepared ran = item < 0 && attempt == 1 ? a.run.prepared.remove(a.task.id()) : null;
        List<ChainLink> chain = ran == null && first && spread && !target.here() && item < 0 && attempt == 1
                ? Chains.of(a.run, a.task.id()) : List.of();
        // an attempt of its own (a retry, or no chain): the chain's times and kept output are not its
        a.endUs = -1;
        a.keptBytes = -1;
        try {
            if (ran != null) {
                // it ran in a chain on the group's peer: its record came with the chain's answer
                a.chained = true;
                a.startUs = ran.startUs();
                a.endUs = ran.step().record().success() ? ran.endUs() : -1;
                a.keptBytes = ran.step().returned() ? -1 : ran.step().outputBytes();
                stage = java.util.concurrent.CompletableFuture.completedFuture(ran.step().record());
            } else if (!chain.isEmpty()) {
                // an optimisation only: a peer that runs no chains (an older one) gets the member alone, as if there
                // were no chain; any other failure is this invocation's, retried as usual
                stage = chain(a, target, chain, payload).exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (!(cause instanceof UnsupportedOperationException)) {
                        return java.util.concurrent.CompletableFuture.failedFuture(cause);
                    }
                    LOG.log(Level.DEBUG, "[" + tid + "] " + target.peer() + " runs no chains (" + cause.getMessage()
                            + "): the members go one by one");
                    return target.service().invoke(tid, a.task.functionId(), payload);
                });
            } else {
                stage = target.service().invoke(tid, a.task.functionId(), payload);
            }
        } catch (WorkerException e) {
            overflow.returned(target);
            if (e.kind() == ErrorKind.UNREACHABLE) {
                overflow.unreachable(target);
            }
            retryOr(a, payload, item, attempt, new InvocationError(e.kind(), e.getMessage(), ""), done, failed);
            return;
        } catch (RuntimeException e) {
            overflow.returned(target);
            retryOr(a, payload, item, attempt, new InvocationError(ErrorKind.INVALID_REQUEST, e.getMessage(), ""),
                    done, failed);
            return;
        }
        int bytes = ran != null ? 0 : payload.length(); // a chain's later link: its payload was made on the peer
        long sent = clock.nanoTime();
        boolean hop = ran == null && chain.isEmpty() && !target.here();
        stage.whenComplete((r, ex) -> {
            try {
                if (hop && r != null && r.success()) {
                    // what the hop to the peer and back added to the peer's own end to end, for the plans' costs
                    history.hop(bytes + r.result().length(), (clock.nanoTime() - sent) / 1_000 - r.timings().e2eUs());
                }
                completed(a, payload, item, attempt, target, bytes, r, ex, done, failed);
            } catch (RuntimeException | Error e) {
                // nothing else would see it (a stage's callback): the task must end, not hang
                LOG.log(Level.ERROR, "[" + a.run.tid(a.task.id(), item, attempt) + "] the runtime failed handling the"
                        + " invocation's end: " + e, e);
                failed.accept(new InvocationError(ErrorKind.INTERNAL, "the workflow runtime failed: " + e, ""));
            }
        });
    }

    /**
     * Sends a fused group's chain ({@link Chains}) to the peer its first member goes to, in one request; the stage
     * is the first member's record. The later members' steps wait in {@link Run#prepared} for their turn, each with
     * its times on this node's scale (the chain was sent at {@code startUs}; a link starts when the peer's clock says
     * it arrived, counted from the first's arrival). A chain the peer does not run fails the stage as an invocation
     * that could not be made would (the retry runs the member alone).
     */
    private java.util.concurrent.CompletionStage<InvocationRecord> chain(Attempted a, Overflow.Target target,
            List<ChainLink> links, String payload) {
        long sentUs = sinceSubmitted(a.run);
        long sent = clock.nanoTime();
        return overflow.chain(target, links, payload, options.maxOutputBytes()).thenApply(steps -> {
            List<Run.Prepared> placed = Chains.placed(target.peer(), links, steps, sentUs);
            placed.subList(1, placed.size()).forEach(p -> a.run.prepared.put(p.step().task(), p));
            Run.Prepared first = placed.get(0);
            InvocationRecord head = first.step().record();
            a.chained = true;
            a.endUs = head.success() ? first.endUs() : -1;
            a.keptBytes = first.step().returned() ? -1 : first.step().outputBytes();
            if (steps.stream().allMatch(st -> st.record().success())) {
                // the hop's cost for the plans: the chain's round trip less what its links took on the peer
                history.hop(payload.length() + steps.stream().mapToLong(st -> st.record().result().length()).sum(),
                        (clock.nanoTime() - sent) / 1_000
                                - steps.stream().mapToLong(st -> st.record().timings().e2eUs()).sum());
            }
            LOG.log(Level.DEBUG, "[" + head.tid() + "] chain of " + links.size() + " on " + target.peer() + ": "
                    + steps.size() + " ran");
            return head;
        });
    }

    /** An invocation of a task ended (or could not be made). */
    private void completed(Attempted a, String payload, int item, int attempt, Overflow.Target target, int bytes,
            InvocationRecord r, Throwable ex, java.util.function.Consumer<String> done,
            java.util.function.Consumer<InvocationError> failed) {
        overflow.returned(target);
        if (ex != null) {
            Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
            ErrorKind kind = cause instanceof WorkerException w ? w.kind() : ErrorKind.INTERNAL;
            if (kind == ErrorKind.UNREACHABLE) {
                overflow.unreachable(target);
            }
            retryOr(a, payload, item, attempt, new InvocationError(kind, String.valueOf(cause.getMessage()), ""),
                    done, failed);
            return;
        }
        a.add(r, bytes);
        if (r.success()) {
            history.invoked(r, clock.nanoTime()); // what the function takes when it runs (not the platform's failures)
        }
        if (r.error().map(e -> e.kind() == ErrorKind.UNREACHABLE).orElse(false)) {
            overflow.unreachable(target);
        }
        if (r.success()) {
            done.accept(r.result().isEmpty() ? "null" : r.result());
        } else {
            retryOr(a, payload, item, attempt, r.error().orElseThrow(), done, failed);
        }
    }

    /**
     * Retries a failed invocation or gives up. Failures of the platform, where the function did not run or its worker
     * went away (UNREACHABLE, OVERLOADED, NO_RESOURCES), are retried up to {@code platform.retries} times whatever the
     * task's own retries (through a controller the next attempt may go to another worker); the others use the task's.
     */
    private void retryOr(Attempted a, String payload, int item, int attempt, InvocationError error,
            java.util.function.Consumer<String> done, java.util.function.Consumer<InvocationError> failed) {
        boolean platform = PLATFORM.contains(error.kind());
        int counted = platform ? a.platformFailures.incrementAndGet() : a.taskFailures.incrementAndGet();
        int retries = platform ? options.platformRetries() : a.run.workflow.retriesOf(a.task);
        if (counted > retries || ended(a.run)) {
            failed.accept(error);
            return;
        }
        Duration base = platform ? options.platformBackoff() : a.run.workflow.backoff();
        Duration wait = base.multipliedBy(1L << Math.min(counted - 1, 20));
        LOG.log(Level.INFO, "[" + a.run.tid(a.task.id(), item, attempt) + "] " + error.kind() + ": "
                + error.message() + "; " + (platform ? "platform " : "") + "retry " + counted + " of " + retries
                + " in " + wait.toMillis() + " ms");
        scheduler.schedule(() -> attempt(a, payload, item, attempt + 1, done, failed), wait);
    }

    /** The task succeeded: its output is stored with its settlement (once), then its dependents are released. */
    private void succeed(Attempted a, String output) {
        if (a.keptBytes >= 0) {
            keptOnPeer(a);
            return;
        }
        int bytes = output.getBytes(StandardCharsets.UTF_8).length;
        if (tooLarge(a, bytes)) {
            return;
        }
        try {
            // what a task passes on must be strict JSON, as every payload is (the APIs check a result the same way)
            dev.vireo.api.validation.JsonText.check("output", output);
        } catch (dev.vireo.api.model.ValidationException e) {
            ended(a, TaskState.FAILED, new InvocationError(ErrorKind.USER_ERROR, "task '" + a.task.id()
                    + "' returned a result that cannot be passed on unchanged: " + e.getMessage(), ""));
            return;
        }
        history.output(a.task.functionId(), bytes);
        if (a.items == 0 && a.attempts.get() == 1 && !"cold".equals(a.container) && !a.chained) {
            // one warm invocation: what the task cost around it, for the plans' warm start (waiting in the queue or
            // for a container is the load's, which a plan models with its lanes)
            history.overhead(a.task.functionId(), sinceSubmitted(a.run) - a.startUs - a.executionUs - a.queuedUs
                    - a.acquireUs);
        }
        long t0 = clock.nanoTime();
        Run run = a.run;
        if (run.store.shared()) {
            // a store over the network: settle, record, release and count in one round trip (the record's output_us
            // is then the time to check the output, the store's own time is not known when the record is written)
            DagStore.Completion c = run.store.complete(run.id, a.task.id(), output, RunText.record(
                    a.record(TaskState.SUCCEEDED, (clock.nanoTime() - t0) / 1_000, bytes, Optional.empty())),
                    run.dependents.getOrDefault(a.task.id(), List.of()));
            if (c.first()) {
                released(run, a.task.id(), output, c.ready(), c.remaining());
            }
            return;
        }
        if (!run.store.settle(run.id, a.task.id(), output)) {
            return; // settled before (a duplicate completion): it released its dependents then
        }
        record(a, TaskState.SUCCEEDED, (clock.nanoTime() - t0) / 1_000, bytes, Optional.empty());
        release(run, a.task.id());
    }

    /**
     * A link of a chain succeeded on a peer and its output stayed there (only the chain's next links read it, which
     * ran there too; the peer checked it as {@link #succeed} does): settled without an output. Its record counts no
     * bytes out (none came back); a resume of the run runs it again, as it finds no output to reuse. Chains run only
     * on runs in this node's memory (the embedded store).
     */
    private void keptOnPeer(Attempted a) {
        if (tooLarge(a, a.keptBytes)) {
            return; // the peer checks it against this node's limit; one that did not is not trusted
        }
        history.output(a.task.functionId(), a.keptBytes);
        Run run = a.run;
        if (!run.store.settle(run.id, a.task.id(), null)) {
            return;
        }
        record(a, TaskState.SUCCEEDED, 0, 0, Optional.empty());
        release(run, a.task.id());
    }

    /** Fails the task if its output of {@code bytes} exceeds {@code max.output.bytes}; whether it did. */
    private boolean tooLarge(Attempted a, long bytes) {
        if (bytes <= options.maxOutputBytes()) {
            return false;
        }
        ended(a, TaskState.FAILED, new InvocationError(ErrorKind.USER_ERROR, "task '" + a.task.id() + "' returned "
                + bytes + " bytes, more than max.output.bytes " + options.maxOutputBytes(), ""));
        return true;
    }

    /** The task ended without an output (failed, or skipped because an input did not succeed). */
    private void ended(Attempted a, TaskState state, InvocationError error) {
        Run run = a.run;
        if (!run.store.settle(run.id, a.task.id(), null)) {
            return;
        }
        run.unsucceeded.add(a.task.id());
        record(a, state, 0, 0, Optional.of(error));
        if (state == TaskState.FAILED) {
            LOG.log(Level.WARNING, "[" + run.tid(a.task.id(), -1, 1) + "] failed: " + error.kind() + ": "
                    + error.message());
            RunText.Meta stored = run.store.meta(run.id).map(RunText::meta).orElse(run.meta);
            RunText.Meta failed = stored.failed(a.task.id() + ": " + error.kind() + ": " + error.message());
            run.meta = failed;
            if (failed != stored) {
                run.store.meta(run.id, RunText.meta(failed));
            }
            if (run.workflow.onError() == Workflow.OnError.FAIL_FAST) {
                finish(run, RunState.FAILED);
                return;
            }
        }
        release(run, a.task.id());
    }

    /** A task is done: each dependent gets one input less; those left with none start; the run may be complete. */
    private void release(Run run, String taskId) {
        List<String> ready = new ArrayList<>();
        for (String d : run.dependents.getOrDefault(taskId, List.of())) {
            if (run.store.release(run.id, d) == 0) {
                ready.add(d);
            }
        }
        released(run, taskId, null, ready, run.store.finishTask(run.id));
    }

    /**
     * After {@code from}'s end: the run is complete when nothing remains; the dependents it made ready start, those in
     * its group first (the first starts on this thread, as the group's next member), then by the plan's priority.
     */
    private void released(Run run, String from, String output, List<String> ready, long remaining) {
        if (ready.size() > 1 && !run.steps.isEmpty()) {
            String group = run.group(from);
            ready = new ArrayList<>(ready);
            ready.sort((x, y) -> {
                boolean gx = !group.isEmpty() && group.equals(run.group(x));
                boolean gy = !group.isEmpty() && group.equals(run.group(y));
                return gx != gy ? (gx ? -1 : 1) : Integer.compare(run.priority(y), run.priority(x));
            });
        }
        if (remaining == 0) {
            // the stored meta data: another node may have recorded a failure this one has not seen
            run.store.meta(run.id).ifPresent(m -> run.meta = RunText.meta(m));
            finish(run, run.meta.failure().isEmpty() ? RunState.SUCCEEDED : RunState.FAILED);
        }
        // with a shared store, the output goes along with the tasks it made ready: those started here read it from
        // memory, a peer gets it in the hand-off when it is small (startAll)
        startAll(run, ready, output != null && run.store.shared() ? Map.of(from, output) : Map.of());
    }

    /**
     * Gives the run its final state (the first caller wins). Its end time is written, and a success drops every output
     * but the sinks', before the state is: whoever sees the state sees the run as it stays.
     */
    void finish(Run run, RunState state) {
        if (ended(run)) {
            return;
        }
        RunText.Meta ended = run.store.meta(run.id).map(RunText::meta).orElse(run.meta).ended(clock.now());
        run.meta = ended;
        run.store.meta(run.id, RunText.meta(ended));
        if (state == RunState.SUCCEEDED) {
            List<String> sinks = run.workflow.sinks();
            run.store.dropOutputs(run.id, run.workflow.tasks().stream().map(Workflow.Task::id)
                    .filter(id -> !sinks.contains(id)).toList());
        }
        String now = run.store.finish(run.id, state.name());
        run.finished = true;
        run.kept.clear();
        run.prepared.clear();
        if (now.equals(state.name())) {
            LOG.log(Level.INFO, "[" + run.id + "] " + state.name().toLowerCase(Locale.ROOT)
                    + (run.meta.failure().isEmpty() ? "" : ": " + run.meta.failure()));
        }
    }

    /** Whether the run has a final state (asking the store only until one is seen). */
    boolean ended(Run run) {
        if (run.finished) {
            return true;
        }
        if (run.store.finished(run.id).isPresent()) {
            run.finished = true;
            run.kept.clear(); // ended on another node: nothing here will read what it kept
            run.prepared.clear();
        }
        return run.finished;
    }

    private void record(Attempted a, TaskState state, long outputUs, long bytesOut, Optional<InvocationError> error) {
        a.run.store.record(a.run.id, a.task.id(), RunText.record(a.record(state, outputUs, bytesOut, error)));
    }

    private long sinceSubmitted(Run run) {
        return Math.max(0, Duration.between(run.meta.submitted(), clock.now()).toNanos() / 1_000);
    }

    private static String abbreviate(JsonElement e) {
        String s = e.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
