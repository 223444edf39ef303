package dev.vireo.api.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.spi.dag.DagSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FunctionSpecTest {

    static FunctionSpec spec(String name, int memoryMb) {
        return new FunctionSpec(name, "1", "vireo/python3:latest", "", "", "", Compute.CPU, "uds", memoryMb, 1.0,
                Duration.ofSeconds(30), 1, null);
    }

    @Test
    void idIsNameDashVersion() {
        assertEquals("hello-1", spec("hello", 128).id());
    }

    @Test
    void outsideTheDefaultNamespaceTheIdStartsWithTheNamespace() {
        FunctionSpec s = spec("hello", 128).withNamespace("team-a");
        assertEquals("team-a:hello-1", s.id());
        assertEquals("team-a", FunctionSpec.namespaceOf(s.id()));
        assertEquals("", FunctionSpec.namespaceOf("hello-1.2"));
        assertEquals("", spec("hello", 128).withNamespace(null).namespace(), "null is the default namespace");
        for (String bad : new String[] {"Team", "1team", "team.a", "team:a", "a".repeat(33), "-a"}) {
            ValidationException e = org.junit.jupiter.api.Assertions.assertThrows(ValidationException.class,
                    () -> spec("hello", 128).withNamespace(bad), bad);
            assertEquals("namespace", e.field());
        }
    }

    @Test
    void badNameSaysWhichFieldAndRule() {
        ValidationException e = assertThrows(ValidationException.class, () -> spec("Hello World", 128));
        assertEquals("name", e.field());
        assertTrue(e.getMessage().contains("lower-case"), e.getMessage());
    }

    @Test
    void namesMayHoldUnderscoresStartWithALetterAndHaveAtMost63Characters() {
        assertEquals("my_func-1", spec("my_func", 128).id());
        assertEquals("x--y-1", spec("x--y", 128).id());
        assertEquals("trail_-1", spec("trail_", 128).id());
        String longest = "a" + "_b".repeat(31);
        assertEquals(63, longest.length());
        assertEquals(longest + "-1", spec(longest, 128).id());
        for (String bad : new String[] {"_a", "1a", "-a", "a" + "b".repeat(63), "My_func", "a.b"}) {
            ValidationException e = assertThrows(ValidationException.class, () -> spec(bad, 128), bad);
            assertEquals("name", e.field());
            assertTrue(e.getMessage().contains("'_'"), e.getMessage());
        }
    }

    @Test
    void memoryOutOfRangeNamesTheUnit() {
        ValidationException e = assertThrows(ValidationException.class, () -> spec("hello", 8));
        assertEquals("memory_mb: 8 is out of range [16, 65536] MB", e.getMessage());
    }

    @Test
    void codeNeedsAHandlerAndAnAbsolutePathAndMaySitOnAnImage() {
        new FunctionSpec("a", "1", "img", "/code", "main.handle", "", Compute.CPU, "uds", 128, 1, Duration.ofSeconds(1),
                1, null);
        assertThrows(ValidationException.class, () -> new FunctionSpec("a", "1", "", "/code", "", "",
                Compute.CPU, "uds", 128, 1, Duration.ofSeconds(1), 1, null));
        ValidationException relative = assertThrows(ValidationException.class, () -> new FunctionSpec("a", "1", "",
                "examples/hello", "main.handle", "", Compute.CPU, "uds", 128, 1, Duration.ofSeconds(1), 1, null));
        assertTrue(relative.getMessage().startsWith("code: 'examples/hello' must be an absolute path"), relative.getMessage());
        ValidationException neither = assertThrows(ValidationException.class, () -> new FunctionSpec("a", "1", "", "",
                "", "", Compute.CPU, "uds", 128, 1, Duration.ofSeconds(1), 1, null));
        assertTrue(neither.getMessage().contains("an image reference, a code directory, or both"), neither.getMessage());
        assertThrows(ValidationException.class, () -> new FunctionSpec("a", "1", "img", "", "not a handler", "",
                Compute.CPU, "uds", 128, 1, Duration.ofSeconds(1), 1, null));
    }

    @Test
    void timeoutAndConcurrencyAreBounded() {
        assertThrows(ValidationException.class, () -> new FunctionSpec("a", "1", "img", "", "", "", Compute.CPU, "uds",
                128, 1, Duration.ofMinutes(16), 1, null));
        assertThrows(ValidationException.class, () -> new FunctionSpec("a", "1", "img", "", "", "", Compute.CPU, "uds",
                128, 1, Duration.ofSeconds(1), 0, null));
    }

    @Test
    void computeParsesAndListsChoices() {
        assertEquals(Compute.GPU, Compute.parse("GPU"));
        ValidationException e = assertThrows(ValidationException.class, () -> Compute.parse("tpu"));
        assertTrue(e.getMessage().contains("cpu, gpu"), e.getMessage());
    }

    @Test
    void dagRejectsCyclesAndUnknownTasks() {
        var a = new DagSpec.Task("a", "f-1");
        var b = new DagSpec.Task("b", "f-1");
        new DagSpec("ok", List.of(a, b), List.of(new DagSpec.Edge("a", "b")));
        assertThrows(ValidationException.class, () -> new DagSpec("cyc", List.of(a, b),
                List.of(new DagSpec.Edge("a", "b"), new DagSpec.Edge("b", "a"))));
        assertThrows(ValidationException.class, () -> new DagSpec("x", List.of(a), List.of(new DagSpec.Edge("a", "z"))));
    }

    @Test
    void overheadIsE2eMinusExecution() {
        assertEquals(300, new Timings(0, 0, 0, 100, 700, 1000).overheadUs());
    }
}
