package dev.vireo.dag.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;

/**
 * A task's payload: its args with every {@code {"$ref": "t"}} replaced by task t's output and, in a map task, every
 * {@code {"$item": ...}} by the element. Outputs go in as the JSON the functions returned; the payload is new JSON
 * text (the worker checks it as it checks every payload). Stateless.
 */
final class Payloads {
    private Payloads() {
    }

    /**
     * @param args    the task's args, parsed
     * @param outputs the outputs of the tasks it references, parsed, by task id
     * @param item    the element (map tasks), else null
     */
    static String build(JsonElement args, Map<String, JsonElement> outputs, JsonElement item) {
        if (!refers(args)) {
            return args.toString();
        }
        return substitute(args, outputs, item).toString();
    }

    private static JsonElement substitute(JsonElement e, Map<String, JsonElement> outputs, JsonElement item) {
        if (e.isJsonArray()) {
            JsonArray out = new JsonArray(e.getAsJsonArray().size());
            for (JsonElement x : e.getAsJsonArray()) {
                out.add(substitute(x, outputs, item));
            }
            return out;
        }
        if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (o.size() == 1 && o.has(WorkflowJson.REF)) {
                JsonElement v = outputs.get(o.get(WorkflowJson.REF).getAsString());
                if (v == null) {
                    throw new IllegalStateException("no output of " + o.get(WorkflowJson.REF).getAsString());
                }
                return v;
            }
            if (o.size() == 1 && o.has(WorkflowJson.ITEM)) {
                return item;
            }
            JsonObject out = new JsonObject();
            for (Map.Entry<String, JsonElement> m : o.entrySet()) {
                out.add(m.getKey(), substitute(m.getValue(), outputs, item));
            }
            return out;
        }
        return e;
    }

    /** The task ids the args reference ({@code {"$ref": "t"}}), added to {@code out}. */
    static void refs(JsonElement e, java.util.Set<String> out) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> refs(x, out));
        } else if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (o.size() == 1 && o.has(WorkflowJson.REF) && o.get(WorkflowJson.REF).isJsonPrimitive()) {
                out.add(o.get(WorkflowJson.REF).getAsString());
                return;
            }
            o.entrySet().forEach(m -> refs(m.getValue(), out));
        }
    }

    /** Whether anything in the args is to be replaced (most no-op tasks: nothing, so the text is used as is). */
    private static boolean refers(JsonElement e) {
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                if (refers(x)) {
                    return true;
                }
            }
            return false;
        }
        if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            if (o.size() == 1 && (o.has(WorkflowJson.REF) || o.has(WorkflowJson.ITEM))) {
                return true;
            }
            for (Map.Entry<String, JsonElement> m : o.entrySet()) {
                if (refers(m.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    static JsonElement parse(String json) {
        return JsonParser.parseString(json.isEmpty() ? "null" : json);
    }
}
