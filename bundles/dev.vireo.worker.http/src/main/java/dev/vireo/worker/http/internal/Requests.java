package dev.vireo.worker.http.internal;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What every route reads from a request, checked the same way: header limits, the body within a size limit, the
 * method, path segments and query parameters (decoded). Failures are {@link HttpError}s. Stateless.
 */
final class Requests {
    private Requests() {
    }

    /** 431 past {@link HttpApi#MAX_HEADERS} header fields or {@link HttpApi#MAX_HEADER_BYTES} of them. */
    static void checkHeaders(HttpExchange ex) {
        int fields = 0;
        long bytes = 0;
        for (Map.Entry<String, List<String>> e : ex.getRequestHeaders().entrySet()) {
            for (String v : e.getValue()) {
                fields++;
                bytes += e.getKey().length() + (v == null ? 0 : v.length()) + 32;
            }
        }
        if (fields > HttpApi.MAX_HEADERS || bytes > HttpApi.MAX_HEADER_BYTES) {
            throw new HttpError(431, "INVALID_REQUEST", "request has " + fields + " header fields of " + bytes
                    + " bytes; at most " + HttpApi.MAX_HEADERS + " fields and " + HttpApi.MAX_HEADER_BYTES
                    + " bytes are accepted", null, true);
        }
    }

    /**
     * The body, at most {@code limit} bytes (413 past it, naming the setting {@code key}); a body the JDK server
     * cannot decode (a bad chunk size) is 400 and the connection is closed.
     */
    static byte[] body(HttpExchange ex, int limit, String key) throws IOException {
        try {
            return readBody(ex, limit, key);
        } catch (HttpError e) {
            throw e;
        } catch (IOException e) {
            // the JDK server's chunked decoder: a bad chunk size or framing. Answer, then close the connection: the
            // rest of the stream cannot be parsed into requests
            throw new HttpError(400, "INVALID_REQUEST", "malformed request body (" + e.getMessage() + ")", null,
                    true);
        }
    }

    private static byte[] readBody(HttpExchange ex, int limit, String key) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "INVALID_REQUEST", "bad Content-Length '" + length + "'");
            }
            if (declared > limit) {
                // read (and drop) a moderately oversized body, so the client sees the 413 rather than a reset
                // connection; a huge one is not worth reading
                if (declared <= 4L * limit) {
                    try (InputStream in = ex.getRequestBody()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    }
                }
                throw new HttpError(413, "INVALID_REQUEST", "request body of " + declared
                        + " bytes is larger than " + key + " " + limit);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                throw new HttpError(413, "INVALID_REQUEST", "request body is larger than " + key + " " + limit);
            }
            return bytes;
        }
    }

    /** Refuses any method but the last one named (the one this branch serves); 405 lists all in Allow. */
    static void only(String method, String... allowed) {
        if (!method.equals(allowed[allowed.length - 1])) {
            String list = String.join(", ", allowed);
            throw new HttpError(405, "INVALID_REQUEST", "method " + method + " not allowed here; use "
                    + String.join(" or ", allowed), list.contains("GET") ? list + ", HEAD" : list);
        }
    }

    /** A path segment or query part, percent-decoded. */
    static String decode(String segment) {
        return URLDecoder.decode(segment, StandardCharsets.UTF_8);
    }

    /** The query parameter's decoded value ("" when given without one), or null when absent. */
    static String query(HttpExchange ex, String key) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            String[] kv = pair.split("=", 2);
            if (decode(kv[0]).equals(key)) {
                return kv.length == 2 ? decode(kv[1]) : "";
            }
        }
        return null;
    }
}
