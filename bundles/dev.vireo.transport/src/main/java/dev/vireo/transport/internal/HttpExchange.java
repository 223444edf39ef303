package dev.vireo.transport.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client on one connection, one request at a time: what the {@code http} and {@code openwhisk}
 * transports speak to the server in a container. Written here rather than taken from a library: the JDK's HttpClient
 * costs more per call than the agent does (a thread hand-off and a connection pool per exchange), and a container's
 * server needs only requests with a JSON body and replies with a length, chunks, or a body up to the connection's close.
 */
final class HttpExchange {
    /** A reply: its status, its body as text, and whether the server keeps the connection open for the next request. */
    record Response(int status, String body, boolean keepAlive) {
    }

    /**
     * The exchange failed before a byte of the answer came: the request could not be written, or the connection was
     * closed without an answer (a kept connection the server had closed while idle: it never read the request).
     */
    static final class Unanswered extends EOFException {
        private static final long serialVersionUID = 1L;

        Unanswered(String message) {
            super(message);
        }
    }

    /** Writes a request body of a length known ahead. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final String host;
    private final int maxBody;
    private final String who;
    private final InputStream in;
    private final OutputStream out;

    /** {@code who}: the server as messages name it ("agent", "runtime"). */
    HttpExchange(SocketChannel socket, String host, int maxBody, String who) {
        this.host = host;
        this.maxBody = maxBody;
        this.who = who;
        this.in = new BufferedInputStream(Channels.newInputStream(socket), 8192);
        this.out = Channels.newOutputStream(socket);
    }

    /** Sends a request ({@code body} null: none) and reads the whole reply. */
    Response exchange(String method, String path, String body) throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (body == null ? "" : "Content-Type: application/json\r\n")
                + "Content-Length: " + content.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[h.length + content.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(content, 0, request, h.length, content.length);
        try {
            out.write(request);
            out.flush();
        } catch (IOException e) {
            throw new Unanswered("the request could not be sent to the " + who + ": " + e.getMessage());
        }
        return read();
    }

    /** Sends a JSON request whose body {@code body} writes, {@code length} bytes (a large one, never held whole). */
    Response exchange(String method, String path, long length, Body body) throws IOException {
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + length + "\r\n\r\n";
        java.io.BufferedOutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
        try {
            buffered.write(head.getBytes(StandardCharsets.US_ASCII));
            body.writeTo(buffered);
            buffered.flush();
        } catch (IOException e) {
            throw new Unanswered("the request could not be sent to the " + who + ": " + e.getMessage());
        }
        return read();
    }

    private Response read() throws IOException {
        String status;
        try {
            status = line();
        } catch (EOFException e) {
            throw new Unanswered("the " + who + " closed the connection");
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
            throw new IOException(who + " sent a malformed status line: " + status);
        }
        boolean keepAlive = parts[0].equals("HTTP/1.1");
        long length = -1;
        boolean chunked = false;
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = header.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> length = parseLength(value);
                case "transfer-encoding" -> chunked = value.endsWith("chunked");
                case "connection" -> keepAlive = value.contains("keep-alive") || (keepAlive && !value.contains("close"));
                default -> { }
            }
        }
        byte[] reply;
        if (chunked) {
            reply = chunks();
        } else if (length >= 0) {
            if (length > maxBody) {
                throw tooLong(length);
            }
            reply = in.readNBytes((int) length);
            if (reply.length < length) {
                throw new EOFException("the " + who + " closed the connection");
            }
        } else if (!keepAlive) { // the body ends where the connection does
            reply = upTo(in, maxBody);
        } else {
            throw tooLong(-1);
        }
        return new Response(Integer.parseInt(parts[1]), Frames.utf8(reply), keepAlive);
    }

    private IOException tooLong(long length) {
        return new IOException(who + " reply of " + length + " bytes: missing or beyond max.frame.bytes " + maxBody);
    }

    private long parseLength(String value) throws IOException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IOException(who + " sent a bad Content-Length: " + value);
        }
    }

    private byte[] chunks() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException(who + " sent a bad chunk size: " + sizeLine);
            }
            if (size == 0) {
                for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
                    // trailers: none used
                }
                return body.toByteArray();
            }
            if (size < 0 || body.size() + size > maxBody) {
                throw tooLong(body.size() + size);
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length < size) {
                throw new EOFException("the " + who + " closed the connection");
            }
            body.writeBytes(chunk);
            line(); // the CRLF after the chunk
        }
    }

    private byte[] upTo(InputStream in, int max) throws IOException {
        byte[] body = in.readNBytes(max + 1);
        if (body.length > max) {
            throw tooLong(body.length);
        }
        return body;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the " + who + " closed the connection");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
            if (sb.length() > 8192) {
                throw new IOException(who + " sent a header line over 8 KB");
            }
        }
        return sb.toString();
    }
}
