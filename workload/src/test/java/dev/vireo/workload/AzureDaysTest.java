package dev.vireo.workload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An Azure Functions 2019 trace of several days (fixtures written here): read day after day, streamed, filtered. */
class AzureDaysTest {
    @TempDir
    Path dir;

    private static FunctionTrace fn(String name, int[] counts, double p25, long count, double max, double memory) {
        var d = new FunctionTrace.Durations(p25 * 2, count, p25 / 2, max, p25 / 2, p25 / 2, p25, p25 * 2, p25 * 3,
                max, max);
        return new FunctionTrace("o", "app-" + name, name, "http", counts, d, memory);
    }

    private void twoDays() throws IOException {
        // day 1: f and g (g without durations that day); day 2: f and h; day 10: g alone (sorted as a number)
        AzureTrace.write(dir, "01", List.of(fn("f", new int[] {1, 2, 3}, 10, 6, 50, 256),
                fn("g", new int[] {4, 0, 0}, 20, 4, 80, 128)));
        AzureTrace.write(dir, "02", List.of(fn("f", new int[] {0, 5, 0}, 30, 2, 90, 512),
                fn("h", new int[] {0, 0, 7}, 5, 7, 9, 64)));
        AzureTrace.write(dir, "10", List.of(fn("g", new int[] {1, 1, 1}, 40, 3, 100, 128)));
        Path d1 = dir.resolve("function_durations_percentiles.anon.d01.csv");
        List<String> lines = Files.readAllLines(d1);
        Files.write(d1, lines.stream().filter(l -> !l.contains(",g,")).toList());
    }

    @Test
    void everyDayOneAfterTheOtherWithDurationsAndMemoryMerged() throws IOException {
        twoDays();
        assertEquals(List.of("01", "02", "10"), AzureTrace.days(dir));
        List<FunctionTrace> all = AzureTrace.load(dir);
        assertEquals(List.of("f", "g", "h"), all.stream().map(FunctionTrace::function).toList(),
                "in the order first seen; g has durations on day 10 only, enough to replay it");
        FunctionTrace f = all.get(0);
        assertArrayEquals(new int[] {1, 2, 3, 0, 5, 0, 0, 0, 0}, f.perMinute(), "day 1, day 2, then nothing on day 10");
        assertArrayEquals(new int[] {4, 0, 0, 0, 0, 0, 1, 1, 1}, all.get(1).perMinute());
        assertEquals(8, f.durations().count(), "counts summed");
        assertEquals(50 * 0.75 + 90 * 0.25, f.durations().p99(), 1e-9, "percentiles weighted by each day's count");
        assertEquals(90, f.durations().maximum(), "the larger maximum: a cold start as long as the longest day's");
        assertEquals(5, f.durations().minimum());
        assertEquals(10 * 0.75 + 30 * 0.25, f.warmMs(), 1e-9);
        assertEquals((256 + 512) / 2.0, f.memoryMb(), 1e-9, "its app's memory averaged over the days");

        List<FunctionTrace> second = AzureTrace.load(dir, List.of(2), Set.of());
        assertEquals(List.of("f", "h"), second.stream().map(FunctionTrace::function).toList());
        assertArrayEquals(new int[] {0, 5, 0}, second.get(0).perMinute());
        assertEquals(fn("f", new int[] {0, 5, 0}, 30, 2, 90, 512).durations(), second.get(0).durations(),
                "one day: its own durations, unchanged");
        List<FunctionTrace> reversed = AzureTrace.load(dir, List.of(10, 1), Set.of());
        assertArrayEquals(new int[] {1, 1, 1, 4, 0, 0}, reversed.get(0).perMinute(), "days in the order asked");
        assertEquals(List.of("g", "f"), reversed.stream().map(FunctionTrace::function).toList());
    }

    @Test
    void onlyTheChosenFunctionsAreKeptAndUnknownDaysOrHashesSaySo() throws IOException {
        twoDays();
        List<FunctionTrace> h = AzureTrace.load(dir, List.of(), Set.of("h"));
        assertEquals(1, h.size());
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 7, 0, 0, 0}, h.get(0).perMinute());
        assertEquals(h, TraceFiles.load(dir, null, List.of(), List.of("h")), "the one entry point reads the same");
        IOException e = assertThrows(IOException.class, () -> AzureTrace.load(dir, List.of(3), Set.of()));
        assertTrue(e.getMessage().contains("day 3 is not in the trace") && e.getMessage().contains("01, 02, 10"),
                e.getMessage());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> TraceFiles.load(dir, null, List.of(1), List.of("h")));
        assertTrue(u.getMessage().contains("--only names functions that are not in the trace") && u.getMessage()
                .endsWith("h (vireo trace show " + dir + " lists its functions)"), u.getMessage());
        u = assertThrows(IllegalArgumentException.class,
                () -> TraceFiles.load(dir, dir.resolve("m.csv"), List.of(), List.of()));
        assertTrue(u.getMessage().startsWith("--metadata goes with an Ilúvatar trace"), u.getMessage());
    }

    @Test
    void choosingAFunctionKeepsItsShareOfItsAppsMemoryAndAnEmptyDayItsMinutes() throws IOException {
        // one app, two functions: each has half the app's 256 MB whether or not the other is chosen
        AzureTrace.write(dir, "01", List.of(fn("p", new int[] {1, 1}, 10, 2, 20, 128), fn("q", new int[] {2, 0}, 10, 2,
                20, 128)).stream().map(f -> new FunctionTrace("o", "shared", f.function(), "http", f.perMinute(),
                f.durations(), f.memoryMb())).toList());
        assertEquals(List.of(128.0, 128.0), AzureTrace.load(dir).stream().map(FunctionTrace::memoryMb).toList());
        assertEquals(128.0, AzureTrace.load(dir, List.of(), Set.of("q")).get(0).memoryMb(), "still half of 256 MB");
        // day 2 has a header and no function: its two minutes stay, so day 3's come after them
        AzureTrace.write(dir, "02", List.of());
        Path inv = dir.resolve("invocations_per_function_md.anon.d02.csv");
        Files.writeString(inv, "HashOwner,HashApp,HashFunction,Trigger,1,2\n");
        AzureTrace.write(dir, "03", List.of(new FunctionTrace("o", "shared", "q", "http", new int[] {0, 5},
                fn("q", new int[] {0, 5}, 10, 2, 20, 128).durations(), 128)));
        assertArrayEquals(new int[] {2, 0, 0, 0, 0, 5}, AzureTrace.load(dir, List.of(), Set.of("q")).get(0)
                .perMinute());
    }

    @Test
    void aDayWhoseLinesDisagreeOnMinutesNamesItsFileAndLine() throws IOException {
        twoDays();
        Path inv = dir.resolve("invocations_per_function_md.anon.d02.csv");
        List<String> lines = Files.readAllLines(inv);
        Files.writeString(inv, lines.get(0) + "\n" + lines.get(1) + "\n" + lines.get(2) + ",4\n");
        IOException e = assertThrows(IOException.class, () -> AzureTrace.load(dir));
        assertEquals("invocations_per_function_md.anon.d02.csv:3: 4 minutes, the header has 3", e.getMessage());
    }

    @Test
    void aLargeDayStreamsThroughWhenOneFunctionIsChosen() throws IOException {
        // 2,000 functions of 1,440 minutes (~6 MB of text): keeping one function keeps one row
        List<FunctionTrace> many = TraceSynth.generate(2_000, 1_440, 3);
        AzureTrace.write(dir, "01", many);
        FunctionTrace pick = many.get(1_234);
        List<FunctionTrace> one = AzureTrace.load(dir, List.of(), Set.of(pick.function()));
        assertEquals(List.of(pick.function()), one.stream().map(FunctionTrace::function).toList());
        assertArrayEquals(pick.perMinute(), one.get(0).perMinute());
    }
}
