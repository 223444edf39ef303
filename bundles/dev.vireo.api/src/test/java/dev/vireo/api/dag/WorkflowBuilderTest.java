package dev.vireo.api.dag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vireo.api.model.ValidationException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workflows declared in Java: dependencies come from the references in args, args are compact, misuse is named. */
class WorkflowBuilderTest {
    static String refused(Runnable r) {
        return assertThrows(ValidationException.class, r::run).getMessage();
    }

    @Test
    void aMapReduceChainDependsOnWhatItReferences() {
        WorkflowBuilder b = Workflow.builder("wc");
        TaskRef split = b.task("split", "split-1", "{\"text\": \"a b\"}");
        TaskRef counts = b.map("count", "count-1", split, "{\"word\": " + WorkflowBuilder.ITEM + "}");
        b.task("sum", "sum-1", "{\"xs\": " + counts.ref() + "}", 2);
        Workflow w = b.onError(Workflow.OnError.CONTINUE).retries(1).backoff(Duration.ofMillis(5)).build();

        assertEquals("{\"$ref\":\"split\"}", split.ref());
        assertEquals(List.of("split", "count", "sum"), w.tasks().stream().map(Workflow.Task::id).toList());
        assertEquals(new Workflow.Task("split", "split-1", "{\"text\":\"a b\"}", "", List.of(), -1), w.task("split"));
        assertEquals(new Workflow.Task("count", "count-1", "{\"word\":{\"$item\":true}}", "split", List.of("split"), -1),
                w.task("count"));
        assertEquals(new Workflow.Task("sum", "sum-1", "{\"xs\":{\"$ref\":\"count\"}}", "", List.of("count"), 2),
                w.task("sum"));
        assertEquals(Workflow.OnError.CONTINUE, w.onError());
        assertEquals(1, w.retries());
        assertEquals(Duration.ofMillis(5), w.backoff());
        assertEquals(List.of("sum"), w.sinks());
    }

    @Test
    void dependenciesAreTheMapSourceThenReferencesInOrderEachOnce() {
        WorkflowBuilder b = Workflow.builder("fan");
        TaskRef a = b.task("a", "f-1", null);
        TaskRef c = b.task("c", "f-1", "");
        TaskRef d = b.task("d", "f-1", "[1, 2]");
        TaskRef m = b.map("m", "g-1", d, "{\"x\": [" + c.ref() + ", {\"deep\": " + a + "}], \"y\": " + c.ref()
                + ", \"d\": " + d.ref() + ", \"e\": " + WorkflowBuilder.ITEM + "}");
        b.task("in", "h-1", "{\"all\": " + WorkflowBuilder.refs(a, m) + "}");
        Workflow w = b.build();

        assertEquals(List.of("d", "c", "a"), w.task("m").dependsOn());
        assertEquals(List.of("a", "m"), w.task("in").dependsOn());
        assertEquals("{}", w.task("a").args());
        assertEquals("{}", w.task("c").args());
        assertEquals("[1,2]", w.task("d").args());
        assertEquals("{\"all\":[{\"$ref\":\"a\"},{\"$ref\":\"m\"}]}", w.task("in").args());
        assertEquals(List.of("in"), w.sinks());
    }

    @Test
    void afterAddsDependenciesThatPassNoDataAfterTheReferencedOnes() {
        WorkflowBuilder b = Workflow.builder("after");
        TaskRef a = b.task("a", "f-1", "{}");
        TaskRef c = b.task("c", "f-1", "{}");
        TaskRef d = b.task("d", "f-1", "{\"x\": " + c.ref() + "}");
        b.after(d, a, c).after(d, a);
        assertEquals(List.of("c", "a"), b.build().task("d").dependsOn());
        assertEquals("{\"x\":{\"$ref\":\"c\"}}", b.build().task("d").args());
        assertEquals(List.of("d"), b.build().sinks());
        TaskRef other = Workflow.builder("y").task("z", "f-1", "{}");
        assertEquals("tasks: task 'z' (after) was declared by another builder", refused(() -> b.after(d, other)));
        assertEquals("tasks: task 'z' (task) was declared by another builder", refused(() -> b.after(other, a)));
        b.after(a, d);
        assertEquals("tasks: the tasks form a cycle: 'd' -> 'a' -> 'd'", refused(b::build));
    }

    @Test
    void argsAreWrittenCompactWithTheirTextKept() {
        WorkflowBuilder b = Workflow.builder("");
        TaskRef t = b.task("t", "f-1", " { \"s\" : \"q\\\"\\\\ \\u00e9\\t\\u0001\\u2028 </>\" ,\n \"n\" : [ 1.50e3 , -0 ,"
                + " 123456789012345678901234567890 ] , \"b\" : [ true , false , null ] , \"o\" : { } } ");
        assertEquals("{\"s\":\"q\\\"\\\\ é\\t\\u0001\\u2028 </>\",\"n\":[1.50e3,-0,123456789012345678901234567890],"
                + "\"b\":[true,false,null],\"o\":{}}", b.build().task(t.id()).args());
        assertEquals("\"a\\\"b\\n\"", WorkflowBuilder.quote("a\"b\n"));
    }

    @Test
    void aReferenceWrittenByHandMayNameALaterTaskAndTheGraphIsCheckedByBuild() {
        WorkflowBuilder b = Workflow.builder("x");
        b.task("first", "f-1", "{\"x\": {\"$ref\": \"second\"}}");
        b.task("second", "f-1", "{}");
        assertEquals(List.of("second"), b.build().task("first").dependsOn());

        WorkflowBuilder missing = Workflow.builder("x");
        missing.task("a", "f-1", "{\"x\": {\"$ref\": \"zz\"}}");
        assertEquals("tasks: task 'a' references 'zz', which is not a task of this workflow",
                refused(missing::build));

        WorkflowBuilder cycle = Workflow.builder("x");
        cycle.task("a", "f-1", "{\"$ref\": \"b\"}");
        cycle.task("b", "f-1", "{\"$ref\": \"a\"}");
        assertEquals("tasks: the tasks form a cycle: 'b' -> 'a' -> 'b'", refused(cycle::build));
    }

    @Test
    void misuseIsRefusedAtOnceNamingTheTask() {
        WorkflowBuilder b = Workflow.builder("x");
        TaskRef a = b.task("a", "f-1", "{}");
        assertEquals("tasks: task id 'a' appears twice", refused(() -> b.task("a", "f-1", "{}")));
        assertEquals("tasks: task id 'a b' is invalid: use 1-64 letters, digits, '_', '.' or '-'",
                refused(() -> b.task("a b", "f-1", "{}")));
        assertEquals("tasks: task 'c': function is required", refused(() -> b.task("c", "", "{}")));
        assertEquals("tasks: task 'c': args: not valid JSON: unexpected '}', expected a value at line 1, column 6",
                refused(() -> b.task("c", "f-1", "{\"x\":}")));
        assertEquals("tasks: task 'c': {\"$item\": ...} is only for tasks with \"map\"",
                refused(() -> b.task("c", "f-1", "{\"x\": " + WorkflowBuilder.ITEM + "}")));
        assertEquals("tasks: task 'c': a reference is {\"$ref\": \"<task id>\"} and nothing else",
                refused(() -> b.task("c", "f-1", "{\"x\": {\"$ref\": \"a\", \"y\": 1}}")));
        assertEquals("tasks: task 'c': a reference is {\"$ref\": \"<task id>\"} and nothing else",
                refused(() -> b.task("c", "f-1", "{\"$ref\": 1}")));
        assertEquals("tasks: task 'c': an element placeholder is {\"$item\": true} and nothing else",
                refused(() -> b.map("c", "f-1", a, "{\"$item\": true, \"y\": 1}")));
        assertEquals("tasks: task 'c': retries -1 is out of range [0, 10]", refused(() -> b.task("c", "f-1", "{}", -1)));
        assertEquals("tasks: task 'c': retries 11 is out of range [0, 10]", refused(() -> b.task("c", "f-1", "{}", 11)));
        TaskRef other = Workflow.builder("y").task("a", "f-1", "[]");
        assertEquals("tasks: task 'c': map source 'a' was declared by another builder",
                refused(() -> b.map("c", "f-1", other, WorkflowBuilder.ITEM)));
        assertEquals("retries: 11 is out of range [0, 10]", refused(() -> b.retries(11).build()));
        // nothing refused was added
        assertEquals(List.of("a"), b.retries(0).build().tasks().stream().map(Workflow.Task::id).toList());
    }
}
