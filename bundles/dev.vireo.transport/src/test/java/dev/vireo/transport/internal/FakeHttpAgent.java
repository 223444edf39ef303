package dev.vireo.transport.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 agent on a loopback port, answering GET /ready and POST /invoke like vireo_agent.py's http server, over
 * keep-alive connections. Written on raw sockets so a test controls every byte of a reply.
 */
final class FakeHttpAgent implements AutoCloseable {
    record Request(String method, String path, Map<String, String> headers, String body) {
    }

    /**
     * What to write back for a request: raw bytes, or null to close the connection without answering; an answer that
     * starts with {@code HTTP/1.0} closes the connection after it.
     */
    interface Handler {
        byte[] answer(Request request) throws IOException;
    }

    private final ServerSocket server;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Closes every connection after one answer, whatever the answer says (a server's idle timeout, at once). */
    volatile boolean closeAfterEachAnswer;
    final AtomicInteger accepted = new AtomicInteger();

    /** {@code handler} null: listens but never accepts (a wedged agent: the kernel still completes connects). */
    FakeHttpAgent(Handler handler) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        if (handler != null) {
            threads.add(Thread.ofPlatform().daemon().name("fake-http-agent").start(() -> accept(handler)));
        }
    }

    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    static byte[] response(int status, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private void accept(Handler handler) {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            connections.add(s);
            threads.add(Thread.ofPlatform().daemon().name("fake-http-agent-conn").start(() -> {
                try (s) {
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    for (Request r = read(in); r != null; r = read(in)) {
                        requests.add(r);
                        byte[] answer = handler.answer(r);
                        if (answer == null) {
                            return;
                        }
                        out.write(answer);
                        out.flush();
                        if (closeAfterEachAnswer || new String(answer, 0, Math.min(8, answer.length),
                                StandardCharsets.US_ASCII).equals("HTTP/1.0")) {
                            return; // an HTTP/1.0 server closes after each answer
                        }
                    }
                } catch (IOException e) {
                    // the worker hung up
                }
            }));
        }
    }

    private static Request read(InputStream in) throws IOException {
        String start = line(in);
        if (start == null) {
            return null;
        }
        String[] parts = start.split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        return new Request(parts[0], parts[1], headers, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws Exception {
        server.close();
        for (Socket s : connections) {
            s.close();
        }
        for (Thread t : threads) {
            t.join(5_000);
        }
    }
}
