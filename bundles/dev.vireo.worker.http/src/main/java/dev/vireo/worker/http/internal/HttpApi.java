package dev.vireo.worker.http.internal;

import static dev.vireo.worker.http.internal.Requests.decode;
import static dev.vireo.worker.http.internal.Requests.only;
import static dev.vireo.worker.http.internal.Requests.query;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.metrics.MetricsExporter;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.validation.JsonText;
import dev.vireo.api.validation.Results;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerEndpoint;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The worker's HTTP/JSON API (see docs/api.md). Every request is validated; bad input gets a 4xx with
 * {@code {"error":{"kind":..., "message":...}}}, never a crash. Handlers run on the scheduler's executor.
 */
@Component(immediate = true, configurationPid = "vireo.worker.http")
@Designate(ocd = HttpApi.Config.class)
public final class HttpApi {
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
    static final String TID_HEADER = "X-Vireo-Tid";
    /** Most header fields a request may carry; more get 431 (the JDK server resets only past {@link #JDK_MAX_HEADERS}). */
    static final int MAX_HEADERS = 100;
    /** Most bytes of header fields (names + values + 32 per field, as RFC 7541 counts); more get 431. */
    static final int MAX_HEADER_BYTES = 64 * 1024;
    static final int JDK_MAX_HEADERS = 2_000;

    static {
        // The JDK server drops a connection without an answer when its own limits are hit (200 headers, 380 KB of
        // them), and never times out a half-sent request. Its limits are JVM-wide system properties read once, when
        // the first server starts: set them wide, so that this API answers 431 itself below them, and give a
        // request 30 s to arrive (headers and body) unless the JVM was started with other values.
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqHeaders", Integer.toString(JDK_MAX_HEADERS));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqHeaderSize", Integer.toString(1024 * 1024));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", "30");
    }

    @ObjectClassDefinition(name = "Vireo worker HTTP API", description = "The worker's HTTP/JSON endpoint.")
    public @interface Config {
        @AttributeDefinition(name = "Bind address", description = "Address to listen on.")
        String bind() default "127.0.0.1";

        @AttributeDefinition(name = "Port", description = "TCP port; 0 picks a free one (logged, and listed in run/NAME/ready). The profiles set it (vireo.http.port in distro/profiles): worker and all-in-one 8070, controller 8080.", min = "0", max = "65535")
        int port() default 8070;

        @AttributeDefinition(name = "Maximum body (bytes)", description = "Largest request body accepted, in bytes; larger ones get 413.", min = "1024")
        int max_body_bytes() default 6 * 1024 * 1024;

        @AttributeDefinition(name = "Maximum workflow body (bytes)", description = "Largest workflow spec (POST /dags body) accepted, in bytes; larger ones get 413. Every other request has max.body.bytes.", min = "1024")
        int max_dag_body_bytes() default 64 * 1024 * 1024;

        @AttributeDefinition(name = "Bearer token", description = "If set, every request but GET /health needs 'Authorization: Bearer <token>'.")
        String auth_token() default "";

        @AttributeDefinition(name = "TLS certificate file", description = "PEM certificate chain (its own certificate first): with tls.key.file, the API serves HTTPS only. Empty: plain HTTP.")
        String tls_cert_file() default "";

        @AttributeDefinition(name = "TLS key file", description = "PEM PKCS#8 private key (-----BEGIN PRIVATE KEY-----) of tls.cert.file.")
        String tls_key_file() default "";

        @AttributeDefinition(name = "Namespace tokens", description = "Bearer tokens of namespaces, 'namespace:token' entries separated by commas (several per namespace to rotate them; each 16-512 characters): a request with one acts in that namespace only (its functions, its registrations); the node's auth.token acts in any (header X-Vireo-Namespace picks one). Needs auth.token.")
        String namespace_tokens() default "";

        @AttributeDefinition(name = "Drain (ms)", description = "At stop (vireo stop, systemd's stop, a TERM): how many milliseconds requests in progress (an invocation waiting for its function) may take to be answered after the API stops taking new ones; then their connections are closed. The JDK's server rounds it up to a multiple of 1000; 0 closes them at once.", min = "0", max = "600000")
        long drain_ms() default 10_000;
    }

    private final WorkerService worker;
    private volatile MetricsExporter metrics;
    private volatile ClusterService cluster;
    private volatile DagService dags;
    private final DagRoutes dagRoutes;
    private final HttpServer server;
    private final int maxBody;
    private final long drainMs;
    private final int maxDagBody;
    private final String token;
    private final dev.vireo.api.worker.NamespaceTokens namespaceTokens;

    private final org.osgi.framework.ServiceRegistration<WorkerEndpoint> endpoint;
    private final OpenFaasRoutes openFaas;
    private final java.net.http.HttpClient callbacks;

    @Activate
    public HttpApi(org.osgi.framework.BundleContext context, @Reference WorkerService worker,
            @Reference TaskScheduler scheduler, Config config) throws IOException {
        if (config.port() < 0 || config.port() > 65_535 || config.max_body_bytes() < 1_024
                || config.max_dag_body_bytes() < 1_024) {
            throw new IllegalArgumentException("port must be 0-65535, max.body.bytes and max.dag.body.bytes at least"
                    + " 1024");
        }
        if (config.drain_ms() < 0 || config.drain_ms() > 600_000) {
            throw new IllegalArgumentException("drain.ms must be 0-600000");
        }
        this.worker = worker;
        this.drainMs = config.drain_ms();
        this.maxBody = config.max_body_bytes();
        this.maxDagBody = config.max_dag_body_bytes();
        this.dagRoutes = new DagRoutes(() -> dags, worker::name);
        this.callbacks = java.net.http.HttpClient.newBuilder().executor(scheduler)
                .connectTimeout(java.time.Duration.ofSeconds(10)).build();
        this.openFaas = new OpenFaasRoutes(callbacks);
        this.token = config.auth_token();
        this.namespaceTokens = dev.vireo.api.worker.NamespaceTokens.configured("namespace.tokens",
                config.namespace_tokens(), token);
        boolean tls = dev.vireo.api.tls.PemTls.configured(config.tls_cert_file(), config.tls_key_file());
        if (tls) {
            javax.net.ssl.SSLContext ssl; // before the port is bound: a bad file leaves nothing open
            try {
                ssl = dev.vireo.api.tls.PemTls.server("tls.cert.file", java.nio.file.Path.of(config.tls_cert_file()),
                        "tls.key.file", java.nio.file.Path.of(config.tls_key_file()));
            } catch (RuntimeException e) {
                callbacks.close();
                throw e;
            }
            com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(
                    new InetSocketAddress(config.bind(), config.port()), 1024);
            https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ssl));
            this.server = https;
        } else {
            this.server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 1024);
        }
        server.setExecutor(scheduler);
        server.createContext("/", this::handle);
        server.start();
        String address = (tls ? "https://" : "http://") + config.bind() + ":" + server.getAddress().getPort();
        LOG.log(Level.INFO, "worker HTTP API on " + address + (token.isEmpty() ? "" : " (bearer token required)")
                + (namespaceTokens.isEmpty() ? "" : "; namespaces with tokens: "
                        + String.join(", ", namespaceTokens.namespaces())));
        endpoint = context.registerService(WorkerEndpoint.class, new WorkerEndpoint() {
            @Override
            public String protocol() {
                return "http";
            }

            @Override
            public String address() {
                return address;
            }
        }, new java.util.Hashtable<>(Map.of(WorkerEndpoint.PROTOCOL, "http")));
    }

    @Deactivate
    void close() {
        endpoint.unregister();
        // no new exchanges; those in progress are answered while the worker they need is still there (this component
        // goes before the service it references), for up to drain.ms
        server.stop((int) Math.ceil(drainMs / 1000.0));
        callbacks.shutdown(); // callbacks in flight are abandoned with the node (their records stay in the log)
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setMetrics(MetricsExporter exporter) {
        metrics = exporter;
    }

    void unsetMetrics(MetricsExporter exporter) {
        if (metrics == exporter) {
            metrics = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setCluster(ClusterService service) {
        cluster = service;
    }

    void unsetCluster(ClusterService service) {
        if (cluster == service) {
            cluster = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setDags(DagService service) {
        dags = service;
    }

    void unsetDags(DagService service) {
        if (dags == service) {
            dags = null;
        }
    }

    /** Seconds a client is asked to wait before it retries a 429 or 503 ({@code Retry-After}). */
    static final String RETRY_AFTER_S = "1";

    private void handle(HttpExchange ex) throws IOException {
        String tid = ex.getRequestHeaders().getFirst(TID_HEADER);
        try (ex) {
            Answer answer;
            try {
                answer = route(ex);
            } catch (HttpError e) {
                Map<String, String> headers = new java.util.HashMap<>();
                if (e.allow != null) {
                    headers.put("Allow", e.allow);
                }
                if (e.close) {
                    headers.put("Connection", "close");
                }
                answer = new Answer(e.status, Json.error(e.kind, e.getMessage()), headers);
            } catch (ValidationException e) {
                answer = new Answer(400, Json.error("INVALID_REQUEST", e.getMessage()));
            } catch (WorkerException e) {
                answer = new Answer(status(e.kind()), Json.error(e.kind().name(), e.getMessage()));
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "[" + tid + "] " + ex.getRequestMethod() + " " + ex.getRequestURI() + " failed", e);
                answer = new Answer(500, Json.error("INTERNAL", "internal error: " + e));
            }
            // every text here is valid Unicode (bodies are decoded strictly, results checked), so nothing is replaced
            byte[] body = answer.text().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            answer.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            if ((answer.status() == 429 || answer.status() == 503) && !answer.headers().containsKey("Retry-After")) {
                // overloaded, or no worker/resources now: a client may try again, not at once
                ex.getResponseHeaders().set("Retry-After", RETRY_AFTER_S);
            }
            if (ex.getRequestMethod().equals("HEAD")) {
                // the headers of the GET, no body: a length with HEAD makes the JDK server log a warning
                ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
                ex.sendResponseHeaders(answer.status(), -1);
                return;
            }
            ex.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private Answer route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod().equals("HEAD") ? "GET" : ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        String[] parts = path.replaceAll("^/+|/+$", "").split("/", -1);
        Requests.checkHeaders(ex);
        WorkerService w = parts.length == 1 && parts[0].equals("health") ? worker : caller(ex);
        boolean scoped = w != worker;
        if (parts.length > 1 && java.util.Arrays.asList(parts).contains("")) {
            // "/functions//invoke" is not "/functions/invoke": an empty segment is a missing id
            throw new HttpError(404, "NOT_FOUND", "no such endpoint: " + method + " " + path
                    + " (an empty path segment: is an id missing?)");
        }
        // an invocation's body is its payload: name it so in messages, as the gRPC API does
        boolean invocation = (parts.length == 3 && parts[0].equals("functions")
                && (parts[2].equals("invoke") || parts[2].equals("invoke-async"))) || OpenFaasRoutes.matches(parts);
        boolean spec = DagRoutes.submission(method, parts);
        String body = JsonText.utf8(invocation ? "payload" : "body", spec
                ? Requests.body(ex, maxDagBody, "max.dag.body.bytes") : Requests.body(ex, maxBody, "max.body.bytes"));
        String first = parts[0];
        switch (first) {
            case "health" -> {
                only(method, "GET");
                JsonObject o = new JsonObject();
                o.addProperty("status", "ok");
                o.addProperty("worker", worker.name());
                return new Answer(200, o);
            }
            case "metrics" -> {
                only(method, "GET");
                nodeOnly(scoped, "the metrics (every namespace's series)");
                MetricsExporter exporter = metrics;
                if (exporter == null) {
                    throw new HttpError(503, "UNAVAILABLE", "no metrics exporter is installed");
                }
                return new Answer(200, exporter.scrape(), Map.of("Content-Type", exporter.contentType()));
            }
            case "status" -> {
                only(method, "GET");
                return new Answer(200, Json.status(w.status()));
            }
            case "settings" -> {
                only(method, "GET");
                return new Answer(200, Json.settings(w.settings()));
            }
            case "policies" -> {
                // PUT /policies/{point} {"use": "sjf"}: a plugin in force at that point, as vireo:use
                only(method, "PUT");
                if (parts.length != 2) {
                    throw new HttpError(404, "NOT_FOUND", "use PUT /policies/{point} with {\"use\": \"NAME\"}");
                }
                String plugin = Json.string(Json.object(body, "a policy request"), "use", "");
                JsonObject o = new JsonObject();
                w.use(decode(parts[1]), plugin).forEach(o::addProperty);
                JsonObject answer = new JsonObject();
                answer.add("policies", o);
                return new Answer(200, answer);
            }
            case "functions" -> {
                return functions(ex, w, method, parts, body);
            }
            case "workers" -> {
                nodeOnly(scoped, "the controller's workers");
                return workers(method, parts, body);
            }
            case "dags" -> {
                nodeOnly(scoped, "workflows (not in namespaces yet)");
                return dagRoutes.route(ex, method, parts, body);
            }
            case "activations" -> {
                return activations(ex, w, method, parts);
            }
            case "function", "async-function" -> {
                // OpenFaaS's gateway routes; the call id is the transaction id (one is made here when none is given,
                // so that an async call can answer with it at once)
                String tid = ex.getRequestHeaders().getFirst(TID_HEADER);
                if (tid == null || tid.isEmpty()) {
                    tid = ex.getRequestHeaders().getFirst(OpenFaasRoutes.CALL_ID);
                }
                if (tid == null || tid.isEmpty()) {
                    tid = java.util.UUID.randomUUID().toString();
                }
                return openFaas.route(ex, w, method, parts, body, tid, trace(ex));
            }
            case "invocations" -> {
                only(method, "GET");
                if (parts.length != 2) {
                    throw new HttpError(404, "NOT_FOUND", "use GET /invocations/{id}");
                }
                AsyncResult r = w.result(decode(parts[1]));
                JsonObject o = new JsonObject();
                o.addProperty("id", r.id());
                o.addProperty("done", r.done());
                var record = r.record().map(Results::checked);
                record.ifPresent(rec -> o.add("record", Json.record(rec)));
                return new Answer(200, Json.text(o, record.map(rec -> rec.result().isEmpty() ? "null" : rec.result())
                        .orElse("null")) + "\n", Map.of());
            }
            default -> throw new HttpError(404, "NOT_FOUND", "no such endpoint: " + method + " " + path
                    + "; endpoints: /health, /status, /settings, /policies/{point}, /functions, /functions/{id}/invoke, /functions/{id}/invoke-async,"
                    + " /functions/{id}/prewarm, /invocations/{id}, /activations, /activations/{id}, /function/{name},"
                    + " /async-function/{name}, /metrics" + (dags == null ? "" : ", /dags")
                    + (cluster == null ? "" : ", /workers"));
        }
    }

    /**
     * The activation log: {@code GET /activations?function=&since=&until=&status=&limit=} (newest first) and
     * {@code GET /activations/{id}}; each record as the enhanced invocation answer has it, result text as returned.
     */
    private Answer activations(HttpExchange ex, WorkerService worker, String method, String[] parts) {
        only(method, "GET");
        if (parts.length == 2) {
            return new Answer(200, Json.recordText(Results.checked(worker.activation(decode(parts[1])))) + "\n",
                    Map.of());
        }
        if (parts.length != 1) {
            throw new HttpError(404, "NOT_FOUND", "use GET /activations or GET /activations/{id}");
        }
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String key = Requests.decode(pair.split("=", 2)[0]);
                if (!pair.isEmpty() && !java.util.List.of("function", "since", "until", "status", "limit").contains(key)) {
                    throw new dev.vireo.api.model.ValidationException(key, "is not a parameter of /activations"
                            + " (function, since, until, status, limit)");
                }
            }
        }
        java.util.List<InvocationRecord> records = worker.activations(dev.vireo.api.worker.ActivationQuery.of(
                query(ex, "function"), query(ex, "since"), query(ex, "until"), query(ex, "status"), query(ex, "limit")));
        StringBuilder b = new StringBuilder("{\"count\":").append(records.size()).append(",\"activations\":[");
        for (int i = 0; i < records.size(); i++) {
            b.append(i == 0 ? "" : ",").append(Json.recordText(Results.checked(records.get(i))));
        }
        return new Answer(200, b.append("]}\n").toString(), Map.of());
    }

    /** The controller's workers: GET lists them, POST joins one ({"name", "address"}), DELETE /workers/{name}. */
    private Answer workers(String method, String[] parts, String body) {
        ClusterService c = cluster;
        if (c == null) {
            throw new HttpError(404, "NOT_FOUND", "this is worker " + worker.name()
                    + ", not a controller: /workers is served by a controller");
        }
        if (parts.length == 1 && method.equals("GET")) {
            JsonObject o = new JsonObject();
            o.addProperty("controller", c.name());
            o.add("workers", Json.members(c.members()));
            return new Answer(200, o);
        }
        if (parts.length == 1) {
            only(method, "GET", "POST");
            JsonObject o = Json.object(body, "a worker to join");
            String name = Json.string(o, "name", "");
            String address = Json.string(o, "address", "");
            if (name.isEmpty() || address.isEmpty()) {
                throw new HttpError(400, "INVALID_REQUEST", "a join needs \"name\" and \"address\" (host:port of its gRPC API)");
            }
            return new Answer(200, Json.member(c.join(name, address)));
        }
        if (parts.length == 2) {
            only(method, "DELETE");
            c.leave(decode(parts[1]));
            JsonObject o = new JsonObject();
            o.addProperty("left", decode(parts[1]));
            return new Answer(200, o);
        }
        throw new HttpError(404, "NOT_FOUND", "use GET /workers, POST /workers or DELETE /workers/{name}");
    }

    /** @param worker the node as the caller sees it */
    private Answer functions(HttpExchange ex, WorkerService worker, String method, String[] parts, String body) {
        if (parts.length == 1) {
            if (method.equals("GET")) {
                return new Answer(200, Json.specs(worker.functions()));
            }
            only(method, "GET", "POST");
            FunctionSpec spec = Json.spec(Json.object(body, "a registration"));
            return new Answer(201, Json.spec(worker.register(spec)));
        }
        String id = decode(parts[1]);
        if (parts.length == 2) {
            if (method.equals("GET")) {
                return new Answer(200, Json.spec(worker.functions().stream().filter(f -> f.id().equals(id)).findFirst()
                        .orElseThrow(() -> new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + id
                                + " is not registered"))));
            }
            if (method.equals("PUT")) {
                // the whole registration again, in place: the path names the function, the body may too
                FunctionSpec spec = Json.spec(Json.object(body, "a registration"));
                if (spec.namespace().isEmpty() && worker instanceof dev.vireo.api.worker.ScopedWorker scoped) {
                    spec = spec.withNamespace(scoped.namespace()); // the caller's, as a registration lands in it
                }
                if (!spec.id().equals(id)) {
                    boolean onlyNamespace = (spec.name() + "-" + spec.version()).equals(id.substring(id.indexOf(':') + 1));
                    throw new HttpError(400, "INVALID_REQUEST", (onlyNamespace ? "namespace" : "name")
                            + ": the body registers " + spec.id() + (onlyNamespace ? "" : " (name and version)")
                            + ", not " + id + " as the path says");
                }
                return new Answer(200, Json.spec(worker.update(spec)));
            }
            only(method, "GET", "PUT", "DELETE");
            worker.unregister(id);
            JsonObject o = new JsonObject();
            o.addProperty("unregistered", id);
            return new Answer(200, o);
        }
        if (parts.length != 3) {
            throw new HttpError(404, "NOT_FOUND", "no such endpoint under /functions/" + id);
        }
        String tid = ex.getRequestHeaders().getFirst(TID_HEADER);
        dev.vireo.api.trace.TraceContext trace = trace(ex);
        switch (parts[2]) {
            case "invoke" -> {
                only(method, "POST");
                String payload = payload(body);
                InvocationRecord r;
                try {
                    r = Results.checked(worker.invoke(tid, id, payload, trace).toCompletableFuture().join());
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : e;
                }
                boolean enhanced = "true".equals(query(ex, "enhanced"))
                        || "true".equalsIgnoreCase(ex.getRequestHeaders().getFirst("X-Vireo-Enhanced"));
                int status = r.error().map(e -> status(e.kind())).orElse(200);
                // the result goes out as the exact text the function returned (checked above), never re-serialized
                String answer = enhanced ? Json.recordText(r) + "\n"
                        : r.error().map(e -> Json.error(e.kind().name(), e.message()).toString() + "\n")
                                .orElse(r.result().isEmpty() ? "null" : r.result());
                return new Answer(status, answer, Map.of(TID_HEADER, r.tid()));
            }
            case "invoke-async" -> {
                only(method, "POST");
                String asyncId = worker.invokeAsync(tid, id, payload(body), trace);
                JsonObject o = new JsonObject();
                o.addProperty("id", asyncId);
                return new Answer(202, o, Map.of(TID_HEADER, asyncId, "Location", "/invocations/" + asyncId));
            }
            case "prewarm" -> {
                only(method, "POST");
                int count = body.isBlank() ? 1 : (int) Json.integer(Json.object(body, "a prewarm request"), "count", 1,
                        1, WorkerService.MAX_PREWARM, "containers");
                int started = worker.prewarm(id, count).toCompletableFuture().join();
                JsonObject o = new JsonObject();
                o.addProperty("function", id);
                o.addProperty("requested", count);
                o.addProperty("started", started);
                return new Answer(200, o);
            }
            case "estimate" -> {
                only(method, "GET");
                return new Answer(200, Json.estimate(worker.estimate(id)));
            }
            default -> throw new HttpError(404, "NOT_FOUND", "no such endpoint: /functions/" + id + "/" + parts[2]
                    + "; use invoke, invoke-async, prewarm or estimate");
        }
    }

    /** The invocation payload: any strict JSON value ({@link JsonText#check}, as over gRPC), or empty for none. */
    private static String payload(String body) {
        if (body.isBlank()) {
            return "";
        }
        return JsonText.check("payload", body);
    }

    /** The namespace header: what a call with the node's token acts as (a controller forwarding a namespace's call). */
    static final String NAMESPACE_HEADER = "X-Vireo-Namespace";

    /**
     * The node as the request's caller sees it: the node for its own token (or when none is required), a namespace's
     * view ({@link dev.vireo.api.worker.ScopedWorker}) for a namespace's token or {@code X-Vireo-Namespace}.
     */
    private WorkerService caller(HttpExchange ex) {
        return dev.vireo.api.worker.ScopedWorker.of(worker, ex.getRequestHeaders().getFirst("Authorization"),
                ex.getRequestHeaders().getFirst(NAMESPACE_HEADER), token, namespaceTokens)
                .orElseThrow(() -> new HttpError(401, "UNAUTHORIZED",
                        "missing or wrong bearer token (Authorization: Bearer <token>)"));
    }

    private static void nodeOnly(boolean scoped, String what) {
        if (scoped) {
            throw new WorkerException(ErrorKind.FORBIDDEN, what + " need the node's own token, not a namespace's");
        }
    }

    /** HTTP status of a rejection or of an invocation's failure. */
    /**
     * The W3C trace context of a request ({@code traceparent}, with its {@code tracestate}): a malformed or repeated
     * traceparent is no context (a new trace if any), never a failed request.
     */
    static dev.vireo.api.trace.TraceContext trace(HttpExchange ex) {
        return dev.vireo.api.trace.TraceContext.parse(ex.getRequestHeaders().get(dev.vireo.api.trace.TraceContext.HEADER),
                ex.getRequestHeaders().get(dev.vireo.api.trace.TraceContext.STATE_HEADER)).orElse(null);
    }

    static int status(ErrorKind kind) {
        return switch (kind) {
            case INVALID_REQUEST -> 400;
            case UNKNOWN_FUNCTION -> 404;
            case ALREADY_EXISTS -> 409;
            case OVERLOADED -> 429;
            case USER_ERROR, OUT_OF_MEMORY, CONTAINER_FAILED -> 502;
            case TIMEOUT -> 504;
            case START_FAILED, NO_RESOURCES, CANCELLED, UNREACHABLE -> 503;
            case FORBIDDEN -> 403;
            case INTERNAL -> 500;
        };
    }
}
