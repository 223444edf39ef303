package dev.vireo.transport.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The agent's side of the frame protocol, written from agent/python/vireo_agent.py and independently of
 * {@link Frames}, so the tests check the transports against the protocol rather than against themselves.
 */
final class AgentFrames {
    private AgentFrames() {
    }

    /** The next frame, or null at a clean end of stream (the worker closed its end). */
    static JsonObject read(InputStream in) throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length == 0) {
            return null;
        }
        if (header.length < 4) {
            throw new EOFException("end of stream inside a frame header");
        }
        int length = ByteBuffer.wrap(header).getInt(); // struct.unpack(">I", header)
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new EOFException("end of stream inside a frame body");
        }
        return JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    static void write(OutputStream out, JsonObject message) throws IOException {
        write(out, message.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A frame of exactly these bytes, as a broken agent might send. */
    static void write(OutputStream out, byte[] body) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(body.length).array()); // struct.pack(">I", len(data))
        out.write(body);
        out.flush();
    }

    static JsonObject ready() {
        JsonObject o = new JsonObject();
        o.addProperty("type", "ready");
        o.addProperty("pid", 4242);
        o.addProperty("handler", "main.handle");
        return o;
    }

    /** What the agent sends instead of "ready" when the handler cannot be loaded. */
    static JsonObject loadError(String type, String message) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "error");
        o.addProperty("error_type", type);
        o.addProperty("error_message", message);
        o.addProperty("traceback", "Traceback (most recent call last): ...");
        return o;
    }

    static JsonObject result(JsonObject invoke, String result, boolean cold) {
        JsonObject o = timed(invoke, cold);
        o.addProperty("success", true);
        o.addProperty("result", result);
        return o;
    }

    static JsonObject userError(JsonObject invoke, String type, String message, String traceback) {
        JsonObject o = timed(invoke, false);
        o.addProperty("success", false);
        o.addProperty("error_type", type);
        o.addProperty("error_message", message);
        o.addProperty("traceback", traceback);
        return o;
    }

    /** {@code reply} with what the function wrote during the invocation, as vireo_agent.py adds it. */
    static JsonObject printed(JsonObject reply, String stdout, String stderr, boolean truncated) {
        reply.addProperty("stdout", stdout);
        reply.addProperty("stderr", stderr);
        reply.addProperty("output_truncated", truncated);
        return reply;
    }

    /**
     * A result frame whose result string holds {@code bad} raw: "{"type":"result",...,"result":"\"<bad>\""}" in
     * bytes, with the offset of {@code bad} in it.
     */
    static byte[] resultWithRawBytes(JsonObject invoke, byte[] bad) {
        String text = result(invoke, "\"@\"", false).toString();
        int at = text.indexOf('@');
        byte[] head = text.substring(0, at).getBytes(StandardCharsets.UTF_8);
        byte[] tail = text.substring(at + 1).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(head.length + bad.length + tail.length).put(head).put(bad).put(tail).array();
    }

    private static JsonObject timed(JsonObject invoke, boolean cold) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "result");
        o.addProperty("tid", invoke.get("tid").getAsString());
        o.addProperty("start_us", 1_700_000_000_000_000L);
        o.addProperty("end_us", 1_700_000_000_000_250L);
        o.addProperty("duration_us", 250);
        o.addProperty("cold", cold);
        return o;
    }

    /** {"echo": <payload>} as JSON text, as a handler returning its argument inside an object would. */
    static String echo(JsonObject invoke) {
        JsonObject o = new JsonObject();
        o.add("echo", JsonParser.parseString(invoke.get("payload").getAsString()));
        return o.toString();
    }
}
