package dev.vireo.testkit;

import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunState;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.dag.WorkflowBuilder;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.dag.Sla;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.worker.WorkerException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Workflows in memory, for the tests of the API front ends. {@link #parse} reads {@code {"name", "sla", "tasks":
 * [{"id", "function"}]}} (strict JSON by the API's own check; {@code sla} checked as the real parser checks it, with
 * the same messages: {@code sla: must be a string}, or {@link Sla#parse}'s naming {@code sla} and listing the valid
 * ones; other fields are ignored, args become {@code {}}); a submitted run ({@code run-1}, {@code run-2}, ...) stays
 * running with every task waiting until a test replaces it ({@link #put}). Functions other than {@link #functions} are
 * refused at submission, as the real service refuses unregistered ones. A run's {@link #spec} is {@code {"name",
 * "tasks": [{"id", "function"}]}} for a submitted one ({@code "sla"} after the name when its workflow has one), or what
 * a test gave {@link #putSpec}. Every call is written to {@link #calls} ({@code submit} ends with {@code sla S} when
 * the workflow names one).
 */
public final class FakeDags implements DagService {
    /**
     * A finished run with every field of status and record set: a failed task with a traceback, a map task, a task
     * never reached.
     */
    public static final RunStatus FAILED = new RunStatus("run-7", "wc", RunState.FAILED, FakeWorker.ARRIVAL, 2_500_000,
            counts(Map.of(TaskState.SUCCEEDED, 2, TaskState.FAILED, 1, TaskState.SKIPPED, 1)), List.of(
                    new TaskRecord("split", "split-1", TaskState.SUCCEEDED, "worker-1", "cold", 1, 0, 0, 120_000, 5,
                            7, 100_000, 9, 20, 31, Optional.empty()),
                    new TaskRecord("count", "len-1", TaskState.SUCCEEDED, "worker-1", "warm", 4, 3, 120_000, 300_000,
                            15, 21, 150_000, 27, 60, 6, Optional.empty()),
                    new TaskRecord("sum", "sum-1", TaskState.FAILED, "worker-1", "warm", 3, 0, 300_000, 2_400_000, 3,
                            4, 2_000, 0, 8, 0, Optional.of(new InvocationError(ErrorKind.USER_ERROR,
                                    "ValueError: bad", "Traceback (most recent call last):\n  ...")))
                    , TaskRecord.waiting("report", "report-1").in(TaskState.SKIPPED)),
            Optional.of("sum: USER_ERROR: ValueError: bad"));

    /** The spec of {@link #FAILED}: split -> count (a map over split) -> sum -> report (after sum). */
    public static final String FAILED_SPEC = "{\"name\":\"wc\",\"on_error\":\"fail_fast\",\"retries\":0,"
            + "\"retry_backoff_ms\":100,\"tasks\":[{\"id\":\"split\",\"function\":\"split-1\",\"args\":{}},"
            + "{\"id\":\"count\",\"function\":\"len-1\",\"args\":{\"w\":{\"$item\":true}},\"map\":\"split\"},"
            + "{\"id\":\"sum\",\"function\":\"sum-1\",\"args\":{\"xs\":{\"$ref\":\"count\"}}},"
            + "{\"id\":\"report\",\"function\":\"report-1\",\"args\":{},\"after\":[\"sum\"]}]}";

    /** The functions submissions may name. */
    public final Set<String> functions = new java.util.concurrent.CopyOnWriteArraySet<>(List.of("hello-1", "split-1",
            "len-1", "sum-1"));
    public final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, RunStatus> runs = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> outputs = new LinkedHashMap<>();
    private final Map<String, String> specs = new LinkedHashMap<>();
    private int sequence;

    /** Counts with every state present. */
    public static Map<TaskState, Integer> counts(Map<TaskState, Integer> some) {
        Map<TaskState, Integer> all = new EnumMap<>(TaskState.class);
        for (TaskState s : TaskState.values()) {
            all.put(s, some.getOrDefault(s, 0));
        }
        return all;
    }

    /** Puts a run as it is now (replacing one of that id), with the outputs its result has once it finished. */
    public synchronized void put(RunStatus status, Map<String, String> sinks) {
        runs.remove(status.run());
        runs.put(status.run(), status);
        outputs.put(status.run(), new LinkedHashMap<>(sinks));
    }

    /** The spec {@link #spec} answers for the run. */
    public synchronized void putSpec(String run, String specJson) {
        specs.put(run, specJson);
    }

    @Override
    public Workflow parse(String specJson) {
        calls.add("parse");
        if (!(JsonText.parse("body", specJson) instanceof Map<?, ?> spec)) {
            throw new ValidationException("body", "a workflow is a JSON object with \"tasks\"");
        }
        if (!(spec.get("tasks") instanceof List<?> list)) {
            throw new ValidationException("tasks", "is required: an array of tasks");
        }
        Object sla = spec.get("sla");
        if (sla != null && !(sla instanceof String)) {
            throw new ValidationException("sla", "must be a string"); // as the real parser (WorkflowJson) says it
        }
        if (sla != null && !((String) sla).isEmpty()) {
            Sla.parse("sla", (String) sla);
        }
        List<Workflow.Task> tasks = new ArrayList<>();
        for (Object t : list) {
            Map<?, ?> task = (Map<?, ?>) t;
            tasks.add(new Workflow.Task((String) task.get("id"), (String) task.get("function"), "{}", "", List.of(),
                    -1));
        }
        return new Workflow(spec.get("name") instanceof String n ? n : "", tasks, Workflow.OnError.FAIL_FAST, 0,
                Duration.ZERO, (String) sla);
    }

    @Override
    public synchronized String submit(Workflow workflow, String resume, String run) {
        calls.add("submit " + workflow.name() + " " + workflow.tasks().size() + " tasks"
                + (resume.isEmpty() ? "" : " resume " + resume) + (run.isEmpty() ? "" : " run " + run)
                + (workflow.sla().isEmpty() ? "" : " sla " + workflow.sla()));
        if (!run.isEmpty() && (!Workflow.RUN_ID.matcher(run).matches() || runs.containsKey(run))) {
            throw new ValidationException("run", "'" + run + "' is not a free run id (1-48 of A-Z a-z 0-9 . _ -)");
        }
        for (Workflow.Task t : workflow.tasks()) {
            if (!functions.contains(t.functionId())) {
                throw new ValidationException("tasks", "task '" + t.id() + "': function '" + t.functionId()
                        + "' is not registered on worker-1");
            }
        }
        if (!resume.isEmpty() && !runs.containsKey(resume)) {
            throw new ValidationException("resume", "run '" + resume + "' is not in the store (never there, or"
                    + " removed after its retention)");
        }
        String id = run.isEmpty() ? "run-" + ++sequence : run;
        List<TaskRecord> records = workflow.tasks().stream().map(t -> TaskRecord.waiting(t.id(), t.functionId()))
                .toList();
        put(new RunStatus(id, workflow.name(), RunState.RUNNING, FakeWorker.ARRIVAL, 1_500,
                counts(Map.of(TaskState.WAITING, records.size())), records, Optional.empty()), Map.of());
        StringBuilder spec = new StringBuilder("{\"name\":").append(WorkflowBuilder.quote(workflow.name()))
                .append(workflow.sla().isEmpty() ? "" : ",\"sla\":" + WorkflowBuilder.quote(workflow.sla()))
                .append(",\"tasks\":[");
        for (Workflow.Task t : workflow.tasks()) {
            spec.append(spec.charAt(spec.length() - 1) == '[' ? "" : ",").append("{\"id\":")
                    .append(WorkflowBuilder.quote(t.id())).append(",\"function\":")
                    .append(WorkflowBuilder.quote(t.functionId())).append('}');
        }
        spec.append("]}");
        specs.put(id, spec.toString());
        return id;
    }

    private RunStatus known(String run) {
        RunStatus s = runs.get(run);
        if (s == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no run '" + run + "' (never submitted, or removed"
                    + " after its retention)");
        }
        return s;
    }

    @Override
    public synchronized RunStatus status(String run) {
        calls.add("status " + run);
        return known(run);
    }

    @Override
    public synchronized void continueTask(String run, String task) {
        calls.add("continue " + run + " " + task);
        known(run);
    }

    /**
     * A chain (sub-graphs inline) as a peer would answer it: none is refused with a ValidationException on
     * {@code links}; else one successful step per link, its result {@code "TASK-out"} when it is returned (else
     * empty), 9 output bytes each. The call is written as {@code chain TASKS payload P limit N}.
     */
    @Override
    public synchronized java.util.concurrent.CompletionStage<List<dev.vireo.api.dag.ChainStep>> runChain(
            List<dev.vireo.api.dag.ChainLink> links, String payload, int maxOutputBytes) {
        if (links.isEmpty()) {
            throw new ValidationException("links", "a chain has 1 to 64 links, not 0");
        }
        calls.add("chain " + links.stream().map(dev.vireo.api.dag.ChainLink::task).toList() + " payload " + payload
                + " limit " + maxOutputBytes);
        List<dev.vireo.api.dag.ChainStep> steps = new ArrayList<>();
        for (dev.vireo.api.dag.ChainLink l : links) {
            steps.add(new dev.vireo.api.dag.ChainStep(l.task(), new dev.vireo.api.model.InvocationRecord(l.tid(),
                    l.functionId(), "worker-1", "sim", Optional.of(dev.vireo.api.model.ContainerState.WARM),
                    FakeWorker.ARRIVAL, dev.vireo.api.model.Timings.NONE, l.returned() ? "\"" + l.task() + "-out\"" : "",
                    Optional.empty()), l.returned(), 9));
        }
        return java.util.concurrent.CompletableFuture.completedFuture(steps);
    }

    @Override
    public synchronized RunStatus summary(String run) {
        calls.add("summary " + run);
        RunStatus s = known(run);
        return new RunStatus(s.run(), s.name(), s.state(), s.submitted(), s.elapsedUs(), s.counts(), List.of(),
                s.failure());
    }

    @Override
    public synchronized String spec(String run) {
        calls.add("spec " + run);
        known(run);
        String spec = specs.get(run);
        if (spec == null) {
            throw new IllegalStateException("no spec for " + run + ": a test that put it gives one with putSpec");
        }
        return spec;
    }

    /**
     * The plan of a known run: planner {@code local}, sla {@code p50}, home {@code worker-1}, a predicted makespan of 1,500 us and one step
     * per task record (in order; priority = records left after it, start/finish 100 us apart, prewarm on the last).
     */
    @Override
    public synchronized dev.vireo.api.dag.RunPlan plan(String run) {
        calls.add("plan " + run);
        RunStatus s = known(run);
        List<dev.vireo.api.dag.RunPlan.Step> steps = new java.util.ArrayList<>();
        List<TaskRecord> records = s.records();
        for (int i = 0; i < records.size(); i++) {
            steps.add(new dev.vireo.api.dag.RunPlan.Step(records.get(i).task(), "worker-1", i == 0 ? "g0" : "",
                    i == records.size() - 1, records.size() - 1 - i, 100L * i, 100L * (i + 1)));
        }
        return new dev.vireo.api.dag.RunPlan(run, "local", "p50", "worker-1", 1_500, steps);
    }

    @Override
    public synchronized RunResult result(String run) {
        calls.add("result " + run);
        RunStatus s = known(run);
        if (!s.state().done()) {
            throw new RunNotFinishedException(run, s.finished(), s.tasks());
        }
        return new RunResult(run, s.state(), outputs.get(run));
    }

    @Override
    public synchronized RunStatus cancel(String run) {
        calls.add("cancel " + run);
        RunStatus s = known(run);
        if (s.state().done()) {
            return s;
        }
        List<TaskRecord> records = s.records().stream().map(r -> r.state().done() ? r : r.in(TaskState.CANCELLED))
                .toList();
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        records.forEach(r -> counts.merge(r.state(), 1, Integer::sum));
        RunStatus cancelled = new RunStatus(run, s.name(), RunState.CANCELLED, s.submitted(), s.elapsedUs(),
                counts(counts), records, Optional.empty());
        runs.put(run, cancelled);
        return cancelled;
    }

    @Override
    public synchronized void delete(String run) {
        calls.add("delete " + run);
        known(run);
        runs.remove(run);
        outputs.remove(run);
        specs.remove(run);
    }

    @Override
    public synchronized List<RunStatus> runs() {
        calls.add("runs");
        List<RunStatus> all = new ArrayList<>();
        for (RunStatus s : runs.values()) {
            all.add(0, new RunStatus(s.run(), s.name(), s.state(), s.submitted(), s.elapsedUs(), s.counts(),
                    List.of(), s.failure()));
        }
        return all;
    }
}
