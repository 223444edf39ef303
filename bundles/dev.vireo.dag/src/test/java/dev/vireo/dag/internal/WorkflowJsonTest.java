package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vireo.api.dag.Workflow;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.spi.dag.Sla;
import dev.vireo.testkit.FakeDags;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Specs parse into workflows and back; bad ones are refused naming the task and what is wrong, before anything runs. */
class WorkflowJsonTest {
    @Test
    void referencesBecomeDependenciesAndTheSpecRoundTrips() {
        Workflow w = WorkflowJson.parse("""
                {"name":"wc","on_error":"continue","retries":2,"retry_backoff_ms":50,"tasks":[
                 {"id":"split","function":"split-1","args":{"text":"a b"}},
                 {"id":"count","function":"len-1","map":"split","args":{"w":{"$item":true},"n":[{"$ref":"split"}]}},
                 {"id":"sum","function":"sum-1","args":{"xs":{"$ref":"count"},"again":{"$ref":"count"}},"retries":0},
                 {"id":"note","function":"noop-1","after":["sum","split"]}]}""");
        assertEquals(List.of("split"), w.task("count").dependsOn());
        assertEquals(List.of("count"), w.task("sum").dependsOn());
        assertEquals(0, w.retriesOf(w.task("sum")));
        assertEquals(2, w.retriesOf(w.task("split")));
        assertEquals(List.of("sum", "split"), w.task("note").dependsOn(), "after: order only, no data");
        assertEquals(List.of("note"), w.sinks());
        assertEquals(w, WorkflowJson.parse(WorkflowJson.write(w)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[]|body: a workflow is a JSON object with \"tasks\"",
        "{}|tasks: is required: an array of tasks",
        "{\"tasks\":[]}|tasks: a workflow needs at least one task",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}],\"bogus\":1}|bogus: workflow: unknown field 'bogus'; fields: name, on_error, retries, retry_backoff_ms, sla, tasks",
        "{\"sla\":\"p42\",\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}]}|sla: 'p42' is not an SLA statistic; use one of mean, p50, p90, p95, p99",
        "{\"tasks\":[{\"function\":\"f-1\"}]}|tasks: tasks[0]: id is required",
        "{\"tasks\":[{\"id\":\"a b\",\"function\":\"f-1\"}]}|tasks: tasks[0]: id 'a b' is invalid: use 1-64 letters, digits, '_', '.' or '-'",
        "{\"tasks\":[{\"id\":\"a\"}]}|tasks: task 'a': function is required (a registered function id, name-version)",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"colour\":1}]}|tasks: task 'a': unknown field 'colour'; fields: after, args, function, id, map, retries",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"after\":\"b\"}]}|tasks: task 'a': after must be a list of task ids",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"after\":[\"b\"]}]}|tasks: task 'a' references 'b', which is not a task of this workflow",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"},{\"id\":\"a\",\"function\":\"f-1\"}]}|tasks: task id 'a' appears twice",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"args\":{\"x\":{\"$ref\":\"zz\"}}}]}|tasks: task 'a' references 'zz', which is not a task of this workflow",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"args\":{\"x\":{\"$ref\":\"a\"}}}]}|tasks: task 'a' references itself",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"args\":{\"x\":{\"$ref\":\"b\"}}},{\"id\":\"b\",\"function\":\"f-1\",\"args\":{\"x\":{\"$ref\":\"c\"}}},{\"id\":\"c\",\"function\":\"f-1\",\"args\":{\"x\":{\"$ref\":\"a\"}}}]}|tasks: the tasks form a cycle: 'c' -> 'b' -> 'a' -> 'c'",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"args\":{\"x\":{\"$ref\":\"b\",\"y\":1}}}]}|tasks: task 'a': a reference is {\"$ref\": \"<task id>\"} and nothing else",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"args\":{\"x\":{\"$item\":true}}}]}|tasks: task 'a': {\"$item\": ...} is only for tasks with \"map\"",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\",\"map\":\"nope\"}]}|tasks: task 'a' references 'nope', which is not a task of this workflow",
        "{\"retries\":1.5,\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}]}|retries: 1.5 is not an integer",
        "{\"retries\":11,\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}]}|retries: 11 is out of range [0, 10] retries",
        "{\"sla\":\"p42\",\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}]}|sla: 'p42' is not an SLA statistic; use one of mean, p50, p90, p95, p99",
        "{\"sla\":90,\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}]}|sla: must be a string",
        "{\"on_error\":\"ignore\",\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}]}|on_error: 'ignore' is invalid: use fail_fast or continue",
        "{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}],\"tasks\":[]}|body: not valid JSON: duplicate key \"tasks\" at line 1, column 40"})
    void badSpecsAreRefusedNamingTheTaskAndTheRule(String spec, String message) {
        ValidationException e = assertThrows(ValidationException.class, () -> WorkflowJson.parse(spec));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"p42\"", "\"P90\"", "90", "[\"p90\"]"})
    void aBadSlaIsRefusedAsTheFrontEndsTestDoubleRefusesIt(String sla) {
        // the HTTP and gRPC tests show this refusal through FakeDags: it must be the real parser's, field and text
        String spec = "{\"sla\":" + sla + ",\"tasks\":[{\"id\":\"a\",\"function\":\"hello-1\"}]}";
        ValidationException real = assertThrows(ValidationException.class, () -> WorkflowJson.parse(spec));
        ValidationException fake = assertThrows(ValidationException.class, () -> new FakeDags().parse(spec));
        assertEquals("sla", real.field());
        assertEquals(real.field(), fake.field());
        assertEquals(real.getMessage(), fake.getMessage());
    }

    @Test
    void everySlaStatisticIsReadAndWrittenBack() {
        for (Sla sla : Sla.values()) {
            Workflow w = WorkflowJson.parse("{\"sla\":\"" + sla.id() + "\",\"tasks\":[{\"id\":\"a\",\"function\":"
                    + "\"f-1\"}]}");
            assertEquals(sla.id(), w.sla());
            assertEquals(w, WorkflowJson.parse(WorkflowJson.write(w)));
        }
        assertEquals("", WorkflowJson.parse("{\"tasks\":[{\"id\":\"a\",\"function\":\"f-1\"}]}").sla(),
                "none given: the default, p50, is the planner's");
    }
}
