package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vireo.api.dag.TaskRef;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.dag.WorkflowBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A workflow built in Java (dev.vireo.api.dag.WorkflowBuilder) equals the one parsed from the same JSON spec. */
class WorkflowBuilderJsonTest {
    @Test
    void aBuiltWorkflowEqualsTheParsedSpec() {
        // strings Gson escapes (quote, backslash, controls, U+2028) or leaves (HTML, non-ASCII); numbers kept as text
        String text = "\"q\\\" \\\\ \\n\\t\\u0001\\u2028 <&='> é \\ud83d\\ude00 \\/\"";
        WorkflowBuilder b = Workflow.builder("wc");
        TaskRef split = b.task("split", "split-1", "{\"text\": " + text + ", \"n\": [1.50e3, -0, 1e400, 7]}");
        TaskRef other = b.task("other", "f-1", null);
        TaskRef counts = b.map("count", "count-1", split, "{\"word\": " + WorkflowBuilder.ITEM + ", \"also\": "
                + other.ref() + ", \"again\": " + split.ref() + "}", 3);
        TaskRef sum = b.task("sum", "sum-1", "{\"xs\": " + counts.ref() + ", \"all\": [" + other + ", {\"in\": " + counts
                + "}]}");
        b.after(b.task("notify", "mail-1", "{}"), sum, split);
        b.after(sum, split);
        Workflow built = b.onError(Workflow.OnError.CONTINUE).retries(2).backoff(Duration.ofMillis(50)).build();

        Workflow parsed = WorkflowJson.parse("""
                {"name": "wc", "on_error": "continue", "retries": 2, "retry_backoff_ms": 50, "tasks": [
                 {"id": "split", "function": "split-1", "args": {"text": %s, "n": [1.50e3, -0, 1e400, 7]}},
                 {"id": "other", "function": "f-1"},
                 {"id": "count", "function": "count-1", "map": "split", "retries": 3,
                  "args": {"word": {"$item": true}, "also": {"$ref": "other"}, "again": {"$ref": "split"}}},
                 {"id": "sum", "function": "sum-1", "after": ["split"],
                  "args": {"xs": {"$ref": "count"}, "all": [{"$ref": "other"}, {"in": {"$ref": "count"}}]}},
                 {"id": "notify", "function": "mail-1", "after": ["sum", "split"]}]}
                """.formatted(text));
        assertEquals(parsed, built);
        assertEquals(WorkflowJson.write(parsed), WorkflowJson.write(built));
    }
}
