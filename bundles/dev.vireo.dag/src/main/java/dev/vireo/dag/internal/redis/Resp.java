package dev.vireo.dag.internal.redis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to Redis speaking RESP2: commands go out as arrays of bulk strings, replies come back as
 * {@code String} (simple string), {@code Long} (integer), {@code byte[]} (bulk string; null for nil), {@code List}
 * (array; null for a nil array) or {@link Error} (an error reply, returned rather than thrown so a pipeline reads
 * every reply). Bulk strings are written and read whole, straight between the caller's byte array and the socket's
 * buffers, so a large value costs its bytes once on each side.
 *
 * <p>Not thread-safe: one caller at a time (the {@link RedisClient}'s pool lends it to one).
 */
final class Resp implements AutoCloseable {
    /** An error reply, e.g. {@code ERR unknown command} or {@code NOSCRIPT ...}. */
    record Error(String message) {
        /** Whether its code (first word) is {@code code}; also as the message of an ERR (a bare word from a script). */
        boolean is(String code) {
            return message.startsWith(code + " ") || message.equals(code) || message.equals("ERR " + code)
                    || message.startsWith("ERR " + code + " ");
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Resp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /** Connects within {@code connectMs}; every read then waits at most {@code readMs}. */
    static Resp connect(String host, int port, int connectMs, int readMs) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(host, port), connectMs);
            s.setSoTimeout(readMs);
            return new Resp(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Sends one command and reads its reply. */
    Object call(byte[]... args) throws IOException {
        write(args);
        out.flush();
        return read();
    }

    /** Sends the commands in one write and reads their replies, in order (one round trip). */
    List<Object> pipeline(List<byte[][]> commands) throws IOException {
        for (byte[][] c : commands) {
            write(c);
        }
        out.flush();
        List<Object> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            replies.add(read());
        }
        return replies;
    }

    private void write(byte[][] args) throws IOException {
        header('*', args.length);
        for (byte[] a : args) {
            header('$', a.length);
            out.write(a);
            out.write(CRLF);
        }
    }

    private void header(char type, int n) throws IOException {
        out.write(type);
        out.write(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
    }

    private Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed by the server");
        }
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> new Error(line);
            case ':' -> Long.parseLong(line);
            case '$' -> bulk(Integer.parseInt(line));
            case '*' -> array(Integer.parseInt(line));
            default -> throw new IOException("not a RESP reply: '" + (char) type + line + "'");
        };
    }

    private byte[] bulk(int length) throws IOException {
        if (length < 0) {
            return null;
        }
        byte[] b = in.readNBytes(length);
        if (b.length < length || in.read() != '\r' || in.read() != '\n') {
            throw new EOFException("connection closed in the middle of a reply");
        }
        return b;
    }

    private List<Object> array(int n) throws IOException {
        if (n < 0) {
            return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            items.add(read());
        }
        return items;
    }

    /** The rest of a line (UTF-8: an error message may quote a value), without its CRLF. */
    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(16);
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new EOFException("connection closed in the middle of a reply");
            }
            b.write(c);
        }
        if (in.read() != '\n') {
            throw new IOException("malformed RESP line: " + b.toString(StandardCharsets.UTF_8));
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
