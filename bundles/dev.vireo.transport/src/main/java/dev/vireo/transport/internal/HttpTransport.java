package dev.vireo.transport.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentReply;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
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
 * HTTP transport: the container gets its own network namespace (from {@link NetworkPool}) behind a Linux bridge, and
 * its agent serves {@code GET /ready} and {@code POST /invoke} on {@code agent.port}. The worker speaks a minimal
 * HTTP/1.1 over one keep-alive TCP connection per channel (no general-purpose client: it would cost more than the
 * agent). Needs root (namespaces, bridges, veths); every one is named with this instance's tag and removed on stop,
 * and what a crashed run left is removed at activation.
 */
@Component(service = AgentTransport.class, configurationPid = "vireo.transport.http")
@Designate(ocd = HttpTransport.Config.class)
@PluginName("http")
@PluginDescription("HTTP/1.1 to the agent in its own network namespace behind a bridge (root; namespace pool)")
public final class HttpTransport implements AgentTransport {
    private static final System.Logger LOG = System.getLogger(HttpTransport.class.getName());

    @ObjectClassDefinition(name = "Vireo transport: http", description = "HTTP to the agent in its own network namespace behind a bridge (needs root).")
    public @interface Config {
        @AttributeDefinition(name = "Subnet base", description = "First address of the bridges' /22 subnets, a multiple of 1,024: bridge k serves base + k x 1,024 (gateway .1); blocks already routed on the host are skipped.")
        String subnet_base() default "10.213.0.0";

        @AttributeDefinition(name = "Ports per bridge", description = "Containers per bridge (a Linux bridge takes at most 1,024 ports).", min = "1", max = "1021")
        int ports_per_bridge() default 1_000;

        @AttributeDefinition(name = "Bridges", description = "Bridges at most; containers at most = bridges x ports per bridge.", min = "1", max = "64")
        int max_bridges() default 16;

        @AttributeDefinition(name = "Pool size", description = "Network namespaces kept ready ahead of cold starts.", min = "0")
        int pool_size() default 8;

        @AttributeDefinition(name = "Agent port", description = "TCP port the agent listens on inside its namespace.", min = "1", max = "65535")
        int agent_port() default 8080;

        @AttributeDefinition(name = "Connect timeout (ms)", description = "How long open() waits for the agent to answer GET /ready, in milliseconds.", min = "1")
        long connect_timeout_ms() default 10_000;

        @AttributeDefinition(name = "Maximum body (bytes)", description = "Largest reply body accepted from an agent, in bytes.", min = "1024")
        int max_frame_bytes() default 16 * 1024 * 1024;
    }

    private final Clock clock;
    private final TaskScheduler scheduler;
    private final Config config;
    private final NetworkSlots networks;

    @Activate
    public HttpTransport(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler,
            Config config) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.config = config;
        NetworkSlots.Settings net = new NetworkSlots.Settings(config.subnet_base(), config.ports_per_bridge(),
                config.max_bridges(), config.pool_size());
        if (!net.valid() || config.agent_port() < 1 || config.agent_port() > 65535 || config.connect_timeout_ms() < 1
                || config.max_frame_bytes() < 1024) {
            throw new IllegalArgumentException("vireo.transport.http: " + NetworkSlots.Settings.RANGES
                    + ", agent.port 1..65535, connect.timeout.ms >= 1, max.frame.bytes >= 1024");
        }
        // what a crashed run of this instance left goes first; bind() waits for it, so nothing new is swept away
        this.networks = new NetworkSlots("http", context.getProperty("vireo.run.dir"), scheduler, net);
    }

    /** Six hex digits from the run folder: one tag per worker instance, stable across its restarts. */
    static String tag(String runDir) {
        return NetworkSlots.tag(runDir);
    }

    @Deactivate
    void close() {
        networks.close();
    }

    @Override
    public TransportBinding bind(String containerId, String tid) throws IOException {
        return binding(networks.take(containerId));
    }

    private TransportBinding binding(NetworkPool.Slot slot) {
        return new TransportBinding(
                new AgentEndpoint("http", slot.address() + ":" + config.agent_port(), Map.of("netns", slot.name())),
                Map.of(), Map.of("VIREO_AGENT_HTTP", "0.0.0.0:" + config.agent_port()), slot.path());
    }

    /** The network namespace a crashed run gave the container, if it is still there (taken over at start). */
    @Override
    public java.util.Optional<TransportBinding> rebind(String containerId, String tid,
            dev.vireo.api.model.FunctionSpec function) {
        return networks.rebind(containerId).map(this::binding);
    }

    @Override
    public void reclaim() {
        networks.reclaim();
    }

    @Override
    public void unbind(TransportBinding binding) {
        networks.release(binding.network());
    }

    @Override
    public AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException {
        String[] hp = endpoint.address().split(":");
        InetSocketAddress address = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
        long deadline = clock.nanoTime() + Duration.ofMillis(config.connect_timeout_ms()).toNanos();
        IOException last = null;
        while (clock.nanoTime() < deadline) {
            SocketChannel socket = SocketChannel.open();
            // an agent that listens but does not answer (stopped, wedged) still gets connects through its backlog:
            // the connect and the wait for its answer end at the deadline too
            Cancellable expiry = scheduler.schedule(() -> BlockingAgentChannel.closeQuietly(socket),
                    Duration.ofNanos(deadline - clock.nanoTime()));
            try {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                socket.connect(address);
                HttpChannel channel = new HttpChannel(socket, endpoint.address());
                HttpExchange.Response ready = channel.exchange("GET", "/ready", null);
                if (!expiry.cancel()) {
                    throw new ClosedChannelException();
                }
                if (ready.status() == 200) {
                    return channel;
                }
                socket.close();
                JsonObject error = JsonParser.parseString(ready.body()).getAsJsonObject();
                throw new HandlerLoadException("the function's handler could not be loaded: "
                        + Frames.string(error, "error_type") + ": " + Frames.string(error, "error_message"));
            } catch (HandlerLoadException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                expiry.cancel();
                socket.close();
                last = e instanceof ClosedChannelException ? new IOException("no answer to GET /ready in time")
                        : e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                scheduler.delay(Duration.ofMillis(2)).join();
            }
        }
        throw new IOException("agent at http://" + endpoint.address() + " not ready within " + config.connect_timeout_ms()
                + " ms" + (last == null ? "" : ": " + last.getMessage()));
    }

    private static final class HandlerLoadException extends IOException {
        private static final long serialVersionUID = 1L;

        HandlerLoadException(String message) {
            super(message);
        }
    }

    /** One keep-alive connection; one request at a time. */
    private final class HttpChannel extends BlockingAgentChannel {
        private final SocketChannel socket;
        private final HttpExchange http;

        HttpChannel(SocketChannel socket, String host) {
            super(scheduler, clock);
            this.socket = socket;
            this.http = new HttpExchange(socket, host, config.max_frame_bytes(), "agent");
        }

        HttpExchange.Response exchange(String method, String path, String body) throws IOException {
            return http.exchange(method, path, body);
        }

        @Override
        AgentReply call(String tid, String payload) throws IOException {
            HttpExchange.Response r = exchange("POST", "/invoke", Frames.invoke(tid, payload).toString());
            if (!r.keepAlive()) { // the agent closes after this answer: the channel is done (isOpen says so)
                closeQuietly(socket);
            }
            try {
                return Frames.reply(JsonParser.parseString(r.body()).getAsJsonObject());
            } catch (RuntimeException e) {
                throw new IOException("agent sent a malformed reply (HTTP " + r.status() + "): " + r.body());
            }
        }

        @Override
        public boolean isOpen() {
            return socket.isOpen();
        }

        @Override
        public void close() {
            closeQuietly(socket);
        }
    }
}
