package dev.vireo.transport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.vireo.api.model.Output;
import dev.vireo.api.spi.transport.AgentReply;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The agent protocol's framing: 4-byte big-endian length, then UTF-8 JSON (agent/python/vireo_agent.py). */
class FramesTest {

    /** Reads from given bytes, at most {@code chunk} bytes per read (as a socket may); writes to a buffer. */
    static final class MemoryChannel implements ByteChannel {
        private final ByteBuffer input;
        private final int chunk;
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        private boolean open = true;

        MemoryChannel(byte[] input, int chunk) {
            this.input = ByteBuffer.wrap(input);
            this.chunk = chunk;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!input.hasRemaining()) {
                return -1;
            }
            int n = Math.min(chunk, Math.min(dst.remaining(), input.remaining()));
            dst.put(input.slice(input.position(), n));
            input.position(input.position() + n);
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            byte[] b = new byte[n];
            src.get(b);
            written.write(b, 0, n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    static byte[] frame(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    static byte[] frame(String json) {
        return frame(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void writeSendsTheUtf8ByteLengthBigEndianThenTheJson() throws IOException {
        MemoryChannel ch = new MemoryChannel(new byte[0], 1);
        JsonObject m = Frames.invoke("t-1", "{\"name\":\"Zoë ✓\"}");
        Frames.write(ch, m);

        byte[] out = ch.written.toByteArray();
        byte[] body = m.toString().getBytes(StandardCharsets.UTF_8);
        assertTrue(body.length > m.toString().length(), "the payload has multi-byte characters");
        assertEquals(body.length, ByteBuffer.wrap(out, 0, 4).getInt());
        assertArrayEquals(body, Arrays.copyOfRange(out, 4, out.length));
        // read back as the Python agent would
        JsonObject back = AgentFrames.read(new ByteArrayInputStream(out));
        assertEquals("invoke", back.get("type").getAsString());
        assertEquals("t-1", back.get("tid").getAsString());
        assertEquals("{\"name\":\"Zoë ✓\"}", back.get("payload").getAsString());
        assertEquals(3, back.size());
    }

    @Test
    void readsFramesBackToBackEvenOneByteAtATime() throws IOException {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(frame("{\"type\":\"ready\",\"pid\":7}"));
        stream.writeBytes(frame("{\"type\":\"result\",\"result\":\"\\\"héllo\\\"\"}"));
        MemoryChannel ch = new MemoryChannel(stream.toByteArray(), 1);

        assertEquals("ready", Frames.read(ch, 1024).get("type").getAsString());
        assertEquals("\"héllo\"", Frames.read(ch, 1024).get("result").getAsString());
        assertThrows(EOFException.class, () -> Frames.read(ch, 1024), "nothing left: the agent closed");
    }

    @Test
    void aFrameOfExactlyTheLimitIsAcceptedOneByteMoreIsRefusedNamingTheSetting() throws IOException {
        String json = "{\"type\":\"result\",\"result\":\"" + "x".repeat(100) + "\"}";
        int size = json.getBytes(StandardCharsets.UTF_8).length;

        assertEquals(json, Frames.read(new MemoryChannel(frame(json), 4096), size).toString());
        IOException e = assertThrows(IOException.class, () -> Frames.read(new MemoryChannel(frame(json), 4096), size - 1));
        assertEquals("agent frame of " + size + " bytes exceeds max.frame.bytes " + (size - 1), e.getMessage());
    }

    @Test
    void aLengthWithTheTopBitSetIsRefusedAsOversizeNotAllocated() {
        byte[] header = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        IOException e = assertThrows(IOException.class, () -> Frames.read(new MemoryChannel(header, 4), 1 << 20));
        assertEquals("agent frame of 4294967295 bytes exceeds max.frame.bytes 1048576", e.getMessage());
    }

    @Test
    void aMalformedFrameIsAnIoErrorSayingSo() {
        for (String body : new String[] {"{\"type\":", "not json at all {", "[1,2]", "\"a string\"", ""}) {
            IOException e = assertThrows(IOException.class, () -> Frames.read(new MemoryChannel(frame(body), 64), 1024),
                    body);
            assertFalse(e instanceof EOFException, body);
            assertTrue(e.getMessage().startsWith("agent sent a malformed frame"), body + " -> " + e.getMessage());
        }
    }

    @Test
    void endOfStreamInsideTheHeaderOrTheBodyIsEof() {
        byte[] full = frame("{\"type\":\"ready\"}");
        for (int cut : new int[] {0, 2, 4, 9, full.length - 1}) {
            byte[] partial = Arrays.copyOf(full, cut);
            EOFException e = assertThrows(EOFException.class, () -> Frames.read(new MemoryChannel(partial, 3), 1024),
                    "cut at " + cut);
            assertEquals("the agent closed the connection", e.getMessage());
        }
    }

    @Test
    void aResultFrameBecomesAnAgentReply() throws IOException {
        JsonObject invoke = Frames.invoke("t-9", "{}");
        AgentReply ok = Frames.reply(AgentFrames.result(invoke, "{\"echo\":{}}", true));
        assertEquals(new AgentReply(1_700_000_000_000_000L, 1_700_000_000_000_250L, 250, true, true, "{\"echo\":{}}",
                "", "", ""), ok);

        AgentReply failed = Frames.reply(AgentFrames.userError(invoke, "KeyError", "'x'", "Traceback ..."));
        assertEquals(new AgentReply(1_700_000_000_000_000L, 1_700_000_000_000_250L, 250, false, false, "", "KeyError",
                "'x'", "Traceback ..."), failed);
    }

    @Test
    void aResultFrameCarriesWhatTheFunctionPrintedOnSuccessAndOnFailure() throws IOException {
        JsonObject invoke = Frames.invoke("t-9", "{}");
        AgentReply ok = Frames.reply(AgentFrames.printed(AgentFrames.result(invoke, "1", false), "héllo ✓\n",
                "warning\n", true));
        assertEquals(new Output("héllo ✓\n", "warning\n", true), ok.output());
        assertEquals("1", ok.result());

        AgentReply failed = Frames.reply(AgentFrames.printed(AgentFrames.userError(invoke, "KeyError", "'x'", "Tb"),
                "step 1\n", "", false));
        assertEquals(new AgentReply(1_700_000_000_000_000L, 1_700_000_000_000_250L, 250, false, false, "", "KeyError",
                "'x'", "Tb", new Output("step 1\n", "", false)), failed);

        assertEquals(Output.NONE, Frames.reply(AgentFrames.result(invoke, "1", false)).output(),
                "an agent that captures nothing");
    }

    @Test
    void aFrameThatIsNotUtf8IsRefusedNamingTheByteNeverDecodedWithReplacements() {
        JsonObject invoke = Frames.invoke("t-1", "{}");
        int at = AgentFrames.result(invoke, "\"@\"", false).toString().indexOf('@');
        for (int[] bad : new int[][] {
                {0xFF}, // never in UTF-8
                {0x80}, // a continuation byte with nothing before it
                {0xC0, 0xAF}, // overlong '/'
                {0xED, 0xA0, 0x80}, // an encoded surrogate (U+D800)
                {0xF4, 0x90, 0x80, 0x80}, // past U+10FFFF
                {0xE2, 0x82}}) { // a sequence cut short (by the closing quote)
            byte[] raw = new byte[bad.length];
            for (int i = 0; i < bad.length; i++) {
                raw[i] = (byte) bad[i];
            }
            byte[] body = AgentFrames.resultWithRawBytes(invoke, raw);
            IOException e = assertThrows(IOException.class, () -> Frames.read(new MemoryChannel(frame(body), 7), 1024),
                    Arrays.toString(bad));
            assertEquals(String.format("agent sent invalid UTF-8 at byte %d (0x%02X)", at, bad[0]), e.getMessage());
            assertFalse(e instanceof EOFException);
        }
        byte[] cutAtTheEnd = {'{', '"', 'a', '"', ':', '"', (byte) 0xF0, (byte) 0x9F, (byte) 0x98};
        assertEquals("agent sent invalid UTF-8 at byte 6 (0xF0)", assertThrows(IOException.class,
                () -> Frames.read(new MemoryChannel(frame(cutAtTheEnd), 64), 1024)).getMessage());
    }

    @Test
    void everyValidUtf8SequenceIsDecodedUnchanged() throws IOException {
        String text = "a é ✓ 😀 \u0000 \uffff \ud83d\ude00 \udbff\udfff";
        JsonObject m = AgentFrames.result(Frames.invoke("t-1", "{}"), "x", false);
        m.addProperty("stdout", text);
        assertEquals(text, Frames.read(new MemoryChannel(frame(m.toString()), 5), 1024).get("stdout").getAsString());
        assertEquals(text, Frames.utf8(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals("", Frames.utf8(new byte[0]));
    }

    @Test
    void missingOrNullFieldsOfAResultTakeNeutralValues() throws IOException {
        JsonObject bare = new JsonObject();
        bare.addProperty("type", "result");
        bare.add("result", com.google.gson.JsonNull.INSTANCE);
        bare.add("stdout", com.google.gson.JsonNull.INSTANCE);
        bare.add("cold", com.google.gson.JsonNull.INSTANCE);
        assertEquals(new AgentReply(0, 0, 0, false, false, "", "", "", ""), Frames.reply(bare));
    }

    @Test
    void aFrameOtherThanAResultIsRefused() {
        IOException e = assertThrows(IOException.class, () -> Frames.reply(AgentFrames.ready()));
        assertTrue(e.getMessage().startsWith("expected a result frame, got {\"type\":\"ready\""), e.getMessage());
    }
}
