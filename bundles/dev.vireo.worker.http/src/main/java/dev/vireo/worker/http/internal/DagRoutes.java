package dev.vireo.worker.http.internal;

import static dev.vireo.worker.http.internal.Requests.decode;
import static dev.vireo.worker.http.internal.Requests.only;
import static dev.vireo.worker.http.internal.Requests.query;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.stream.JsonWriter;
import com.sun.net.httpserver.HttpExchange;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunNotFinishedException;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.TaskRecord;
import dev.vireo.api.dag.TaskState;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The workflow endpoints under {@code /dags} (docs/api.md, "Workflows"), in front of the {@link DagService} when
 * this instance has one: submit (a spec, read by {@link DagService#parse}), list, status, result, spec, plan, cancel,
 * delete.
 * Refusals are the service's own (400 naming the task, 404 for an unknown run); a result asked for early is 409
 * {@value RunNotFinishedException#KIND}. Stateless; the service may come and go between requests.
 */
final class DagRoutes {
    private final Supplier<DagService> service;
    private final Supplier<String> worker;

    /**
     * @param service the service now, or null when none is here
     * @param worker  this instance's name, for messages
     */
    DagRoutes(Supplier<DagService> service, Supplier<String> worker) {
        this.service = service;
        this.worker = worker;
    }

    /** Whether a request is a workflow submission (its body may be larger than other requests'). */
    static boolean submission(String method, String[] parts) {
        return method.equals("POST") && parts.length == 1 && parts[0].equals("dags");
    }

    Answer route(HttpExchange ex, String method, String[] parts, String body) {
        DagService dags = service.get();
        if (dags == null) {
            throw new HttpError(404, "NOT_FOUND", "workflows are not served here: " + worker.get() + " has no workflow"
                    + " service (bundle dev.vireo.dag)");
        }
        if (parts.length == 1) {
            if (method.equals("GET")) {
                JsonArray runs = new JsonArray();
                dags.runs().forEach(s -> runs.add(status(s, false)));
                return new Answer(200, runs);
            }
            only(method, "GET", "POST");
            String resume = query(ex, "resume");
            String given = query(ex, "run"); // the id to give the run; the service checks it
            String run = dags.submit(dags.parse(body), resume == null ? "" : resume, given == null ? "" : given);
            JsonObject o = new JsonObject();
            o.addProperty("run", run);
            return new Answer(201, o, Map.of("Location", "/dags/" + run));
        }
        String run = decode(parts[1]);
        if (parts.length == 2) {
            if (method.equals("GET")) {
                // records=false: the counts alone, for a client that polls a large run
                boolean records = flag(ex, "records", true, "the status with every task's record", "without them");
                return new Answer(200, status(records ? dags.status(run) : dags.summary(run), records));
            }
            only(method, "GET", "DELETE");
            if (flag(ex, "purge", false, "delete the run", "cancel it")) {
                dags.delete(run);
                JsonObject o = new JsonObject();
                o.addProperty("deleted", run);
                return new Answer(200, o);
            }
            return new Answer(200, status(dags.cancel(run), true));
        }
        if (parts.length == 3 && parts[2].equals("result")) {
            only(method, "GET");
            RunResult result;
            try {
                result = dags.result(run);
            } catch (RunNotFinishedException e) {
                throw new HttpError(409, RunNotFinishedException.KIND, e.getMessage());
            }
            return new Answer(200, resultText(result) + "\n", Map.of());
        }
        if (parts.length == 3 && parts[2].equals("spec")) {
            // the service's text as it is: JSON that POST /dags reads back to the same workflow
            only(method, "GET");
            return new Answer(200, dags.spec(run) + "\n", Map.of());
        }
        if (parts.length == 3 && parts[2].equals("plan")) {
            only(method, "GET");
            return new Answer(200, plan(dags.plan(run)));
        }
        throw new HttpError(404, "NOT_FOUND", "no such endpoint: " + method + " /" + String.join("/", parts)
                + "; use /dags, /dags/{run}, /dags/{run}/result, /dags/{run}/spec or /dags/{run}/plan");
    }

    /** A true/false query parameter, {@code absent} when not given; {@code yes} and {@code no} say what each does. */
    private static boolean flag(HttpExchange ex, String key, boolean absent, String yes, String no) {
        String value = query(ex, key);
        if (value == null) {
            return absent;
        }
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ValidationException(key, "'" + value + "' is invalid: use true (" + yes + ") or"
                    + " false (" + no + ")");
        };
    }

    /** A run's status as the API shows it; {@code records} false for a listing. */
    static JsonObject status(RunStatus s, boolean records) {
        JsonObject o = new JsonObject();
        o.addProperty("run", s.run());
        o.addProperty("name", s.name());
        o.addProperty("state", lower(s.state()));
        o.addProperty("submitted", s.submitted().toString());
        o.addProperty("elapsed_us", s.elapsedUs());
        o.addProperty("tasks", s.tasks());
        o.addProperty("finished", s.finished());
        JsonObject counts = new JsonObject();
        for (TaskState state : TaskState.values()) {
            counts.addProperty(lower(state), s.counts().getOrDefault(state, 0));
        }
        o.add("counts", counts);
        s.failure().ifPresent(f -> o.addProperty("failure", f));
        if (records) {
            JsonArray a = new JsonArray();
            s.records().forEach(r -> a.add(record(r)));
            o.add("records", a);
        }
        return o;
    }

    /**
     * A run's plan as the API shows it: the store's JSON of it (the dag bundle's {@code RunText.plan}) with the run:
     * {@code {"run", "planner", "home", "sla", "predicted_makespan_us", "steps": [{"task", "worker", "group", "prewarm",
     * "priority", "start_us", "finish_us"}]}}.
     */
    static JsonObject plan(RunPlan p) {
        return com.google.gson.JsonParser.parseString(p.json()).getAsJsonObject();
    }

    static JsonObject record(TaskRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("task", r.task());
        o.addProperty("function", r.functionId());
        o.addProperty("state", lower(r.state()));
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
            if (!e.detail().isEmpty()) {
                err.addProperty("detail", e.detail());
            }
            o.add("error", err);
        });
        return o;
    }

    /**
     * {@code {"run", "state", "outputs": {task: output}}} with each output the exact text its function returned,
     * never re-serialized. An output that is not strict JSON ({@link JsonText#check}) would make the answer invalid:
     * it is refused as the function's error (502 USER_ERROR naming the task), as an invocation's result would be.
     */
    static String resultText(RunResult r) {
        StringWriter out = new StringWriter();
        try (JsonWriter w = new JsonWriter(out)) {
            w.beginObject().name("run").value(r.run()).name("state").value(lower(r.state())).name("outputs");
            w.beginObject();
            for (Map.Entry<String, String> e : r.outputs().entrySet()) {
                try {
                    JsonText.check("output", e.getValue());
                } catch (ValidationException bad) {
                    throw new HttpError(502, "USER_ERROR", "task '" + e.getKey() + "' returned an output that cannot"
                            + " be passed on unchanged: " + bad.getMessage());
                }
                w.name(e.getKey()).jsonValue(e.getValue());
            }
            w.endObject().endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
