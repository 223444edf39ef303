package dev.vireo.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Calls to a worker's (or controller's) HTTP API for the client commands: the bearer token on every call, an API
 * that does not answer as exit 3 ({@link CliException#NOT_RUNNING}), and an error answer printed as one line.
 */
final class ApiClient {
    private final String base;
    private final String token;
    private final String namespace;
    private final HttpClient http;

    ApiClient(String base, String token) {
        this(base, token, null);
    }

    /** @param namespace the namespace to act in ({@code X-Vireo-Namespace}), or null or empty for the token's own */
    ApiClient(String base, String token, String namespace) {
        this(base, token, namespace, null);
    }

    /**
     * @param caFile PEM certificates to trust for an https:// API (a private or self-signed certificate); null:
     *               {@code VIREO_CACERT}, else the JDK's trust
     */
    ApiClient(String base, String token, String namespace, String caFile) {
        this.base = base.replaceAll("/+$", "");
        this.token = token;
        this.namespace = namespace;
        String ca = caFile != null ? caFile : System.getenv("VIREO_CACERT");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (ca != null && !ca.isBlank()) {
            try {
                b.sslContext(dev.vireo.api.tls.PemTls.client("--cacert", java.nio.file.Path.of(ca.trim())));
            } catch (dev.vireo.api.model.ValidationException e) {
                throw new CliException(CliException.USAGE, e.getMessage());
            }
        }
        this.http = b.build();
    }

    /** An answer: its status, its body exactly as sent ({@code text}) and parsed, and its headers. */
    record Reply(int status, String text, JsonElement body, Map<String, List<String>> headers) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    Reply call(String method, String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(16))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null && !token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        if (namespace != null && !namespace.isEmpty()) {
            b.header("X-Vireo-Namespace", namespace);
        }
        headers.forEach(b::header);
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException(CliException.NOT_RUNNING, "no worker answers at " + base
                    + " (start one with ./vireo start, or pass --worker URL)");
        } catch (IOException e) {
            throw new CliException(CliException.NOT_RUNNING, "talking to " + base + " failed: " + e.getMessage());
        }
        JsonElement parsed;
        try {
            parsed = r.body().isBlank() ? JsonNull.INSTANCE : JsonParser.parseString(r.body());
        } catch (RuntimeException e) {
            parsed = new JsonPrimitive(r.body());
        }
        return new Reply(r.statusCode(), r.body(), parsed, r.headers().map());
    }

    /** Prints an error reply (as JSON with {@code json}, else one line on stderr); returns the exit code 1. */
    static int failed(Reply r, boolean json) {
        if (json) {
            System.out.println(r.body());
        } else if (r.body().isJsonObject() && r.body().getAsJsonObject().has("error")) {
            JsonObject e = r.body().getAsJsonObject().getAsJsonObject("error");
            System.err.println("vireo: " + e.get("kind").getAsString().toLowerCase(Locale.ROOT).replace('_', ' ') + ": "
                    + e.get("message").getAsString() + " (HTTP " + r.status() + ")");
        } else {
            System.err.println("vireo: HTTP " + r.status() + ": " + r.body());
        }
        return 1;
    }
}
