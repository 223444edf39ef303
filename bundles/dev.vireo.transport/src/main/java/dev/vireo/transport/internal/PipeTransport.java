package dev.vireo.transport.internal;

import com.google.gson.JsonObject;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.vireo.api.model.AgentEndpoint;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.transport.AgentChannel;
import dev.vireo.api.spi.transport.AgentTransport;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * FIFO transport. Each container gets a host directory {@code pipe.dir/<container>} (0700) mounted at
 * {@code /run/vireo}, holding {@code channels} FIFO pairs {@code in-N} (worker to agent) and {@code out-N} (agent to
 * worker), made with mkfifo(3) through JNA. A channel is one pair: {@link #open} opens {@code in-N} for writing, then
 * {@code out-N} for reading (the agent opens them in the same order, so neither side can deadlock), sends "hello"
 * and waits for "ready". An agent that dies closes its ends: the worker reads end-of-file at once.
 */
@Component(service = AgentTransport.class, configurationPid = "vireo.transport.pipe")
@Designate(ocd = PipeTransport.Config.class)
@PluginName("pipe")
@PluginDescription("length-prefixed JSON frames over FIFO pairs (per-container 0700 directory)")
public final class PipeTransport implements AgentTransport {

    @ObjectClassDefinition(name = "Vireo transport: pipe", description = "FIFO-pair IPC to the agent.")
    public @interface Config {
        @AttributeDefinition(name = "FIFO directory", description = "Host directory for per-container FIFO directories; empty = <vireo.run.dir>/pipes.")
        String pipe_dir() default "";

        @AttributeDefinition(name = "Channels per container", description = "FIFO pairs made per container: the most concurrent invocations one container can serve over pipes.", min = "1", max = "256")
        int channels() default 8;

        @AttributeDefinition(name = "Connect timeout (ms)", description = "How long open() waits for the agent's ready message, in milliseconds.", min = "1")
        long connect_timeout_ms() default 10_000;

        @AttributeDefinition(name = "Maximum frame (bytes)", description = "Largest reply frame accepted from an agent, in bytes.", min = "1024")
        int max_frame_bytes() default 16 * 1024 * 1024;
    }

    /** mkfifo(3) from the C library. */
    interface LibC extends Library {
        int mkfifo(String path, int mode);
    }

    private static volatile LibC libc;
    private static final Set<PosixFilePermission> RW_ALL = PosixFilePermissions.fromString("rw-rw-rw-");

    private final TaskScheduler scheduler;
    private final Clock clock;
    private final Path defaultDir;
    private final ContainerDirs dirs;
    /** FIFO directory -> indices of the pairs in use. */
    private final Map<String, Set<Integer>> inUse = new ConcurrentHashMap<>();
    private volatile int channels;
    private volatile Duration connectTimeout;
    private volatile int maxFrame;

    @Activate
    public PipeTransport(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler, Config config)
            throws IOException {
        this.clock = clock;
        this.scheduler = scheduler;
        this.defaultDir = ContainerDirs.underRunDir(context.getProperty("vireo.run.dir"), "pipes");
        this.dirs = new ContainerDirs(ContainerDirs.underRunDir(context.getProperty("vireo.run.dir"), "dirs-pipe"));
        modified(config);
    }

    @Modified
    void modified(Config config) throws IOException {
        if (config.channels() < 1 || config.channels() > 256 || config.connect_timeout_ms() < 1
                || config.max_frame_bytes() < 1024) {
            throw new IllegalArgumentException("channels must be 1..256, connect.timeout.ms >= 1, max.frame.bytes >= 1024");
        }
        dirs.setBase(config.pipe_dir().isBlank() ? defaultDir : Path.of(config.pipe_dir()));
        channels = config.channels();
        connectTimeout = Duration.ofMillis(config.connect_timeout_ms());
        maxFrame = config.max_frame_bytes();
    }

    private static LibC libc() {
        LibC l = libc;
        if (l == null) {
            l = Native.load("c", LibC.class);
            libc = l;
        }
        return l;
    }

    @Override
    public TransportBinding bind(String containerId, String tid) throws IOException {
        Path dir = dirs.create(containerId);
        int n = channels;
        for (int i = 0; i < n; i++) {
            for (String name : new String[] {"in-" + i, "out-" + i}) {
                Path fifo = dir.resolve(name);
                // 0666 inside a 0700 directory: the directory is the access control, and the agent runs as another uid
                if (libc().mkfifo(fifo.toString(), 0666) != 0) {
                    int errno = Native.getLastError();
                    dirs.remove(dir.toString());
                    throw new IOException("mkfifo " + fifo + " failed (errno " + errno + ")");
                }
                Files.setPosixFilePermissions(fifo, RW_ALL); // mkfifo's mode is cut by the umask
            }
        }
        return binding(dir, n);
    }

    /** A FIFO itself, not a link to one (the folder is the container's to write in). */
    private static boolean isFifo(Path p) {
        try {
            return (((Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS)) & 0170000)
                    == 0010000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

        private static TransportBinding binding(Path dir, int n) {
        return new TransportBinding(new AgentEndpoint("pipe", dir.toString(), Map.of("channels", Integer.toString(n))),
                Map.of(dir.toString(), ContainerDirs.CONTAINER_DIR),
                Map.of("VIREO_AGENT_PIPES", ContainerDirs.CONTAINER_DIR, "VIREO_AGENT_PIPE_COUNT", Integer.toString(n)), "");
    }

    /**
     * The container's folder under this pipe.dir with the FIFO pairs an earlier run made in it (as many as it made
     * then: the agent serves those), if they are all there.
     */
    @Override
    public java.util.Optional<TransportBinding> rebind(String containerId, String tid,
            dev.vireo.api.model.FunctionSpec function) {
        return dirs.existing(containerId).flatMap(dir -> {
            int n = 0;
            while (n < 256 && isFifo(dir.resolve("in-" + n)) && isFifo(dir.resolve("out-" + n))) {
                n++;
            }
            if (n == 0) {
                return java.util.Optional.empty();
            }
            dirs.claim(containerId);
            return java.util.Optional.of(binding(dir, n));
        });
    }

    @Override
    public AgentChannel open(AgentEndpoint endpoint, String tid) throws IOException {
        int n = Integer.parseInt(endpoint.attributes().getOrDefault("channels", "1"));
        Set<Integer> used = inUse.computeIfAbsent(endpoint.address(), k -> ConcurrentHashMap.newKeySet());
        int index = -1;
        for (int i = 0; i < n && index < 0; i++) {
            if (used.add(i)) {
                index = i;
            }
        }
        if (index < 0) {
            throw new IOException("all " + n + " FIFO pairs of " + endpoint.address() + " are in use: raise channels in"
                    + " vireo.transport.pipe (or lower the function's concurrency)");
        }
        Path dir = Path.of(endpoint.address());
        int pair = index;
        try {
            FileChannel requests = openFifo(dir.resolve("in-" + pair), StandardOpenOption.WRITE);
            FileChannel replies;
            try {
                replies = openFifo(dir.resolve("out-" + pair), StandardOpenOption.READ);
            } catch (IOException e) {
                BlockingAgentChannel.closeQuietly(requests);
                throw e;
            }
            JsonObject hello = new JsonObject();
            hello.addProperty("type", "hello");
            JsonObject first;
            try {
                Frames.write(requests, hello);
                first = within(scheduler.supply(() -> {
                    try {
                        return Frames.read(replies, maxFrame);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }), connectTimeout);
            } catch (IOException | InterruptedException | ExecutionException | TimeoutException e) {
                BlockingAgentChannel.closeQuietly(requests);
                BlockingAgentChannel.closeQuietly(replies);
                throw new IOException("agent at " + dir + " did not answer hello on pair " + pair + ": " + describe(e));
            }
            if (!"ready".equals(Frames.string(first, "type"))) {
                BlockingAgentChannel.closeQuietly(requests);
                BlockingAgentChannel.closeQuietly(replies);
                throw new IOException("the function's handler could not be loaded: " + Frames.string(first, "error_type")
                        + ": " + Frames.string(first, "error_message"));
            }
            return new FramedChannel(scheduler, clock, requests, replies, maxFrame) {
                @Override
                public void close() {
                    super.close();
                    used.remove(pair);
                }
            };
        } catch (IOException e) {
            used.remove(pair);
            throw e;
        }
    }

    /**
     * Opens one end of a FIFO, which blocks until the agent opens the other end. If the agent does not in time, the
     * open is released by opening the FIFO read-write here (never blocks on Linux) and the attempt fails.
     */
    private FileChannel openFifo(Path fifo, StandardOpenOption mode) throws IOException {
        CompletableFuture<FileChannel> opening = scheduler.supply(() -> {
            try {
                // never through a link: the folder is the container's to write in, a link could name a host file
                return FileChannel.open(fifo, mode, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            return within(opening, connectTimeout);
        } catch (TimeoutException e) {
            try (FileChannel release = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                opening.thenAccept(FramedChannel::closeQuietly);
            }
            throw new IOException("agent did not open " + fifo + " within " + connectTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + fifo);
        } catch (ExecutionException e) {
            throw new IOException("cannot open " + fifo + ": " + describe(e));
        }
    }

    /** Waits for a stage at most {@code timeout} of the project's clock (the transport never reads the wall clock). */
    private <T> T within(CompletableFuture<T> stage, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<T> bounded = new CompletableFuture<>();
        var timer = scheduler.schedule(() -> bounded.completeExceptionally(new TimeoutException()), timeout);
        stage.whenComplete((v, e) -> {
            timer.cancel();
            if (e == null) {
                bounded.complete(v);
            } else {
                bounded.completeExceptionally(e);
            }
        });
        try {
            return bounded.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException t) {
                throw t;
            }
            throw e;
        }
    }

    private static String describe(Exception e) {
        Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (t instanceof java.io.UncheckedIOException u) {
            t = u.getCause();
        }
        return t instanceof TimeoutException ? "no answer in time" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Removes the folders a crashed run made for containers this run did not take back. */
    @Override
    public void reclaim() {
        dirs.reclaim();
    }

    @Override
    public void unbind(TransportBinding binding) {
        for (String host : binding.mounts().keySet()) {
            inUse.remove(host);
            dirs.remove(host);
        }
    }
}
