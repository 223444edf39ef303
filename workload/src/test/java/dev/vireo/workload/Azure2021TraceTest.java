package dev.vireo.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Azure Functions 2021 invocation trace on fixtures written here in its schema. */
class Azure2021TraceTest {
    @TempDir
    Path dir;

    private Path trace() throws IOException {
        // unordered lines; one start before the trace's (end 0.2 s, ran 0.5 s); f invoked 5 times, g twice
        Path p = dir.resolve("AzureFunctionsInvocationTraceForTwoWeeksJan2021.txt");
        Files.writeString(p, "app,func,end_timestamp,duration\n"
                + "a1,f,61.5,0.5\n"
                + "a1,f,1.0,0.25\n"
                + "a2,g,0.2,0.5\n"
                + "a1,f,2.0,1.0\n"
                + "a1,f,10.010,0.010\n"
                + "a2,g,125.0,2.0\n"
                + "a1,f,3.5,0.125\n");
        return p;
    }

    @Test
    void eachInvocationReplaysAtItsStartWithTheDurationsItHad() throws IOException {
        Path t = trace();
        assertTrue(Azure2021Trace.is(t));
        assertFalse(IluvatarTrace.is(t));
        assertEquals(TraceFiles.Format.AZURE_2021, TraceFiles.format(t));
        assertEquals(TraceFiles.Format.AZURE_2019, TraceFiles.format(dir));
        List<FunctionTrace> fs = TraceFiles.load(t, null, List.of(), List.of());
        assertEquals(List.of("f", "g"), fs.stream().map(FunctionTrace::function).toList());
        FunctionTrace f = fs.get(0);
        assertArrayEquals(new long[] {750, 1_000, 3_375, 10_000, 61_000}, f.invokeAtMs(), "end - duration, sorted");
        assertArrayEquals(new int[] {4, 1, 0}, f.perMinute(), "per minute, as long as the trace (g's last at 123 s)");
        assertEquals("a1", f.app());
        var d = f.durations();
        assertEquals(5, d.count());
        assertEquals(10, d.minimum(), 1e-9);
        assertEquals(1_000, d.maximum(), 1e-9, "the longest run: a cold start's time");
        assertEquals((500 + 250 + 1_000 + 10 + 125) / 5.0, d.average(), 1e-9);
        assertEquals(125, f.warmMs(), 1e-9, "25th percentile, nearest rank: the 2nd of 10, 125, 250, 500, 1000");
        assertEquals(250, d.p50(), 1e-9);
        assertEquals(Azure2021Trace.DEFAULT_MEMORY_MB, f.memoryMb(), "the trace has no memory");
        assertArrayEquals(new long[] {0, 123_000}, fs.get(1).invokeAtMs(), "a start before the trace's is at 0");

        List<Schedule.Call> calls = Schedule.of(fs, 5);
        assertEquals(List.of(0L, 750L, 1_000L, 3_375L, 10_000L, 61_000L, 123_000L),
                calls.stream().map(Schedule.Call::atMs).toList(), "exactly the trace's times");
        assertEquals(List.of("g"), Azure2021Trace.load(t, Set.of("g")).stream().map(FunctionTrace::function).toList());
    }

    @Test
    void malformedLinesSayWhereAndWhat() throws IOException {
        assertEquals("t.txt:3: end_timestamp 'x' is not a number", bad("a,f,1,0.1\na,f,x,0.1\n"));
        assertEquals("t.txt:2: duration '-1' is not a non-negative number of seconds", bad("a,f,1,-1\n"));
        assertEquals("t.txt:2: 3 columns, 4 expected (app,func,end_timestamp,duration)", bad("a,f,1\n"));
        assertEquals("t.txt:2: func is empty", bad("a,,1,1\n"));
        Path other = Files.writeString(dir.resolve("o.csv"), "x,y\n1,2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceFiles.format(other));
        assertTrue(e.getMessage().contains("app,func,end_timestamp,duration (Azure Functions 2021)"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TraceFiles.load(trace(), null, List.of(1),
                List.of())).getMessage().startsWith("--days goes with an Azure Functions 2019 folder"));
        assertTrue(assertThrows(IOException.class, () -> TraceFiles.format(dir.resolve("none.txt"))).getMessage()
                .contains("does not exist"));
    }

    private String bad(String lines) throws IOException {
        Path t = Files.writeString(dir.resolve("t.txt"), "app,func,end_timestamp,duration\n" + lines);
        return assertThrows(IOException.class, () -> Azure2021Trace.load(t, Set.of())).getMessage();
    }
}
