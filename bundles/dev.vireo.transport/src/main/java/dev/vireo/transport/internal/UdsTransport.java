package dev.vireo.transport.internal;

import com.google.gson.JsonObject;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Unix-socket transport. Each container gets a host directory {@code socket.dir/<container>} (0700) mounted at
 * {@code /run/vireo}; its agent listens on {@code agent.sock} there. {@link #open} connects (retrying until the
 * agent listens) and reads the agent's first frame: "ready", or the error that kept the handler from loading.
 */
@Component(service = AgentTransport.class, configurationPid = "vireo.transport.uds")
@Designate(ocd = UdsTransport.Config.class)
@PluginName("uds")
@PluginDescription("length-prefixed JSON frames over a Unix socket (per-container 0700 directory)")
public final class UdsTransport implements AgentTransport {
    static final String SOCKET = "agent.sock";
    /** The longest Unix socket path (sun_path holds 108 bytes with the terminating NUL). */
    static final int MAX_SOCKET_PATH = 107;
    /** The longest container id the worker makes (see ContainerRequest#id). */
    static final int MAX_CONTAINER_ID = 50;
    private static final System.Logger LOG = System.getLogger(UdsTransport.class.getName());

    @ObjectClassDefinition(name = "Vireo transport: uds", description = "Unix-socket IPC to the agent.")
    public @interface Config {
        @AttributeDefinition(name = "Socket directory", description = "Host directory for per-container socket directories; empty = <vireo.run.dir>/sockets. Keep it short: socket paths are limited to 107 bytes.")
        String socket_dir() default "";

        @AttributeDefinition(name = "Connect timeout (ms)", description = "How long open() waits for the agent's ready message, in milliseconds.", min = "1")
        long connect_timeout_ms() default 10_000;

        @AttributeDefinition(name = "Maximum frame (bytes)", description = "Largest reply frame accepted from an agent, in bytes.", min = "1024")
        int max_frame_bytes() default 16 * 1024 * 1024;
    }

    private final Clock clock;
    private final TaskScheduler scheduler;
    private final Path defaultDir;
    private final ContainerDirs dirs;
    private volatile Duration connectTimeout;
    private volatile int maxFrame;

    @Activate
    public UdsTransport(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler, Config config)
            throws IOException {
        this.clock = clock;
        this.scheduler = scheduler;
        this.defaultDir = ContainerDirs.underRunDir(context.getProperty("vireo.run.dir"), "sockets");
        this.dirs = new ContainerDirs(ContainerDirs.underRunDir(context.getProperty("vireo.run.dir"), "dirs-uds"));
        modified(config);
    }

    @Modified
    void modified(Config config) throws IOException {
        if (config.connect_timeout_ms() < 1 || config.max_frame_bytes() < 1024) {
            throw new IllegalArgumentException("connect.timeout.ms must be >= 1 and max.frame.bytes >= 1024");
        }
        Path dir = config.socket_dir().isBlank() ? defaultDir : Path.of(config.socket_dir());
        dirs.setBase(dir);
        int room = idRoom(dir);
        if (room < MAX_CONTAINER_ID) {
            LOG.log(System.Logger.Level.WARNING, "socket.dir " + dir + " leaves " + Math.max(0, room) + " bytes for"
                    + " container ids, which take up to " + MAX_CONTAINER_ID + ": some containers will not start; set a"
                    + " shorter socket.dir");
        }
        connectTimeout = Duration.ofMillis(config.connect_timeout_ms());
        maxFrame = config.max_frame_bytes();
    }

    /** How many bytes {@code <dir>/<id>/agent.sock} leaves for the id. */
    static int idRoom(Path dir) {
        return MAX_SOCKET_PATH - bytes(dir) - 2 - SOCKET.length();
    }

    private static int bytes(Path p) {
        return p.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    @Override
    public TransportBinding bind(String containerId, String tid) throws IOException {
        Path socket = dirs.base().resolve(containerId).resolve(SOCKET);
        if (bytes(socket) > MAX_SOCKET_PATH) {
            throw new IOException("socket path " + socket + " is longer than 107 bytes; set a shorter socket.dir");
        }
        return binding(dirs.create(containerId));
    }

    private static TransportBinding binding(Path dir) {
        return new TransportBinding(new AgentEndpoint("uds", dir.resolve(SOCKET).toString(), Map.of()),
                Map.of(dir.toString(), ContainerDirs.CONTAINER_DIR),
                Map.of("VIREO_AGENT_SOCKET", ContainerDirs.CONTAINER_DIR + "/" + SOCKET), "");
    }

    /** The container's folder under this socket.dir, while its agent's socket is in it. */
    @Override
    public java.util.Optional<TransportBinding> rebind(String containerId, String tid,
            dev.vireo.api.model.FunctionSpec function) {
        return dirs.existing(containerId).filter(dir -> java.nio.file.Files.exists(dir.resolve(SOCKET),
                java.nio.file.LinkOption.NOFOLLOW_LINKS) && !java.nio.file.Files.isSymbolicLink(dir.resolve(SOCKET)))
                .map(dir -> {
                    dirs.claim(containerId);
                    return binding(dir);
                });
    }

    @Override
    public AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException {
        if (java.nio.file.Files.isSymbolicLink(Path.of(endpoint.address()))) {
            // the folder is the container's to write in: never follow a link it made to another socket of the host
            throw new IOException("agent socket " + endpoint.address() + " is a link, not the agent's socket");
        }
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(endpoint.address());
        long deadline = clock.nanoTime() + connectTimeout.toNanos();
        IOException last = null;
        while (clock.nanoTime() < deadline) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            // an agent that listens but does not answer (stopped, wedged) still gets connects through its backlog:
            // the connect and the wait for its first frame end at the deadline too
            Cancellable expiry = scheduler.schedule(() -> BlockingAgentChannel.closeQuietly(channel),
                    Duration.ofNanos(deadline - clock.nanoTime()));
            try {
                channel.connect(address);
                JsonObject first = Frames.read(channel, maxFrame);
                if (!expiry.cancel()) {
                    throw new ClosedChannelException();
                }
                if ("ready".equals(Frames.string(first, "type"))) {
                    return new FramedChannel(scheduler, clock, channel, channel, maxFrame);
                }
                channel.close();
                throw new IOException("the function's handler could not be loaded: " + Frames.string(first, "error_type")
                        + ": " + Frames.string(first, "error_message"));
            } catch (IOException e) {
                expiry.cancel();
                channel.close();
                if (e.getMessage() != null && e.getMessage().startsWith("the function's handler")) {
                    throw e;
                }
                last = e instanceof ClosedChannelException ? new IOException("no ready message in time") : e;
                scheduler.delay(Duration.ofMillis(2)).join();
            }
        }
        throw new IOException("agent at " + endpoint.address() + " not ready within " + connectTimeout.toMillis()
                + " ms" + (last == null ? "" : ": " + last.getMessage()));
    }

    /** Removes the folders a crashed run made for containers this run did not take back. */
    @Override
    public void reclaim() {
        dirs.reclaim();
    }

    @Override
    public void unbind(TransportBinding binding) {
        binding.mounts().keySet().forEach(dirs::remove);
    }
}
