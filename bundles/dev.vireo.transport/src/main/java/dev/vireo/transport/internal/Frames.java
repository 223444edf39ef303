package dev.vireo.transport.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.Output;
import dev.vireo.api.spi.transport.AgentReply;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The agent protocol's framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON
 * (see agent/python/vireo_agent.py).
 */
final class Frames {
    private Frames() {
    }

    static void write(ByteChannel channel, JsonObject message) throws IOException {
        byte[] body = message.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
    }

    static JsonObject read(ByteChannel channel, int maxBytes) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4);
        fill(channel, header);
        int length = header.flip().getInt();
        if (length < 0 || length > maxBytes) {
            throw new IOException("agent frame of " + Integer.toUnsignedString(length) + " bytes exceeds max.frame.bytes "
                    + maxBytes);
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        fill(channel, body);
        String text = utf8(body.array());
        try {
            return JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException("agent sent a malformed frame: " + e.getMessage(), e);
        }
    }

    /**
     * A frame's bytes as text, decoded strictly: bytes that are not UTF-8 are an error, never replaced by U+FFFD (which
     * would pass on a result, or output, other than the one the agent sent). The agent sends ASCII only
     * (json.dumps escapes the rest), so such a frame means a broken agent or a corrupted stream: the IOException makes
     * the invocation CONTAINER_FAILED and the container is replaced, as for any other malformed frame. Not
     * USER_ERROR: the function's own text cannot produce it, and the container would be kept.
     */
    static String utf8(byte[] bytes) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never decodes to more chars than bytes
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new IOException(String.format(Locale.ROOT, "agent sent invalid UTF-8 at byte %d (0x%02X)",
                    in.position(), bytes[in.position()] & 0xff));
        }
        return out.flip().toString();
    }

    private static void fill(ByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("the agent closed the connection");
            }
        }
    }

    static JsonObject invoke(String tid, String payload) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "invoke");
        o.addProperty("tid", tid);
        o.addProperty("payload", payload);
        return o;
    }

    static AgentReply reply(JsonObject o) throws IOException {
        if (!"result".equals(string(o, "type"))) {
            throw new IOException("expected a result frame, got " + o);
        }
        return new AgentReply(number(o, "start_us"), number(o, "end_us"), number(o, "duration_us"),
                bool(o, "cold"), bool(o, "success"),
                string(o, "result"), string(o, "error_type"), string(o, "error_message"), string(o, "traceback"),
                new Output(string(o, "stdout"), string(o, "stderr"), bool(o, "output_truncated")),
                new AgentReply.Stamps(0, number(o, "in_ns"), number(o, "out_ns"), 0));
    }

    static boolean bool(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() && o.get(key).getAsBoolean();
    }

    static String string(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : "";
    }

    static long number(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsLong() : 0;
    }
}
