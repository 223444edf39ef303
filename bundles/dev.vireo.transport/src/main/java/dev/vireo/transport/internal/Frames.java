package dev.vireo.transport.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.spi.transport.AgentReply;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;

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
        try {
            return JsonParser.parseString(new String(body.array(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException("agent sent a malformed frame: " + e.getMessage(), e);
        }
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
                o.has("cold") && o.get("cold").getAsBoolean(), o.has("success") && o.get("success").getAsBoolean(),
                string(o, "result"), string(o, "error_type"), string(o, "error_message"), string(o, "traceback"));
    }

    static String string(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : "";
    }

    static long number(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsLong() : 0;
    }
}
