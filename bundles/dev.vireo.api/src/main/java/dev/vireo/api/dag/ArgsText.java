package dev.vireo.api.dag;

import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A task's args as {@link WorkflowBuilder} takes them: checked as strict JSON, the references in them collected and
 * their shape checked by the same rules as the JSON spec's parser, and the text written compact (no whitespace, the
 * escapes Gson writes), so that a built workflow equals the one parsed from the same spec. Stateless.
 *
 * @param text the args, compact; {@code {}} for none
 * @param refs the task ids referenced with {@code {"$ref": ...}}, in order of appearance, distinct
 */
record ArgsText(String text, List<String> refs) {
    static final String REF = "$ref";
    static final String ITEM = "$item";

    /** Reads {@code args} of the task {@code label} names; {@code mapped}: whether it maps (may hold an item). */
    static ArgsText read(String label, String args, boolean mapped) {
        Object value;
        try {
            value = args == null || args.isBlank() ? null : JsonText.parse("args", args);
        } catch (ValidationException e) {
            throw new ValidationException("tasks", label + ": " + e.getMessage());
        }
        if (value == null) {
            return new ArgsText("{}", List.of());
        }
        Set<String> refs = new LinkedHashSet<>();
        StringBuilder out = new StringBuilder(args.length());
        write(value, label, mapped, refs, out, true);
        return new ArgsText(out.toString(), List.copyOf(refs));
    }

    /** Writes {@code v}; with {@code check}, also checks and collects references (not inside a placeholder). */
    private static void write(Object v, String label, boolean mapped, Set<String> refs, StringBuilder out,
            boolean check) {
        if (v instanceof Map<?, ?> map) {
            if (check && map.containsKey(REF)) {
                if (map.size() != 1 || !(map.get(REF) instanceof String id)) {
                    throw new ValidationException("tasks", label + ": a reference is {\"$ref\": \"<task id>\"} and"
                            + " nothing else");
                }
                refs.add(id);
            } else if (check && map.containsKey(ITEM)) {
                if (map.size() != 1) {
                    throw new ValidationException("tasks", label + ": an element placeholder is {\"$item\": true} and"
                            + " nothing else");
                }
                if (!mapped) {
                    throw new ValidationException("tasks", label + ": {\"$item\": ...} is only for tasks with \"map\"");
                }
                check = false; // what the placeholder holds is not looked into, as the spec parser does not
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(first ? "" : ",");
                first = false;
                JsonText.quote((String) e.getKey(), out);
                out.append(':');
                write(e.getValue(), label, mapped, refs, out, check);
            }
            out.append('}');
        } else if (v instanceof List<?> list) {
            out.append('[');
            for (int k = 0; k < list.size(); k++) {
                out.append(k == 0 ? "" : ",");
                write(list.get(k), label, mapped, refs, out, check);
            }
            out.append(']');
        } else if (v instanceof String s) {
            JsonText.quote(s, out);
        } else if (v instanceof JsonText.Number n) {
            out.append(n.text());
        } else {
            out.append(v); // true, false or null
        }
    }
}
