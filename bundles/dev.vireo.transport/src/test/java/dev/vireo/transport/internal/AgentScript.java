package dev.vireo.transport.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/** What a fake agent does with one connection (uds) or one opening of a FIFO pair (pipe). */
interface AgentScript {
    void serve(InputStream in, OutputStream out) throws IOException;

    /**
     * agent/python/vireo_agent.py with a handler that returns {"echo": payload}, or raises ValueError when the
     * payload is {"raise": message}; with {"print": text} it prints the text to stdout and "warning: " + text to
     * stderr first. Over a socket it greets with "ready" unasked; over pipes it answers "hello".
     */
    final class Python implements AgentScript {
        private final boolean greet;
        private final AtomicBoolean cold = new AtomicBoolean(true);
        /** Every frame the agent received, in order. */
        final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();

        Python(boolean greet) {
            this.greet = greet;
        }

        @Override
        public void serve(InputStream in, OutputStream out) throws IOException {
            if (greet) {
                AgentFrames.write(out, AgentFrames.ready());
            }
            for (JsonObject m = AgentFrames.read(in); m != null; m = AgentFrames.read(in)) {
                received.add(m);
                String type = m.get("type").getAsString();
                if (type.equals("hello")) {
                    AgentFrames.write(out, AgentFrames.ready());
                } else if (type.equals("invoke")) {
                    boolean first = cold.getAndSet(false);
                    var args = JsonParser.parseString(m.get("payload").getAsString());
                    JsonObject reply = args.isJsonObject() && args.getAsJsonObject().has("raise")
                            ? AgentFrames.userError(m, "ValueError", args.getAsJsonObject().get("raise").getAsString(),
                                    "Traceback (most recent call last):\n  File \"main.py\", line 2, in handle\nValueError")
                            : AgentFrames.result(m, AgentFrames.echo(m), first);
                    if (args.isJsonObject() && args.getAsJsonObject().has("print")) {
                        String text = args.getAsJsonObject().get("print").getAsString();
                        AgentFrames.printed(reply, text + "\n", "warning: " + text + "\n", false);
                    }
                    AgentFrames.write(out, reply);
                } else {
                    throw new IOException("unexpected frame " + m);
                }
            }
        }
    }
}
