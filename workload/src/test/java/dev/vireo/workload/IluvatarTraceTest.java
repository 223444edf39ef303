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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ilúvatar's trace format on fixtures written here, in the shape its load generator reads. */
class IluvatarTraceTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private Path trace() throws IOException {
        // unordered lines, a function the metadata lists but the trace never calls, extra metadata columns
        write("four-metadata.csv", "func_name,cold_dur_ms,warm_dur_ms,mem_mb,mean_iat,image_name\n"
                + "a,5000,500,512,1000.0,docker.io/x/a:latest\n"
                + "b,700,20,128,30000,docker.io/x/b:latest\n"
                + "idle,100,10,64,0,docker.io/x/idle:latest\n");
        return write("four.csv", "func_name,invoke_time_ms\nb,61000\na,1\na,10\nb,10\na,100\na,60000\n");
    }

    @Test
    void eachFunctionReplaysAtItsOwnTimesWithItsColdWarmAndMemory() throws IOException {
        Path t = trace();
        assertTrue(IluvatarTrace.is(t));
        assertFalse(IluvatarTrace.is(dir.resolve("four-metadata.csv")), "a metadata file is not an invocation file");
        assertFalse(IluvatarTrace.is(dir), "an Azure trace is a folder");
        List<FunctionTrace> fs = IluvatarTrace.load(t, IluvatarTrace.metadataFor(t));
        assertEquals(List.of("b", "a"), fs.stream().map(FunctionTrace::function).toList(),
                "in the order of their first line; 'idle' has no invocation");
        FunctionTrace a = fs.get(1);
        assertArrayEquals(new long[] {1, 10, 100, 60_000}, a.invokeAtMs(), "sorted");
        assertArrayEquals(new int[] {3, 1}, a.perMinute(), "counted per minute, as long as the trace");
        assertEquals(4, a.invocations());
        assertEquals(4_500, a.coldMs(), "cold_dur_ms is a cold invocation's whole time: 5,000 - the 500 it executes");
        assertEquals(500, a.warmMs());
        assertEquals(512, a.memoryMb());

        List<Schedule.Call> calls = Schedule.of(fs, 1);
        assertEquals(List.of(1L, 10L, 10L, 100L, 60_000L, 61_000L), calls.stream().map(Schedule.Call::atMs).toList(),
                "exactly the trace's times, whatever the seed");
        assertEquals(calls.stream().map(Schedule.Call::atMs).toList(),
                Schedule.of(fs, 99).stream().map(Schedule.Call::atMs).toList());
        List<TraceMapping.Planned> planned = TraceMapping.plan(fs, 1, 60_000);
        assertEquals(4, planned.size(), "--minutes 1 keeps what comes before 60,000 ms");
        assertTrue(planned.stream().filter(p -> p.function().function().equals("a"))
                .allMatch(p -> p.payload().equals("{\"ms\":500,\"sim_exec_ms\":500}")),
                "every execution is warm_dur_ms: " + planned);
    }

    @Test
    void windowsLineEndsAByteOrderMarkAndQuotedHeadersAreRead() throws IOException {
        Path meta = write("w-metadata.csv", "\uFEFF\"func_name\",\"cold_dur_ms\",\"warm_dur_ms\",\"mem_mb\"\r\n"
                + "f,300,100,128\r\n");
        Path t = write("w.csv", "\uFEFFfunc_name, invoke_time_ms\r\nf,5\r\nf,7\r\n");
        assertTrue(IluvatarTrace.is(t));
        FunctionTrace f = IluvatarTrace.load(t, meta).get(0);
        assertArrayEquals(new long[] {5, 7}, f.invokeAtMs());
        assertEquals(200, f.coldMs());
    }

    @Test
    void theMetadataIsFoundBesideTheTraceOrNamed() throws IOException {
        Path t = trace();
        assertEquals(dir.resolve("four-metadata.csv"), IluvatarTrace.metadataFor(t));
        Path other = write("in.csv", "func_name,invoke_time_ms\na,1\n");
        write("metadata-in.csv", "func_name,cold_dur_ms,warm_dur_ms,mem_mb\na,1,1,1\n");
        assertEquals(dir.resolve("metadata-in.csv"), IluvatarTrace.metadataFor(other));
        Path lone = write("lone.csv", "func_name,invoke_time_ms\na,1\n");
        IOException e = assertThrows(IOException.class, () -> IluvatarTrace.metadataFor(lone));
        assertTrue(e.getMessage().contains("lone-metadata.csv") && e.getMessage().contains("metadata-lone.csv")
                && e.getMessage().contains("--metadata"), e.getMessage());
    }

    @Test
    void badLinesAreErrorsNamingFileAndLine() throws IOException {
        Path meta = write("m.csv", "func_name,cold_dur_ms,warm_dur_ms,mem_mb\na,10,1,64\n");
        assertEquals("t.csv:3: function 'zz' has no line in m.csv",
                message(write("t.csv", "func_name,invoke_time_ms\na,1\nzz,2\n"), meta));
        assertEquals("t.csv:2: invoke_time_ms '1.5' is not a non-negative whole number",
                message(write("t.csv", "func_name,invoke_time_ms\na,1.5\n"), meta));
        assertEquals("t.csv:2: invoke_time_ms '-3' is not a non-negative whole number",
                message(write("t.csv", "func_name,invoke_time_ms\na,-3\n"), meta));
        assertEquals("t.csv:2: 3 columns, 2 expected (func_name,invoke_time_ms)",
                message(write("t.csv", "func_name,invoke_time_ms\na,1,2\n"), meta));
        assertEquals("t.csv:1: header 'func_name,invoke_time_ms' expected",
                message(write("t.csv", "name,time\na,1\n"), meta));
        assertEquals("t.csv:3: invoke_time_ms 2678400001 is past 31 days",
                message(write("t.csv", "func_name,invoke_time_ms\na,1\na,2678400001\n"), meta));
        Path t = write("t.csv", "func_name,invoke_time_ms\na,1\n");
        assertEquals("m2.csv:1: no column 'warm_dur_ms' (the header needs func_name,cold_dur_ms,warm_dur_ms,mem_mb)",
                message(t, write("m2.csv", "func_name,cold_dur_ms,mem_mb\na,1,1\n")));
        assertEquals("m3.csv:2: mem_mb 'lots' is not a number",
                message(t, write("m3.csv", "func_name,cold_dur_ms,warm_dur_ms,mem_mb\na,1,1,lots\n")));
        assertEquals("m4.csv:3: function 'a' is described twice",
                message(t, write("m4.csv", "func_name,cold_dur_ms,warm_dur_ms,mem_mb\na,1,1,1\na,2,2,2\n")));
        assertEquals("m5.csv:2: cold_dur_ms -1 is negative",
                message(t, write("m5.csv", "func_name,cold_dur_ms,warm_dur_ms,mem_mb\na,-1,1,1\n")));
    }

    private static String message(Path trace, Path meta) {
        return assertThrows(IOException.class, () -> IluvatarTrace.load(trace, meta)).getMessage();
    }
}
