package dev.vireo.worker.http.internal;

import static dev.vireo.worker.http.internal.Requests.decode;

import com.google.gson.JsonPrimitive;
import com.sun.net.httpserver.HttpExchange;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.trace.TraceContext;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.validation.Results;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * OpenFaaS's gateway routes (docs/api.md, "OpenFaaS routes"): {@code /function/{name}} invokes and answers with the
 * result, {@code /async-function/{name}} answers 202 at once and, given an {@code X-Callback-Url}, posts the result
 * there when the invocation ends. {@code name} is a function's name (when one version of it is registered) or its id.
 * The body is the payload: JSON as it is, any other text as a JSON string (OpenFaaS functions take raw text). The call
 * id ({@code X-Call-Id}) is the transaction id, so the record is in the activation log under it.
 */
final class OpenFaasRoutes {
    private static final System.Logger LOG = System.getLogger(OpenFaasRoutes.class.getName());
    static final String CALL_ID = "X-Call-Id";
    static final String CALLBACK = "X-Callback-Url";

    private final HttpClient callbacks;

    OpenFaasRoutes(HttpClient callbacks) {
        this.callbacks = callbacks;
    }

    /** Whether the path is one of these routes. */
    static boolean matches(String[] parts) {
        return parts.length >= 1 && (parts[0].equals("function") || parts[0].equals("async-function"));
    }

    /** @param worker the node as the caller sees it (a namespace's functions only, for a namespace's token) */
    Answer route(HttpExchange ex, WorkerService worker, String method, String[] parts, String body, String tid,
            TraceContext trace) {
        if (parts.length != 2) {
            throw new HttpError(404, "NOT_FOUND", "use /" + parts[0] + "/{name}");
        }
        boolean async = parts[0].equals("async-function");
        if (ex.getRequestMethod().equals("HEAD")) { // a link checker's HEAD must not run the function
            throw new HttpError(405, "INVALID_REQUEST", "method HEAD not allowed here; use " + (async ? "POST"
                    : "GET or POST"), async ? "POST" : "GET, POST");
        }
        if (!(method.equals("POST") || (!async && method.equals("GET")))) {
            throw new HttpError(405, "INVALID_REQUEST", "method " + method + " not allowed here; use "
                    + (async ? "POST" : "GET or POST"), async ? "POST" : "GET, POST");
        }
        String id = resolve(worker, decode(parts[1]));
        String payload = payload(body, ex.getRequestHeaders().getFirst("Content-Type"));
        if (!async) {
            InvocationRecord r;
            try {
                r = Results.checked(worker.invoke(tid, id, payload, trace).toCompletableFuture().join());
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
            return answer(r);
        }
        URI callback = callback(ex.getRequestHeaders().getFirst(CALLBACK));
        CompletionStage<InvocationRecord> stage = worker.invoke(tid, id, payload, trace); // a refusal throws: answered
        String callId = tid;
        stage.whenComplete((r, e) -> {
            if (callback == null) {
                return;
            }
            try {
                post(callback, id, r, e, callId);
            } catch (RuntimeException ex2) { // never silently: the caller waits for this callback
                LOG.log(Level.WARNING, "[" + callId + "] the callback to " + shown(callback) + " could not be made: "
                        + ex2 + " (the record stays in the activation log under " + callId + ")");
            }
        });
        return new Answer(202, "", Map.of(CALL_ID, tid, HttpApi.TID_HEADER, tid));
    }

    /** The function a route's name means: the id itself, or the one version of the function of that name. */
    private static String resolve(WorkerService worker, String name) {
        List<FunctionSpec> all = worker.functions();
        List<String> named = all.stream().filter(f -> f.id().equals(name)).map(FunctionSpec::id).toList();
        if (!named.isEmpty()) {
            return named.get(0);
        }
        // a name means the caller's namespace's function (the node's own token: the default namespace's)
        String namespace = worker instanceof dev.vireo.api.worker.ScopedWorker s ? s.namespace() : "";
        List<String> versions = all.stream().filter(f -> f.name().equals(name) && f.namespace().equals(namespace))
                .map(FunctionSpec::id).toList();
        if (versions.isEmpty()) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no function named " + name + " is registered");
        }
        if (versions.size() > 1) {
            throw new ValidationException("name", "several versions of " + name + " are registered (" + String.join(
                    ", ", versions) + "): name one by its id, e.g. /function/" + versions.get(versions.size() - 1));
        }
        return versions.get(0);
    }

    /**
     * The body as a payload: declared JSON ({@code application/json}, {@code +json}) is checked as the other routes
     * check it (400 naming {@code payload} when it is not strict JSON); without a type, JSON if it reads as JSON; any
     * other text as a JSON string; nothing (or only whitespace) as no payload.
     */
    static String payload(String body, String contentType) {
        if (body.isBlank()) {
            return "";
        }
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
        if (type.equals("application/json") || type.endsWith("+json")) {
            return JsonText.check("payload", body);
        }
        if (type.isEmpty() || type.equals("application/x-www-form-urlencoded")) { // curl -d's default type
            try {
                return JsonText.check("payload", body);
            } catch (ValidationException e) {
                // text: below
            }
        }
        return new JsonPrimitive(body).toString();
    }

    /** A URL as logs show it: no query (it may carry a secret). */
    private static String shown(URI u) {
        return u.getScheme() + "://" + u.getAuthority() + (u.getPath() == null ? "" : u.getPath());
    }

    /** The answer of a finished invocation: the result text (or the error) with OpenFaaS's headers. */
    private static Answer answer(InvocationRecord r) {
        int status = r.error().map(e -> HttpApi.status(e.kind())).orElse(200);
        String text = r.error().map(e -> Json.error(e.kind().name(), e.message()).toString())
                .orElse(r.result().isEmpty() ? "null" : r.result());
        return new Answer(status, text, Map.of(CALL_ID, r.tid(), HttpApi.TID_HEADER, r.tid(), "X-Duration-Seconds",
                seconds(r.timings().e2eUs())));
    }

    private static String seconds(long us) {
        return String.format(Locale.ROOT, "%.6f", us / 1e6);
    }

    /** The callback URL, or null without one; anything but an absolute http(s) URL is refused, naming the header. */
    static URI callback(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            URI u = new URI(header.strip());
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new ValidationException(CALLBACK, "'" + header + "' is not an absolute http(s) URL");
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            throw new ValidationException(CALLBACK, "'" + header + "' is not a URL: " + e.getReason());
        }
    }

    /** Posts the outcome to the callback, once (OpenFaaS's queue worker does not retry either); a failure is logged. */
    private void post(URI callback, String id, InvocationRecord r, Throwable e, String tid) {
        Answer a;
        if (e == null) {
            a = answer(Results.checked(r));
        } else {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            ErrorKind kind = cause instanceof WorkerException w ? w.kind() : ErrorKind.INTERNAL;
            a = new Answer(HttpApi.status(kind), Json.error(kind.name(), String.valueOf(cause.getMessage())).toString(),
                    Map.of());
        }
        HttpRequest request = HttpRequest.newBuilder(callback).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header(CALL_ID, tid).header("X-Function-Name", id)
                .header("X-Function-Status", Integer.toString(a.status()))
                .header("X-Duration-Seconds", a.headers().getOrDefault("X-Duration-Seconds", "0"))
                .POST(HttpRequest.BodyPublishers.ofString(a.text())).build();
        try {
            callbacks.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
                if (err != null || resp.statusCode() / 100 != 2) {
                    LOG.log(Level.WARNING, "[" + tid + "] the callback to " + shown(callback) + " failed: "
                            + (err != null ? err : "HTTP " + resp.statusCode()) + " (the record stays in the"
                            + " activation log under " + tid + ")");
                }
            });
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "[" + tid + "] the callback to " + shown(callback) + " failed: " + ex);
        }
    }
}
