package dev.vireo.dag.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.validation.Numbers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The workflow spec as JSON (docs/dag.md), both ways. Parsing checks the text as every API does ({@link JsonText}:
 * strict UTF-8 JSON, no duplicate keys), then each field, naming the task and the field in the spec's own spelling;
 * the graph itself is checked by {@link Workflow}.
 *
 * <pre>{"name": "wc", "on_error": "fail_fast", "retries": 0, "retry_backoff_ms": 100, "sla": "p90",
 *  "tasks": [{"id": "split", "function": "split-1", "args": {"text": "..."}},
 *            {"id": "count", "function": "count-1", "map": "split", "args": {"words": {"$item": true}}},
 *            {"id": "sum", "function": "sum-1", "args": {"counts": {"$ref": "count"}}, "retries": 2},
 *            {"id": "notify", "function": "mail-1", "after": ["sum"]}]}</pre>
 * ({@code after}: dependencies whose outputs the task does not take, only their completion).
 */
public final class WorkflowJson {
    static final String REF = "$ref";
    static final String ITEM = "$item";
    private static final Set<String> FIELDS = Set.of("name", "on_error", "retries", "retry_backoff_ms", "sla",
            "tasks");
    private static final Set<String> TASK_FIELDS = Set.of("id", "function", "args", "map", "after", "retries");

    private WorkflowJson() {
    }

    /** Parses and checks a spec; a {@link ValidationException} names what is wrong. */
    public static Workflow parse(String text) {
        JsonText.check("body", text);
        JsonElement root = JsonParser.parseString(text);
        if (!root.isJsonObject()) {
            throw new ValidationException("body", "a workflow is a JSON object with \"tasks\"");
        }
        JsonObject o = root.getAsJsonObject();
        unknown(o, FIELDS, "workflow");
        String name = string(o, "name", "", "name");
        Workflow.OnError onError = switch (string(o, "on_error", "fail_fast", "on_error")) {
            case "fail_fast" -> Workflow.OnError.FAIL_FAST;
            case "continue" -> Workflow.OnError.CONTINUE;
            default -> throw new ValidationException("on_error", "'" + o.get("on_error").getAsString()
                    + "' is invalid: use fail_fast or continue");
        };
        int retries = (int) integer(o, "retries", 0, 0, Workflow.MAX_RETRIES, "retries", "retries");
        long backoff = integer(o, "retry_backoff_ms", 100, 0, Workflow.MAX_BACKOFF.toMillis(), "retry_backoff_ms", "ms");
        String sla = string(o, "sla", "", "sla");
        JsonElement tasks = o.get("tasks");
        if (tasks == null || !tasks.isJsonArray()) {
            throw new ValidationException("tasks", "is required: an array of tasks");
        }
        List<Workflow.Task> parsed = new ArrayList<>();
        int index = 0;
        for (JsonElement e : tasks.getAsJsonArray()) {
            parsed.add(task(e, index++));
            if (parsed.size() > Workflow.MAX_TASKS) {
                throw new ValidationException("tasks", "more than the " + Workflow.MAX_TASKS + " tasks allowed");
            }
        }
        return new Workflow(name, parsed, onError, retries, Duration.ofMillis(backoff), sla);
    }

    private static Workflow.Task task(JsonElement e, int index) {
        String where = "tasks[" + index + "]";
        if (!e.isJsonObject()) {
            throw new ValidationException("tasks", where + " is not an object");
        }
        JsonObject t = e.getAsJsonObject();
        String id = string(t, "id", null, "tasks");
        if (id == null) {
            throw new ValidationException("tasks", where + ": id is required");
        }
        if (!Workflow.TASK_ID.matcher(id).matches()) {
            throw new ValidationException("tasks", where + ": id '" + id + "' is invalid: use 1-64 letters, digits,"
                    + " '_', '.' or '-'");
        }
        String label = "task '" + id + "'";
        unknown(t, TASK_FIELDS, label);
        String function = string(t, "function", null, "tasks");
        if (function == null || function.isEmpty()) {
            throw new ValidationException("tasks", label + ": function is required (a registered function id,"
                    + " name-version)");
        }
        String map = string(t, "map", "", "tasks");
        JsonElement args = t.has("args") && !t.get("args").isJsonNull() ? t.get("args") : new JsonObject();
        Set<String> deps = new LinkedHashSet<>();
        if (!map.isEmpty()) {
            deps.add(map);
        }
        references(args, label, !map.isEmpty(), deps);
        JsonElement after = t.get("after");
        if (after != null && !after.isJsonNull()) {
            if (!after.isJsonArray()) {
                throw new ValidationException("tasks", label + ": after must be a list of task ids");
            }
            for (JsonElement a : after.getAsJsonArray()) {
                if (!a.isJsonPrimitive() || !a.getAsJsonPrimitive().isString()) {
                    throw new ValidationException("tasks", label + ": after must be a list of task ids");
                }
                deps.add(a.getAsString());
            }
        }
        int retries = t.has("retries") && !t.get("retries").isJsonNull()
                ? (int) integer(t, "retries", -1, 0, Workflow.MAX_RETRIES, "tasks", "retries") : -1;
        return new Workflow.Task(id, function, args.toString(), map, List.copyOf(deps), retries);
    }

    /** Collects the tasks {@code $ref} names in {@code args}, checking each reference object's shape. */
    private static void references(JsonElement e, String label, boolean mapped, Set<String> deps) {
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                references(x, label, mapped, deps);
            }
        } else if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (o.has(REF)) {
                JsonElement ref = o.get(REF);
                if (o.size() != 1 || !ref.isJsonPrimitive() || !ref.getAsJsonPrimitive().isString()) {
                    throw new ValidationException("tasks", label + ": a reference is {\"$ref\": \"<task id>\"} and"
                            + " nothing else");
                }
                deps.add(ref.getAsString());
                return;
            }
            if (o.has(ITEM)) {
                if (o.size() != 1) {
                    throw new ValidationException("tasks", label + ": an element placeholder is {\"$item\": true} and"
                            + " nothing else");
                }
                if (!mapped) {
                    throw new ValidationException("tasks", label + ": {\"$item\": ...} is only for tasks with \"map\"");
                }
                return;
            }
            for (Map.Entry<String, JsonElement> m : o.entrySet()) {
                references(m.getValue(), label, mapped, deps);
            }
        }
    }

    /** The spec as JSON text (what the store keeps, and what parse reads back into an equal workflow). */
    public static String write(Workflow w) {
        return w.spec();
    }

    private static void unknown(JsonObject o, Set<String> fields, String where) {
        for (String key : o.keySet()) {
            if (!fields.contains(key)) {
                throw new ValidationException(where.equals("workflow") ? key : "tasks", where + ": unknown field '"
                        + key + "'; fields: " + String.join(", ", new java.util.TreeSet<>(fields)));
            }
        }
    }

    private static String string(JsonObject o, String key, String fallback, String field) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new ValidationException(field, (field.equals(key) ? "" : key + ": ") + "must be a string");
        }
        return e.getAsString();
    }

    private static long integer(JsonObject o, String key, long fallback, long min, long max, String field,
            String unit) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!(e instanceof JsonPrimitive p) || !p.isNumber()) {
            throw new ValidationException(field, (field.equals(key) ? "" : key + ": ") + "must be a number");
        }
        return Numbers.integer(field.equals(key) ? key : field + "." + key, p.getAsNumber().toString(), min, max, unit);
    }
}
