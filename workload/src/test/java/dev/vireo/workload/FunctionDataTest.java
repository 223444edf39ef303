package dev.vireo.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.FunctionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Function-data files (what characterize writes) and the mapping of trace functions onto them. */
class FunctionDataTest {
    @TempDir
    Path dir;

    private static FunctionData.Characterized real(String name, double warm, int memory) {
        return new FunctionData.Characterized(name, warm + 300, warm, memory, 300, "/ex/" + name, "main.handle",
                "process", 3, 10);
    }

    private static FunctionTrace traced(String name, double warm, double memory) {
        var d = new FunctionTrace.Durations(warm, 10, warm, warm * 10, warm, warm, warm, warm, warm, warm, warm);
        return new FunctionTrace("o", "a", name, "http", new int[] {2, 1}, d, memory);
    }

    private static final List<FunctionData.Characterized> SUITE = List.of(real("fb-matmul", 10, 256),
            real("fb-float", 20, 128), real("fb-template", 18, 512), real("fb-gzip", 60, 256),
            real("fb-image", 45, 256), real("fb-long", 2_000, 256));

    @Test
    void writtenDataReadsBackAndIsIluvatarMetadataToo() throws IOException {
        Path f = dir.resolve("fb.csv");
        FunctionData.write(f, SUITE);
        assertEquals(SUITE.stream().map(c -> c.name() + c.warmMs() + c.memoryMb()).toList(),
                FunctionData.read(f).stream().map(c -> c.name() + c.warmMs() + c.memoryMb()).toList());
        var meta = IluvatarTrace.metadata(f);
        assertEquals(new IluvatarTrace.Meta(2_300, 2_000, 256), meta.get("fb-long"),
                "the first columns are Ilúvatar's: its load generator reads the file as metadata");
    }

    @Test
    void eachTraceFunctionReplaysAsTheClosestByWarmTimeThenMemory() {
        assertEquals("fb-matmul", FunctionData.closest(traced("t1", 9, 100), SUITE).name());
        // 18 and 20 ms are within 10 % of 19: one step on the log scale; then memory decides
        assertEquals("fb-float", FunctionData.closest(traced("t2", 19, 128), SUITE).name());
        assertEquals("fb-template", FunctionData.closest(traced("t3", 19, 500), SUITE).name());
        assertEquals("fb-long", FunctionData.closest(traced("t4", 50_000, 64), SUITE).name());
        assertEquals("fb-matmul", FunctionData.closest(traced("t5", 0, 64), SUITE).name(), "0 ms: the fastest");
        assertEquals(Map.of("fb-float", 1, "fb-image", 1), FunctionData.counts(FunctionData.map(
                List.of(traced("a", 21, 128), traced("b", 44, 256)), SUITE)));
    }

    @Test
    void aMappedTraceRegistersTheRealCodeAndCallsItWithAnEmptyPayload() {
        FunctionTrace t = traced("f", 45, 600);
        TraceMapping m = new TraceMapping(List.of(t), "process", "/ex/sleep", SUITE);
        FunctionSpec spec = m.spec(t);
        assertEquals("/ex/fb-image", spec.codeDir());
        assertEquals(600, spec.memoryMb(), "the trace's memory where larger than what it was measured with");
        assertEquals(256, new TraceMapping(List.of(traced("g", 45, 64)), "process", "", SUITE)
                .spec(traced("g", 45, 64)).memoryMb(), "else what it ran in when measured");
        List<TraceMapping.Planned> plan = m.payloads(TraceMapping.plan(List.of(t), 1, 0));
        assertEquals(3, plan.size());
        assertTrue(plan.stream().allMatch(p -> p.payload().equals("{}")), plan.toString());
        assertTrue(TraceMapping.plan(List.of(t), 1, 0).get(0).payload().contains("\"ms\""), "unmapped: a drawn time");
        assertEquals("/ex/sleep", new TraceMapping(List.of(t), "process", "/ex/sleep").spec(t).codeDir());
        assertThrows(IllegalArgumentException.class, () -> new TraceMapping(List.of(t), "sim", "", SUITE));
    }

    @Test
    void malformedDataSaysWhereAndWhat() throws IOException {
        assertEquals("d.csv:2: warm_dur_ms 'x' is not a non-negative number",
                bad("fb,1,x,128,1,/c,main.handle,process,1,1"));
        assertEquals("d.csv:2: 3 columns, 10 expected (" + FunctionData.HEADER + ")", bad("fb,1,2"));
        assertEquals("d.csv:2: mem_mb '1.5' is not a whole number", bad("fb,1,2,1.5,1,/c,main.handle,process,1,1"));
        assertEquals("d.csv:3: function 'fb' is described twice", bad("fb,1,2,128,1,/c,main.handle,process,1,1\n"
                + "fb,1,2,128,1,/c,main.handle,process,1,1"));
        assertEquals("d.csv:2: code is empty", bad("fb,1,2,128,1,,main.handle,process,1,1"));
        Files.writeString(dir.resolve("h.csv"), "func_name,cold_dur_ms,warm_dur_ms,mem_mb\n");
        assertTrue(assertThrows(IOException.class, () -> FunctionData.read(dir.resolve("h.csv"))).getMessage()
                .startsWith("h.csv:1: header"));
        assertTrue(assertThrows(IOException.class, () -> FunctionData.read(dir.resolve("none.csv"))).getMessage()
                .contains("characterize writes one"));
    }

    private String bad(String lines) throws IOException {
        Path f = Files.writeString(dir.resolve("d.csv"), FunctionData.HEADER + "\n" + lines + "\n");
        return assertThrows(IOException.class, () -> FunctionData.read(f)).getMessage();
    }
}
