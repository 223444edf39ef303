package dev.vireo.transport.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.validation.JsonText;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The OpenWhisk action runtime protocol, so that a stock OpenWhisk runtime image serves a function: the image's own
 * entrypoint runs (no Vireo agent: {@link TransportBinding#agent()} is false) and listens on {@code runtime.port} in
 * the container's own network namespace behind a bridge (as the {@code http} transport's, with a pool and subnet of
 * its own). Once it accepts connections, the function's code directory goes to it once as a zip ({@code POST /init}
 * with {@code {"value": {"name", "main", "code", "binary": true, "env"}}}); each invocation is a {@code POST /run}
 * with {@code {"value": payload, "namespace", "action_name", "activation_id", "transaction_id", "deadline"}} (all
 * strings but value, as OpenWhisk's invoker sends them). A 200 answer that is a JSON object is the result, unless it
 * has an {@code error} member (OpenWhisk's application error); a 200 answer that is not a JSON object fails the
 * invocation; any other status is the container failing (OpenWhisk's rule): the invocation fails with the answer's
 * {@code error} and the container is destroyed. A kept connection the runtime closed while idle (Node's servers do
 * after 5 s) is opened again, once, before the request is lost. The runtime serves one activation at a time, so a
 * function's concurrency is 1; its stdout and stderr stay in the container (not in the activation log).
 */
@Component(service = AgentTransport.class, configurationPid = "vireo.transport.openwhisk")
@Designate(ocd = OpenWhiskTransport.Config.class)
@PluginName("openwhisk")
@PluginDescription("OpenWhisk action runtime protocol (/init, /run) to a stock runtime image's own server, in its own"
        + " network namespace behind a bridge (root; namespace pool)")
public final class OpenWhiskTransport implements AgentTransport {
    /** The error type of a failed activation: the runtime's {@code error}, as OpenWhisk's "application error". */
    static final String ACTION_ERROR = "ActionError";
    static final String NAMESPACE = "vireo";
    static final String CODE_DIR = "code.dir";
    /** Set on a container taken back after a restart: its runtime may hold the code already (/init answers 403). */
    static final String REBOUND = "rebound";
    static final String MAIN = "main";
    static final String ACTION = "action";
    static final String TIMEOUT_MS = "timeout.ms";

    @ObjectClassDefinition(name = "Vireo transport: openwhisk", description = "The OpenWhisk action runtime protocol"
            + " (/init, /run) to a stock runtime image's server in its own network namespace (needs root).")
    public @interface Config {
        @AttributeDefinition(name = "Subnet base", description = "First address of the bridges' /22 subnets, a multiple"
                + " of 1,024: bridge k serves base + k x 1,024 (gateway .1); blocks already routed on the host are"
                + " skipped. Apart from the http transport's.")
        String subnet_base() default "10.214.0.0";

        @AttributeDefinition(name = "Ports per bridge", description = "Containers per bridge (a Linux bridge takes at"
                + " most 1,024 ports).", min = "1", max = "1021")
        int ports_per_bridge() default 1_000;

        @AttributeDefinition(name = "Bridges", description = "Bridges at most; containers at most = bridges x ports per"
                + " bridge.", min = "1", max = "64")
        int max_bridges() default 16;

        @AttributeDefinition(name = "Pool size", description = "Network namespaces kept ready ahead of cold starts.",
                min = "0")
        int pool_size() default 4;

        @AttributeDefinition(name = "Runtime port", description = "TCP port the runtime image's server listens on (8080"
                + " in OpenWhisk's runtimes).", min = "1", max = "65535")
        int runtime_port() default 8080;

        @AttributeDefinition(name = "Connect timeout (ms)", description = "How long a cold start waits for the runtime to"
                + " accept a connection, in milliseconds; /init then has the function's timeout.", min = "1")
        long connect_timeout_ms() default 10_000;

        @AttributeDefinition(name = "Maximum code (bytes)", description = "Largest code directory sent to /init, in"
                + " bytes of its files (the default is OpenWhisk's own action size limit); a larger one is refused at registration.",
                min = "1")
        long max_code_bytes() default 48L * 1024 * 1024;

        @AttributeDefinition(name = "Maximum body (bytes)", description = "Largest answer accepted from a runtime, in bytes.",
                min = "1024")
        int max_frame_bytes() default 16 * 1024 * 1024;
    }

    private final Clock clock;
    private final TaskScheduler scheduler;
    private final Config config;
    private final NetworkSlots networks;

    @Activate
    public OpenWhiskTransport(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler,
            Config config) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.config = config;
        NetworkSlots.Settings net = new NetworkSlots.Settings(config.subnet_base(), config.ports_per_bridge(),
                config.max_bridges(), config.pool_size());
        if (!net.valid() || config.runtime_port() < 1 || config.runtime_port() > 65535
                || config.connect_timeout_ms() < 1 || config.max_code_bytes() < 1 || config.max_frame_bytes() < 1024) {
            throw new IllegalArgumentException("vireo.transport.openwhisk: " + NetworkSlots.Settings.RANGES
                    + ", runtime.port 1..65535, connect.timeout.ms >= 1, max.code.bytes >= 1, max.frame.bytes >= 1024");
        }
        this.networks = new NetworkSlots("openwhisk", context.getProperty("vireo.run.dir"), scheduler, net);
    }

    @Deactivate
    void close() {
        networks.close();
    }

    /** What the protocol needs of a function: an image (the runtime), one activation at a time, code it can take. */
    @Override
    public void check(FunctionSpec fn) {
        if (fn.image().isEmpty()) {
            throw new ValidationException("image", "transport openwhisk runs the server of an OpenWhisk runtime image:"
                    + " give the runtime's image (and the action's code as the code directory)");
        }
        if (fn.concurrency() != 1) {
            throw new ValidationException("concurrency", "an OpenWhisk runtime serves one activation at a time: use 1"
                    + " with transport openwhisk");
        }
        if ("process".equals(fn.backend()) || "sim".equals(fn.backend())) {
            throw new ValidationException("backend", "the " + fn.backend() + " backend runs no image's own server: use"
                    + " containerd or docker with transport openwhisk");
        }
        if (!fn.codeDir().isEmpty()) {
            long encoded;
            try {
                encoded = encodedLength(CodeArchive.zip(Path.of(fn.codeDir()), config.max_code_bytes()).length);
            } catch (IOException e) {
                throw new ValidationException("code", e.getMessage());
            }
            if (encoded > config.max_code_bytes()) {
                throw new ValidationException("code", fn.codeDir() + " is " + encoded + " bytes zipped and encoded,"
                        + " more than transport openwhisk sends to /init (max.code.bytes " + config.max_code_bytes() + ")");
            }
        }
    }

    /** The length of {@code n} bytes in base64, padded. */
    static long encodedLength(long n) {
        return (n + 2) / 3 * 4;
    }

    /** The function's part of the handler: OpenWhisk's {@code main} ({@code __main__.main} -> {@code main}). */
    static String main(FunctionSpec fn) {
        String handler = fn.handler();
        return handler.isEmpty() ? "main" : handler.substring(handler.lastIndexOf('.') + 1);
    }

    @Override
    public TransportBinding bind(String containerId, String tid) throws IOException {
        throw new IOException("the openwhisk transport binds a container with its function (a worker of SPI 1.3)");
    }

    @Override
    public TransportBinding bind(String containerId, String tid, FunctionSpec fn) throws IOException {
        return binding(networks.take(containerId), fn, false);
    }

    /** {@code rebound}: a container taken back, whose runtime may have been initialized by the crashed run. */
    private TransportBinding binding(NetworkPool.Slot slot, FunctionSpec fn, boolean rebound) {
        return new TransportBinding(new AgentEndpoint("openwhisk", slot.address() + ":" + config.runtime_port(),
                Map.of("netns", slot.name(), CODE_DIR, fn.codeDir(), MAIN, main(fn), ACTION, fn.name(), TIMEOUT_MS,
                        Long.toString(fn.timeout().toMillis()), REBOUND, Boolean.toString(rebound))), Map.of(), Map.of(),
                slot.path(), false);
    }

    /**
     * The network namespace a crashed run gave the container, if it is still there (taken over at start). Its
     * runtime is sent the code again at open: one initialized before the crash refuses it (403), which is then no
     * failure; one the crash caught before its /init is initialized now.
     */
    @Override
    public java.util.Optional<TransportBinding> rebind(String containerId, String tid, FunctionSpec fn) {
        return networks.rebind(containerId).map(slot -> binding(slot, fn, true));
    }

    @Override
    public void reclaim() {
        networks.reclaim();
    }

    @Override
    public void unbind(TransportBinding binding) {
        networks.release(binding.network());
    }

    /**
     * Connects to the runtime (retrying until it listens, up to the connect timeout) and, for the container's first
     * channel, sends the code to {@code /init}; a refusal fails the cold start with the runtime's error.
     */
    @Override
    public AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException {
        if (!"openwhisk".equals(endpoint.transport())) {
            throw new IOException("not an OpenWhisk runtime: " + endpoint);
        }
        Map<String, String> a = endpoint.attributes();
        Duration timeout = Duration.ofMillis(Long.parseLong(a.getOrDefault(TIMEOUT_MS, "60000")));
        RuntimeChannel channel = new RuntimeChannel(endpoint, timeout, connect(endpoint.address(),
                Duration.ofMillis(config.connect_timeout_ms())));
        String code = a.getOrDefault(CODE_DIR, "");
        if (!code.isEmpty()) {
            try {
                channel.init(code, a.getOrDefault(MAIN, "main"), a.getOrDefault(ACTION, ""), tid,
                        Boolean.parseBoolean(a.getOrDefault(REBOUND, "false")));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
        return channel;
    }

    /** A connection to the runtime, retried while it does not listen yet, up to {@code within}. */
    private SocketChannel connect(String hostPort, Duration within) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        InetSocketAddress address = new InetSocketAddress(hostPort.substring(0, colon),
                Integer.parseInt(hostPort.substring(colon + 1)));
        long deadline = clock.nanoTime() + within.toNanos();
        IOException last = null;
        while (clock.nanoTime() < deadline) {
            SocketChannel socket = SocketChannel.open();
            Cancellable expiry = scheduler.schedule(() -> BlockingAgentChannel.closeQuietly(socket),
                    Duration.ofNanos(deadline - clock.nanoTime()));
            try {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                socket.connect(address);
                if (expiry.cancel()) {
                    return socket;
                }
                last = new IOException("no connection in time");
            } catch (IOException e) {
                expiry.cancel();
                last = e;
            }
            socket.close();
            scheduler.delay(Duration.ofMillis(5)).join();
        }
        throw new IOException("OpenWhisk runtime at " + hostPort + " not listening within " + within.toMillis() + " ms"
                + (last == null ? "" : ": " + last.getMessage()));
    }

    /** One runtime's connection, one request at a time; reconnected when the runtime closes it after an answer. */
    private final class RuntimeChannel extends BlockingAgentChannel {
        private final AgentEndpoint endpoint;
        private final Duration timeout;
        private volatile SocketChannel socket;
        private HttpExchange http;
        private volatile boolean closed;
        private boolean cold;

        RuntimeChannel(AgentEndpoint endpoint, Duration timeout, SocketChannel socket) {
            super(scheduler, clock);
            this.endpoint = endpoint;
            this.timeout = timeout;
            this.socket = socket;
            this.http = new HttpExchange(socket, endpoint.address(), config.max_frame_bytes(), "runtime");
        }

        /**
         * {@code POST /init} with the code directory zipped, within the function's timeout; the code is encoded as
         * it is written (a large one is never held twice).
         */
        void init(String codeDir, String main, String action, String tid, boolean rebound) throws IOException {
            byte[] zip = CodeArchive.zip(Path.of(codeDir), config.max_code_bytes());
            StringBuilder prefix = new StringBuilder("{\"value\":{\"name\":");
            JsonText.quote(action, prefix);
            prefix.append(",\"main\":");
            JsonText.quote(main, prefix);
            prefix.append(",\"binary\":true,\"env\":{},\"code\":\"");
            byte[] head = prefix.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] tail = "\"}}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            SocketChannel s = socket;
            Cancellable expiry = scheduler.schedule(() -> closeQuietly(s), timeout);
            HttpExchange.Response r;
            try {
                r = http.exchange("POST", "/init", head.length + encodedLength(zip.length) + tail.length, out -> {
                    out.write(head);
                    java.io.OutputStream encoder = Base64.getEncoder().wrap(new java.io.FilterOutputStream(out) {
                        @Override
                        public void close() throws IOException {
                            flush(); // the encoder's close writes its padding: the connection stays open
                        }
                    });
                    encoder.write(zip);
                    encoder.close();
                    out.write(tail);
                });
            } catch (IOException e) {
                throw new IOException(expiry.cancel() ? "/init failed: " + e.getMessage()
                        : "no answer to /init within the function's timeout of " + timeout.toMillis() + " ms", e);
            }
            if (!expiry.cancel()) { // answered, but the timer closed the connection meanwhile
                throw new IOException("no answer to /init within the function's timeout of " + timeout.toMillis()
                        + " ms");
            }
            if (!r.keepAlive()) {
                closeQuietly(socket);
                http = null;
            }
            if (rebound && r.status() == 403) {
                return; // taken back after a restart: initialized by the crashed run already
            }
            if (r.status() != 200) {
                throw new IOException("the OpenWhisk runtime refused the action's code (/init answered " + r.status()
                        + "): " + errorOf(r.body()));
            }
            cold = true;
        }

        /**
         * One request on the kept connection, or a new one when the runtime closed it after its last answer (no new
         * /init). A kept connection that fails before any answer came (closed by the runtime while idle) is opened
         * again, once: the runtime never read the request.
         */
        private HttpExchange.Response exchange(String path, String body) throws IOException {
            for (int attempt = 0;; attempt++) {
                if (closed) {
                    throw new ClosedChannelException();
                }
                boolean kept = http != null;
                if (!kept) {
                    socket = connect(endpoint.address(), Duration.ofMillis(config.connect_timeout_ms()));
                    if (closed) {
                        closeQuietly(socket);
                        throw new ClosedChannelException();
                    }
                    http = new HttpExchange(socket, endpoint.address(), config.max_frame_bytes(), "runtime");
                }
                HttpExchange.Response r;
                try {
                    r = http.exchange("POST", path, body);
                } catch (IOException | RuntimeException e) { // the connection is in an unknown state: drop it
                    closeQuietly(socket);
                    http = null;
                    if (kept && attempt == 0 && e instanceof HttpExchange.Unanswered && !closed) {
                        continue;
                    }
                    throw e;
                }
                if (!r.keepAlive()) {
                    closeQuietly(socket);
                    http = null;
                }
                return r;
            }
        }

        @Override
        AgentReply call(String tid, String payload) throws IOException {
            Map<String, String> a = endpoint.attributes();
            // no payload (absent, empty, JSON null) is {}: OpenWhisk's runtimes take an object, as Vireo's agent does
            String value = payload == null || payload.isBlank() || payload.strip().equals("null") ? "{}" : payload;
            StringBuilder body = new StringBuilder(value.length() + 256).append("{\"value\":").append(value)
                    .append(",\"namespace\":\"" + NAMESPACE + "\",\"action_name\":");
            JsonText.quote("/" + NAMESPACE + "/" + a.getOrDefault(ACTION, ""), body);
            body.append(",\"activation_id\":");
            JsonText.quote(tid, body);
            body.append(",\"transaction_id\":");
            JsonText.quote(tid, body);
            body.append(",\"deadline\":");
            JsonText.quote(Long.toString(clock.now().plus(timeout).toEpochMilli()), body); // a string, as OpenWhisk's
            body.append('}');
            long start = clock.micros();
            HttpExchange.Response r = exchange("/run", body.toString());
            long end = clock.micros();
            boolean first = cold;
            cold = false;
            if (r.status() != 200) { // OpenWhisk's rule: the container failed; the worker destroys it
                throw new IOException("the OpenWhisk runtime answered /run with " + r.status() + ": "
                        + errorOf(r.body()));
            }
            JsonElement result;
            try {
                result = JsonParser.parseString(JsonText.check("result", r.body()));
            } catch (RuntimeException e) {
                result = null;
            }
            if (result == null || !result.isJsonObject()) {
                return new AgentReply(start, end, end - start, first, false, "", ACTION_ERROR, "the runtime answered /run"
                        + " with what is not a JSON object: " + abbreviate(r.body()), "");
            }
            if (result.getAsJsonObject().has("error")) {
                return new AgentReply(start, end, end - start, first, false, "", ACTION_ERROR, errorOf(r.body()), "");
            }
            return new AgentReply(start, end, end - start, first, true, r.body().strip(), "", "", "");
        }

        @Override
        public boolean isOpen() {
            return !closed;
        }

        @Override
        public void close() {
            closed = true;
            closeQuietly(socket);
        }
    }

    /** The {@code error} member of a runtime's answer, as text; the answer itself if it has none. */
    static String errorOf(String body) {
        try {
            JsonElement e = JsonParser.parseString(body);
            if (e.isJsonObject() && e.getAsJsonObject().has("error")) {
                JsonElement error = e.getAsJsonObject().get("error");
                return error.isJsonPrimitive() ? error.getAsString() : error.toString();
            }
        } catch (RuntimeException notJson) {
            // quoted as it is
        }
        return abbreviate(body);
    }

    private static String abbreviate(String text) {
        String t = text.strip();
        return t.isEmpty() ? "(an empty answer)" : t.length() > 1000 ? t.substring(0, 1000) + "..." : t;
    }
}
