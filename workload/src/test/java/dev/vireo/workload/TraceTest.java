package dev.vireo.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceTest {
    @Test
    void sameSeedSameTraceByteForByteAndItLoadsBack(@TempDir Path dir) throws IOException {
        List<FunctionTrace> trace = TraceSynth.generate(50, 10, 1);
        AzureTrace.write(dir.resolve("a"), "01", trace);
        AzureTrace.write(dir.resolve("b"), "01", TraceSynth.generate(50, 10, 1));
        for (String f : List.of("invocations_per_function_md.anon.d01.csv", "function_durations_percentiles.anon.d01.csv",
                "app_memory_percentiles.anon.d01.csv")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        }
        assertEquals(trace, AzureTrace.load(dir.resolve("a")), "what is written loads back as it was");
        assertNotEquals(trace, TraceSynth.generate(50, 10, 2), "another seed, another trace");
        assertEquals(50, trace.size());
        assertTrue(trace.stream().anyMatch(f -> f.trigger().equals("timer")));
        long total = trace.stream().mapToLong(FunctionTrace::invocations).sum();
        long top = trace.stream().mapToLong(FunctionTrace::invocations).max().orElseThrow();
        assertTrue(top > total / 10, "heavy-tailed: the busiest function takes a large share (" + top + " of " + total + ")");
    }

    @Test
    void aRateScalesTheTraceToIt() {
        List<FunctionTrace> busy = TraceSynth.generate(50, 60, 1, 30);
        long total = busy.stream().mapToLong(FunctionTrace::invocations).sum();
        assertTrue(total > 0.8 * 30 * 3600 && total < 1.2 * 30 * 3600, "about 30/s for an hour: " + total);
        assertThrows(IllegalArgumentException.class, () -> TraceSynth.generate(5, 10, 1, -1));
    }

    @Test
    void scheduleSpreadsEachMinuteAndIsSeeded() {
        var d = new FunctionTrace.Durations(10, 4, 1, 20, 1, 2, 5, 10, 12, 19, 20);
        FunctionTrace f = new FunctionTrace("o", "a", "f", "http", new int[] {3, 1, 0}, d, 128);
        List<Schedule.Call> calls = Schedule.of(List.of(f), 7);
        assertEquals(List.of(0L, 20_000L, 40_000L), calls.subList(0, 3).stream().map(Schedule.Call::atMs).toList());
        assertTrue(calls.get(3).atMs() >= 60_000 && calls.get(3).atMs() < 120_000);
        assertEquals(calls, Schedule.of(List.of(f), 7));
        assertEquals(5.0, f.warmMs());
        assertEquals(20.0, f.coldMs());
    }

    @Test
    void malformedFilesSayWhereAndWhat(@TempDir Path dir) throws IOException {
        AzureTrace.write(dir, "01", TraceSynth.generate(3, 2, 1));
        Path inv = dir.resolve("invocations_per_function_md.anon.d01.csv");
        List<String> lines = Files.readAllLines(inv);
        Files.writeString(inv, lines.get(0) + "\n" + lines.get(1).replaceFirst(",[0-9]+$", ",x") + "\n");
        IOException e = assertThrows(IOException.class, () -> AzureTrace.load(dir));
        assertEquals("invocations_per_function_md.anon.d01.csv:2: 'x' is not a number", e.getMessage());
        Files.writeString(inv, lines.get(0) + "\n" + "o,a,f\n");
        e = assertThrows(IOException.class, () -> AzureTrace.load(dir));
        assertTrue(e.getMessage().contains(":2: 3 columns, at least 5 expected"), e.getMessage());
        Files.delete(dir.resolve("function_durations_percentiles.anon.d01.csv"));
        e = assertThrows(IOException.class, () -> AzureTrace.load(dir));
        assertTrue(e.getMessage().contains("function_durations_percentiles.anon.d01.csv is missing"), e.getMessage());
        e = assertThrows(IOException.class, () -> AzureTrace.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TraceSynth.generate(0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> TraceSynth.generate(5, 2000, 1));
    }
}
