package dev.vireo.dag.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationError;
import java.time.Instant;
import java.util.Optional;

/**
 * What the runtime keeps in a {@link dev.vireo.api.spi.dag.DagStore} as text: task records and a run's meta data,
 * as JSON both ways (a store holds text; any worker reading a shared store must read what another wrote).
 */
final class RunText {
    private RunText() {
    }

    /** A run's meta data: its name, when it was submitted and ended, how failures go, its first failure. */
    record Meta(String name, Instant submitted, Instant ended, Workflow.OnError onError, String failure) {
        Meta ended(Instant at) {
            return new Meta(name, submitted, at, onError, failure);
        }

        Meta failed(String why) {
            return failure.isEmpty() ? new Meta(name, submitted, ended, onError, why) : this;
        }
    }

    static String meta(Meta m) {
        JsonObject o = new JsonObject();
        o.addProperty("name", m.name());
        o.addProperty("submitted", m.submitted().toString());
        if (m.ended() != null) {
            o.addProperty("ended", m.ended().toString());
        }
        o.addProperty("on_error", m.onError().name());
        o.addProperty("failure", m.failure());
        return o.toString();
    }

    static Meta meta(String text) {
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        return new Meta(o.get("name").getAsString(), Instant.parse(o.get("submitted").getAsString()),
                o.has("ended") ? Instant.parse(o.get("ended").getAsString()) : null,
                Workflow.OnError.valueOf(o.get("on_error").getAsString()), o.get("failure").getAsString());
    }

    /** A run's plan, as the store keeps it and the APIs show it ({@link RunPlan#json}). */
    static String plan(RunPlan p) {
        return p.json();
    }

    static RunPlan plan(String run, String text) {
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        java.util.List<RunPlan.Step> steps = new java.util.ArrayList<>();
        for (var e : o.getAsJsonArray("steps")) {
            JsonObject j = e.getAsJsonObject();
            steps.add(new RunPlan.Step(j.get("task").getAsString(), j.get("worker").getAsString(),
                    j.get("group").getAsString(), j.get("prewarm").getAsBoolean(), j.get("priority").getAsInt(),
                    j.get("start_us").getAsLong(), j.get("finish_us").getAsLong()));
        }
        return new RunPlan(run, o.get("planner").getAsString(), o.get("sla").getAsString(),
                o.has("home") ? o.get("home").getAsString() : "",
                o.get("predicted_makespan_us").getAsLong(), steps);
    }

    static String record(TaskRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("task", r.task());
        o.addProperty("function", r.functionId());
        o.addProperty("state", r.state().name());
        o.addProperty("worker", r.worker());
        o.addProperty("container", r.container());
        o.addProperty("attempts", r.attempts());
        o.addProperty("items", r.items());
        o.addProperty("start_us", r.startUs());
        o.addProperty("end_us", r.endUs());
        o.addProperty("queued_us", r.queuedUs());
        o.addProperty("input_us", r.inputUs());
        o.addProperty("execution_us", r.executionUs());
        o.addProperty("output_us", r.outputUs());
        o.addProperty("bytes_in", r.bytesIn());
        o.addProperty("bytes_out", r.bytesOut());
        r.error().ifPresent(e -> {
            JsonObject err = new JsonObject();
            err.addProperty("kind", e.kind().name());
            err.addProperty("message", e.message());
            err.addProperty("detail", e.detail());
            o.add("error", err);
        });
        return o.toString();
    }

    /** Only the state of a record's text, without parsing the rest (a status without records counts thousands). */
    static TaskState state(String text) {
        int at = text.indexOf("\"state\":\"");
        if (at < 0) {
            return record(text).state();
        }
        int from = at + 9;
        return TaskState.valueOf(text.substring(from, text.indexOf('"', from)));
    }

    static TaskRecord record(String text) {
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        Optional<InvocationError> error = Optional.empty();
        if (o.has("error")) {
            JsonObject e = o.getAsJsonObject("error");
            error = Optional.of(new InvocationError(ErrorKind.valueOf(e.get("kind").getAsString()),
                    e.get("message").getAsString(), e.get("detail").getAsString()));
        }
        return new TaskRecord(o.get("task").getAsString(), o.get("function").getAsString(),
                TaskState.valueOf(o.get("state").getAsString()), o.get("worker").getAsString(),
                o.get("container").getAsString(), o.get("attempts").getAsInt(), o.get("items").getAsInt(),
                o.get("start_us").getAsLong(), o.get("end_us").getAsLong(), o.get("queued_us").getAsLong(),
                o.get("input_us").getAsLong(), o.get("execution_us").getAsLong(), o.get("output_us").getAsLong(),
                o.get("bytes_in").getAsLong(), o.get("bytes_out").getAsLong(), error);
    }
}
