package dev.vireo.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The BTF blob byte by byte, then loaded and attached to a map that bpftool prints with field names. */
class BtfTest {
    /** struct cg_stats { __u64 runs; __u32 waits; __u32 cpu; __u64 wait_ns; }: 24 bytes, no padding. */
    private static Btf.Builder stats() {
        Btf.Builder b = Btf.builder();
        int u64 = b.u64();
        int u32 = b.u32();
        b.addStruct("cg_stats", new Btf.Member("runs", u64), new Btf.Member("waits", u32),
                new Btf.Member("cpu", u32), new Btf.Member("wait_ns", u64));
        return b;
    }

    @Test
    void theBlobHasTheLayoutTheKernelReads() {
        byte[] blob = stats().encode();
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((short) 0xeB9F, b.getShort(0));
        assertEquals(1, b.get(2), "version");
        assertEquals(24, b.getInt(4), "hdr_len");
        assertEquals(0, b.getInt(8), "type_off");
        int typeLen = 16 + 16 + 12 + 4 * 12;
        assertEquals(typeLen, b.getInt(12), "type_len: two INTs, a struct of four members");
        assertEquals(typeLen, b.getInt(16), "str_off");
        String strings = new String(blob, 24 + typeLen, b.getInt(20), StandardCharsets.US_ASCII);
        assertEquals("\0__u64\0__u32\0cg_stats\0runs\0waits\0cpu\0wait_ns\0", strings);
        int t = 24;
        assertEquals(1, b.getInt(t), "__u64's name_off");
        assertEquals(1 << 24, b.getInt(t + 4), "kind INT");
        assertEquals(8, b.getInt(t + 8), "size");
        assertEquals(64, b.getInt(t + 12), "unsigned, 64 bits");
        int s = 24 + 32;
        assertEquals(4 << 24 | 4, b.getInt(s + 4), "kind STRUCT, 4 members");
        assertEquals(24, b.getInt(s + 8), "struct size");
        int[][] members = {{1, 0}, {2, 64}, {2, 96}, {1, 128}}; // type id, bit offset
        for (int i = 0; i < 4; i++) {
            assertEquals(members[i][0], b.getInt(s + 12 + 12 * i + 4), "member " + i + " type");
            assertEquals(members[i][1], b.getInt(s + 12 + 12 * i + 8), "member " + i + " bit offset");
        }
    }

    @Test
    void membersAreAlignedAsCAlignsThem() {
        Btf.Builder b = Btf.builder();
        int u32 = b.u32();
        int u64 = b.u64();
        int s8 = b.addInt("__s8", 1, true);
        assertEquals(u32, b.u32(), "the same INT again is the same id");
        int inner = b.addStruct("inner", new Btf.Member("a", u32), new Btf.Member("b", u64));
        int outer = b.addStruct("outer", new Btf.Member("c", s8), new Btf.Member("in", inner),
                new Btf.Member("d", s8));
        byte[] blob = b.encode();
        ByteBuffer buf = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        int innerAt = 24 + 3 * 16;
        assertEquals(16, buf.getInt(innerAt + 8), "inner: u32 then u64 at 8, 16 bytes");
        assertEquals(64, buf.getInt(innerAt + 12 + 12 + 8));
        int outerAt = innerAt + 12 + 2 * 12;
        assertEquals(32, buf.getInt(outerAt + 8), "outer: s8, pad 7, inner (16), s8, pad 7");
        assertEquals(64, buf.getInt(outerAt + 12 + 12 + 8), "inner at byte 8");
        assertEquals(192, buf.getInt(outerAt + 12 + 24 + 8), "d at byte 24");
        assertEquals(1 << 24 | 8, buf.getInt(24 + 2 * 16 + 12), "__s8 is signed, 8 bits");
        assertEquals(5, outer);
    }

    @Test
    void mistakesAreRefusedInJava() {
        Btf.Builder b = Btf.builder();
        int u64 = b.u64();
        assertThrows(IllegalArgumentException.class, () -> b.addInt("__u64", 4, false));
        assertThrows(IllegalArgumentException.class, () -> b.addInt("odd", 3, false));
        assertThrows(IllegalArgumentException.class, () -> b.addStruct("bad-name", new Btf.Member("a", u64)));
        IllegalArgumentException later = assertThrows(IllegalArgumentException.class,
                () -> b.addStruct("s", new Btf.Member("a", 7)));
        assertTrue(later.getMessage().contains("type id 7"), later.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> b.addStruct("s", new Btf.Member("a", u64), new Btf.Member("a", u64)));
    }

    @Test
    void aMapWithBtfDumpsWithFieldNames() throws Exception {
        Kernel.assumeBpf();
        Path bpftool = List.of(Path.of("/usr/sbin/bpftool"), Path.of("/usr/bin/bpftool")).stream()
                .filter(Files::isExecutable).findFirst().orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(bpftool != null, "skipped: bpftool is not installed"
                + " (apt-get install bpftool; ./vireo test installs it)");
        Btf.Builder builder = stats();
        BpfMap map;
        try (Btf btf = builder.load()) {
            assertTrue(btf.fd() > 2);
            assertEquals(24, btf.sizeOf(3));
            assertEquals("cg_stats", btf.nameOf(3));
            IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                    () -> MapSpec.hash("vireo_t_btf", 8, 16, 4).withBtf(btf, 1, 3));
            assertTrue(mismatch.getMessage().contains("'cg_stats') is 24 bytes but valueSize is 16"),
                    mismatch.getMessage());
            map = BpfMap.create(MapSpec.hash("vireo_t_btf", 8, 24, 4).withBtf(btf, 1, 3));
        } // the map holds its own reference to the BTF
        try (map) {
            assertTrue(map.btfId() > 0, "the map has BTF attached");
            byte[] v = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(5).putInt(3).putInt(2)
                    .putLong(123_456_789L).array();
            map.update(7, v);
            String plain = run(bpftool.toString(), "map", "dump", "id", Integer.toString(map.id()));
            for (String field : List.of("\"key\": 7", "\"runs\": 5", "\"waits\": 3", "\"cpu\": 2",
                    "\"wait_ns\": 123456789")) {
                assertTrue(plain.contains(field), "bpftool map dump shows " + field + ":\n" + plain);
            }
            String json = run(bpftool.toString(), "-j", "map", "dump", "id", Integer.toString(map.id()));
            assertTrue(json.contains("\"formatted\":{\"key\":7,\"value\":{\"runs\":5,\"waits\":3,\"cpu\":2,"
                    + "\"wait_ns\":123456789}}"), json);
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }
}
