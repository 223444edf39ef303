package dev.vireo.backend.docker.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.backend.BackendException;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.backend.support.DaemonBackend;
import dev.vireo.backend.support.HostLibraries;
import dev.vireo.backend.support.ImageArchives;
import dev.vireo.backend.support.PrivateDaemon;
import dev.vireo.backend.support.Processes;
import dev.vireo.backend.support.Scratch;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.Option;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Containers through the Docker Engine API (docker-java over the daemon's Unix socket). The same function images as
 * the containerd backend (archives of ./vireo image build, loaded with the image-load API on first use), the same
 * agent and transports, the same limits; GPU functions get a device request (driver nvidia, capability gpu) for the
 * GPUs the gpu resource tracker assigned. With no socket configured it starts and owns a private dockerd (root).
 * The lifecycle is {@link DaemonBackend}'s; this class holds docker-java's client and how a container is made there.
 */
@Component(service = ContainerBackend.class, configurationPid = "vireo.backend.docker")
@Designate(ocd = DockerBackend.Config.class)
@PluginName("docker")
@PluginDescription("containers through the Docker Engine API (docker-java): read-only root, limits, GPUs by device requests")
public final class DockerBackend extends DaemonBackend {
    private static final System.Logger LOG = System.getLogger(DockerBackend.class.getName());
    static final String DOCKER_ID = "docker.id";
    /** The cgroup every container is put under (its own cgroup is named by its full id). */
    static final String CGROUP_PARENT = "vireo-docker";

    @ObjectClassDefinition(name = "Vireo backend: docker", description = "Containers through the Docker Engine API.")
    public @interface Config {
        @AttributeDefinition(name = "Socket", description = "dockerd's socket; empty = start and own a private dockerd under <run dir>/docker (root only).")
        String socket() default "";

        @AttributeDefinition(name = "dockerd binary", description = "The dockerd executable started as a private daemon when no socket is configured.")
        String dockerd_binary() default "/usr/sbin/dockerd";

        @AttributeDefinition(name = "Python", description = "The interpreter inside containers (from the host's /usr when the image asks for it).")
        String python() default "/usr/bin/python3";

        @AttributeDefinition(name = "User", description = "uid:gid the function runs as (never root).")
        String user() default "65534:65534";

        @AttributeDefinition(name = "Pids limit", description = "Processes a container may hold, at most.", min = "8")
        int pids_limit() default 256;

        @AttributeDefinition(name = "Creation concurrency", description = "Containers created at once, at most.", min = "1")
        int create_concurrency() default 8;

        @AttributeDefinition(name = "Stop grace (ms)", description = "SIGTERM to SIGKILL when a container is destroyed, in milliseconds.", min = "0")
        long stop_grace_ms() default 2_000;

        @AttributeDefinition(name = "Memory cap", description = "hard: the function's memory is a limit (past it the kernel kills, reported as 'exceeded memory limit'); soft: a reservation the kernel reclaims down to under pressure; none: no cap.")
        String memory_cap() default "hard";

        @AttributeDefinition(name = "Scratch medium", description = Scratch.MEDIUM_DESCRIPTION, options = {@Option(label = "disk", value = "disk"), @Option(label = "memory", value = "memory")})
        String scratch() default "disk";

        @AttributeDefinition(name = "Images directory", description = "Where image archives are loaded from; empty = the launcher's vireo.images.dir, else <run dir>/images.")
        String images_dir() default "";

        @AttributeDefinition(name = "Runtime image", description = "The image functions registered with a code directory run on.")
        String runtime_image() default "vireo/python3:latest";

        @AttributeDefinition(name = "GPUs", description = "auto: offer gpu compute when nvidia-smi -L lists GPUs; on: always; off: never.")
        String gpu() default "auto";

        @AttributeDefinition(name = "GPU driver", description = "Device-request driver of GPU containers.")
        String gpu_driver() default "nvidia";

        @AttributeDefinition(name = "Pull", description = "Pull an image from its registry when docker does not hold it and there is no archive of it, if its reference names a registry (host with a dot or a port, or localhost: registry.example:5000/team/fn:1); false: local images and archives only.")
        boolean pull() default true;

        @AttributeDefinition(name = "Pull timeout (ms)", description = "How many milliseconds one pull may take before the container start fails.", min = "1000")
        long pull_timeout_ms() default 300_000;
    }

    private final Config config;
    private final Map<String, Long> loaded = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.locks.ReentrantLock> imageLocks = new ConcurrentHashMap<>();
    private final Map<String, BackendException> pullFailures = new ConcurrentHashMap<>();
    private final Map<String, Long> pullFailedAt = new ConcurrentHashMap<>();
    private DockerClient docker;
    private boolean gpus;

    @Activate
    public DockerBackend(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler, Config config) {
        super(new Settings("docker", config.socket(), privateDockerd(config.dockerd_binary()), config.user(),
                config.create_concurrency(), config.memory_cap(), config.images_dir(), Duration.ofSeconds(30),
                Duration.ofMillis(50), config.scratch()), context::getProperty, clock, scheduler);
        this.config = config;
        if (config.pull_timeout_ms() < 1_000) {
            throw new IllegalArgumentException("pull.timeout.ms must be at least 1000");
        }
        if (!List.of("auto", "on", "off").contains(config.gpu())) {
            throw new IllegalArgumentException("gpu '" + config.gpu() + "' is not one of auto, on, off");
        }
        activated();
    }

    /**
     * A dockerd the backend starts and owns (own data root, exec root, pid file and socket under one directory; no
     * bridge, no iptables, no daemon.json of the host), for hosts where no socket is configured. Live restore: its
     * containers outlive it, so the containers of a worker killed with -9 still run when the next one restarts it, and
     * are taken back (or reclaimed); a worker that stops cleanly removes its containers before it stops the daemon.
     */
    static PrivateDaemon.Recipe privateDockerd(String binary) {
        return new PrivateDaemon.Recipe("dockerd", binary, "docker.io", "docker.sock", "docker.pid", true, "dockerd.log",
                Duration.ofSeconds(20), (dir, socket, pid) -> {
                    Path config = dir.resolve("daemon.json");
                    Files.writeString(config, "{}\n");
                    return List.of(binary, "--config-file", config.toString(), "--data-root", dir.resolve("data").toString(),
                            "--exec-root", dir.resolve("exec").toString(), "-H", "unix://" + socket, "--pidfile",
                            pid.toString(), "--iptables=false", "--ip-masq=false", "--bridge=none", "--live-restore", "--log-level=warn");
                });
    }

    @Deactivate
    void deactivate() {
        close();
    }

    @Override
    protected void connect(String socket) {
        var cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + socket).build();
        var http = new ZerodepDockerHttpClient.Builder().dockerHost(cfg.getDockerHost()).maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofMinutes(2)).build();
        docker = DockerClientImpl.getInstance(cfg, http);
    }

    /** The version, and whether GPUs are offered (asked once dockerd answers). */
    @Override
    protected String probe() throws NotAnswering {
        String v;
        try {
            v = docker.versionCmd().exec().getVersion();
        } catch (RuntimeException e) {
            throw new NotAnswering(e.getMessage(), e);
        }
        gpus = config.gpu().equals("on") || (config.gpu().equals("auto") && nvidiaSmiListsGpus());
        return "docker " + v + (gpus ? " (GPUs offered)" : " (no GPUs)");
    }

    private static boolean nvidiaSmiListsGpus() {
        try {
            return Processes.run(List.of("nvidia-smi", "-L"), 10).contains("GPU ");
        } catch (IOException e) {
            return false; // not installed, or no driver: no GPUs
        }
    }

    @Override
    protected void disconnect() {
        if (docker != null) {
            try {
                docker.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    @Override
    protected String describe() {
        return "docker" + (gpus ? " with GPUs (" + config.gpu_driver() + ")"
                : ", no GPUs: nvidia-smi lists none (gpu = on in vireo.backend.docker offers them anyway)");
    }

    @Override
    protected Set<Compute> compute() {
        return gpus ? EnumSet.of(Compute.CPU, Compute.GPU) : EnumSet.of(Compute.CPU);
    }

    @Override
    protected void preflight(ContainerRequest request) {
        if (request.function().compute() == Compute.GPU && !gpus) {
            throw new BackendException("no GPU on this docker host (nvidia-smi lists"
                    + " none; set gpu = on in vireo.backend.docker to try anyway)");
        }
    }

    @Override
    protected Map<String, String> createContainer(ContainerRequest request, Map<String, String> labels)
            throws IOException {
        FunctionSpec fn = request.function();
        String id = request.id();
        String image = fn.image().isEmpty() ? config.runtime_image() : fn.image();
        Map<String, String> imageLabels = ensureImage(image);
        boolean agent = request.binding().agent();
        String handler = !fn.handler().isEmpty() ? fn.handler() : imageLabels.getOrDefault("dev.vireo.handler", "");
        if (handler.isEmpty() && agent) {
            throw new BackendException("image " + image + " names no handler (label"
                    + " dev.vireo.handler): register it with --handler MODULE.FUNCTION");
        }
        List<Bind> binds = new ArrayList<>();
        if ("host".equals(imageLabels.get("dev.vireo.usr"))) {
            binds.add(new Bind("/usr", new Volume("/usr"), AccessMode.ro));
            // and how the host resolves its libraries (BLAS for numpy: /etc/alternatives, the ld.so cache)
            for (String path : HostLibraries.present()) {
                binds.add(new Bind(path, new Volume(path), AccessMode.ro));
            }
        }
        if (!fn.codeDir().isEmpty() && agent) { // else the transport hands the code to the image's server
            binds.add(new Bind(fn.codeDir(), new Volume("/vireo/code"), AccessMode.ro));
        }
        for (var m : request.binding().mounts().entrySet()) {
            binds.add(new Bind(m.getKey(), new Volume(m.getValue()), AccessMode.rw));
        }
        // /tmp: scratch space of its own (Scratch: scratch_mb on disk or in memory), removed with the container
        binds.add(new Bind(createScratch(id, fn).toString(), new Volume("/tmp"), AccessMode.rw));
        Map<String, String> vars = new java.util.LinkedHashMap<>();
        if (agent) { // an image's own server keeps the image's environment
            vars.put("PATH", "/usr/local/bin:/usr/bin:/bin");
            vars.put("HOME", "/tmp");
            vars.put("PYTHONDONTWRITEBYTECODE", "1");
        }
        vars.putAll(fn.config().environment()); // the function's variables and secrets (they may set PATH, HOME)
        if (agent) {
            vars.put("VIREO_CODE_DIR", "/vireo/code");
            vars.put("VIREO_HANDLER", handler);
        }
        vars.put("VIREO_CONTAINER", id);
        vars.put("VIREO_SCRATCH_MB", Integer.toString(fn.scratchMb()));
        vars.putAll(request.binding().environment());
        List<String> env = new ArrayList<>();
        vars.forEach((k, v) -> env.add(k + "=" + v));
        long bytes = (long) fn.memoryMb() << 20;
        // an image's own server writes where its image expects: its container's own writable layer
        HostConfig host = HostConfig.newHostConfig().withBinds(binds).withReadonlyRootfs(agent)
                .withNanoCPUs(Math.max(10_000_000L, (long) (fn.cpus() * 1e9))).withPidsLimit((long) config.pids_limit())
                .withCapDrop(Capability.ALL).withSecurityOpts(List.of("no-new-privileges")).withNetworkMode("none")
                .withCgroupParent("/" + CGROUP_PARENT);
        switch (memoryCap()) {
            case HARD -> host.withMemory(bytes).withMemorySwap(bytes);
            case SOFT -> host.withMemoryReservation(bytes);
            case NONE -> { }
        }
        if (fn.compute() == Compute.GPU) {
            DeviceRequest gpu = new DeviceRequest().withDriver(config.gpu_driver())
                    .withCapabilities(List.of(List.of("gpu")));
            String assigned = request.devices().getOrDefault("gpu", "");
            host.withDeviceRequests(List.of(assigned.isEmpty() ? gpu.withCount(-1) : gpu.withDeviceIds(List.of(assigned.split(",")))));
        }
        String fullId;
        try {
            var create = docker.createContainerCmd(image).withName(id).withLabels(labels).withEnv(env)
                    .withUser(uid() + ":" + gid()).withHostConfig(host);
            if (agent) {
                create.withWorkingDir("/tmp").withCmd(config.python(), "-u", "/vireo/agent/vireo_agent.py");
            } // else the image's own entrypoint, command and working directory: its server speaks the transport
            fullId = create.exec().getId();
            created(id);
            docker.startContainerCmd(id).exec();
            if (!request.binding().network().isEmpty()) {
                joinNetwork(id, request);
            }
        } catch (DockerException | IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
            if (message.contains("could not select device driver")) {
                throw new BackendException("the NVIDIA container runtime is not installed for"
                        + " docker on this host (docker said: " + message + ")", e);
            }
            throw new BackendException("docker could not start " + id + ": " + message, e);
        }
        return Map.of(DOCKER_ID, fullId);
    }

    /**
     * Docker cannot join a prepared network namespace, so the transport's (the http transport's: eth0 already on its
     * bridge) is handed over: eth0 moves into the container's namespace and gets its address back.
     */
    private void joinNetwork(String id, ContainerRequest request) throws IOException {
        long pid = docker.inspectContainerCmd(id).exec().getState().getPidLong();
        String netns = Path.of(request.binding().network()).getFileName().toString();
        String address = request.binding().endpoint().address().split(":")[0];
        Processes.run(List.of("ip", "-n", netns, "link", "set", "eth0", "netns", Long.toString(pid)), 30);
        Processes.run(List.of("nsenter", "-t", Long.toString(pid), "-n", "ip", "addr", "add", address + "/22", "dev",
                "eth0"), 30);
        Processes.run(List.of("nsenter", "-t", Long.toString(pid), "-n", "ip", "link", "set", "eth0", "up"), 30);
    }

    /** The image's labels, loading its archive first when docker does not hold it or the archive is newer. */
    private Map<String, String> ensureImage(String image) {
        Path archive = ImageArchives.archive(imagesDir(), image);
        long modified = 0;
        try {
            modified = Files.exists(archive) ? Files.getLastModifiedTime(archive).toMillis() : 0;
        } catch (IOException e) {
            // unreadable: as if absent
        }
        // one image at a time, each on its own: a pull of one (minutes, at worst) holds up no other image's start;
        // a lock, not a monitor: creations run on virtual threads, which a monitor would pin while they wait
        java.util.concurrent.locks.ReentrantLock lock = imageLocks.computeIfAbsent(image,
                k -> new java.util.concurrent.locks.ReentrantLock());
        lock.lock();
        try {
            Long had = loaded.get(image);
            boolean present = true;
            try {
                docker.inspectImageCmd(image).exec();
            } catch (NotFoundException e) {
                present = false;
            }
            if (modified > 0 && (!present || had == null || had < modified)) {
                try (InputStream in = Files.newInputStream(archive)) {
                    docker.loadImageCmd(in).exec();
                } catch (IOException | DockerException e) {
                    throw new BackendException("loading " + archive + " into docker failed: " + e.getMessage(), e);
                }
                loaded.put(image, modified);
            } else if (!present && config.pull() && Images.registry(image).isPresent()) {
                // a pull that just failed fails those that waited for it at once, with its reason, for a while
                BackendException failed = pullFailures.get(image);
                if (failed != null && clock().nanoTime() - pullFailedAt.getOrDefault(image, 0L)
                        < java.util.concurrent.TimeUnit.SECONDS.toNanos(10)) {
                    throw new BackendException(failed.getMessage() + " (a moment ago; tried again 10 s after)", failed);
                }
                try {
                    pull(image);
                    pullFailures.remove(image);
                } catch (BackendException e) {
                    pullFailures.put(image, e);
                    pullFailedAt.put(image, clock().nanoTime());
                    throw e;
                }
            } else if (!present) {
                throw new BackendException("image " + image + " is not in docker and there is"
                        + " no archive " + archive + ": build it with ./vireo image build (see docs/containers.md)"
                        + (Images.registry(image).isPresent() ? " or set pull = true" : ", or name it with its"
                        + " registry (host:port/name:tag) to pull it"));
            }
        } finally {
            lock.unlock();
        }
        var cfg = docker.inspectImageCmd(image).exec().getConfig();
        Map<String, String> labels = cfg == null ? null : cfg.getLabels();
        return labels == null ? Map.of() : labels;
    }

    /** Pulls the image from the registry its reference names, waiting at most pull.timeout.ms. */
    private void pull(String image) {
        Images.Reference ref = Images.parse(image);
        LOG.log(Level.INFO, "pulling " + image + " from " + Images.registry(image).orElseThrow());
        java.util.concurrent.atomic.AtomicReference<String> error = new java.util.concurrent.atomic.AtomicReference<>();
        var progress = new com.github.dockerjava.api.async.ResultCallback.Adapter<
                com.github.dockerjava.api.model.PullResponseItem>() {
            @Override
            public void onNext(com.github.dockerjava.api.model.PullResponseItem item) {
                if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                    error.set(item.getErrorDetail().getMessage()); // docker's reason, kept for the message
                }
            }
        };
        try (progress) {
            var cmd = docker.pullImageCmd(ref.repository());
            boolean done = (ref.tag().isEmpty() ? cmd : cmd.withTag(ref.tag())).exec(progress)
                    .awaitCompletion(config.pull_timeout_ms(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!done) {
                throw new BackendException("pulling " + image + " took more than " + config.pull_timeout_ms()
                        + " ms (pull.timeout.ms)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("pulling " + image + " was interrupted", e);
        } catch (BackendException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BackendException("pulling " + image + " failed: " + (error.get() != null ? error.get()
                    : e.getMessage()), e);
        }
        if (error.get() != null) {
            throw new BackendException("pulling " + image + " failed: " + error.get());
        }
        try {
            docker.inspectImageCmd(image).exec();
        } catch (NotFoundException e) {
            throw new BackendException("pulling " + image + " ended without the image (" + e.getMessage() + ")", e);
        }
    }

    /** Stops (SIGTERM, then SIGKILL after the grace) and removes a container and its scratch directory. */
    @Override
    protected void removeContainer(String id, String tid) {
        try {
            docker.stopContainerCmd(id).withTimeout((int) Math.max(0, config.stop_grace_ms() / 1000)).exec();
        } catch (DockerException e) {
            // gone, not running (304) or stopping: the forced removal below settles it
        }
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (DockerException e) {
            LOG.log(Level.WARNING, "[" + tid + "] remove " + id + ": " + e.getMessage());
        }
        removeScratch(id, tid);
    }

    /**
     * The instance's containers by the names the worker gave them (its container ids); with null, every container
     * labelled with an instance (after a crash).
     */
    @Override
    protected List<String> containers(String instance) {
        var list = docker.listContainersCmd().withShowAll(true);
        return (instance == null ? list.withLabelFilter(List.of(INSTANCE_LABEL))
                : list.withLabelFilter(Map.of(INSTANCE_LABEL, instance))).exec().stream()
                .map(c -> c.getNames() == null || c.getNames().length == 0 ? c.getId()
                        : c.getNames()[0].startsWith("/") ? c.getNames()[0].substring(1) : c.getNames()[0])
                .toList();
    }

    /** Its labels, docker's id and its init pid while it runs; null if it is gone or stopped. */
    @Override
    protected Map<String, String> running(String id) {
        try {
            InspectContainerResponse inspected = docker.inspectContainerCmd(id).exec();
            InspectContainerResponse.ContainerState state = inspected.getState();
            if (state == null || !Boolean.TRUE.equals(state.getRunning())) {
                return null;
            }
            Map<String, String> labels = new java.util.HashMap<>(inspected.getConfig() == null
                    || inspected.getConfig().getLabels() == null ? Map.of() : inspected.getConfig().getLabels());
            labels.put(DOCKER_ID, inspected.getId());
            if (state.getPidLong() != null && state.getPidLong() > 0) {
                labels.put(PID_LABEL, Long.toString(state.getPidLong()));
            }
            return labels;
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** Docker names a container's cgroup by its full id, under the cgroup parent. */
    @Override
    protected Path cgroup(ContainerHandle container) {
        String full = container.labels().get(DOCKER_ID);
        return full == null ? null : Path.of(CGROUP_PARENT, full);
    }

    /**
     * Docker records an OOM kill on the container's state only once the task has exited, so the state is asked for
     * up to a second.
     */
    @Override
    protected boolean oomKilledPerDaemon(ContainerHandle container) {
        long deadline = clock().nanoTime() + Duration.ofSeconds(1).toNanos();
        try {
            while (true) {
                InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(container.id()).exec().getState();
                if (Boolean.TRUE.equals(state.getOOMKilled())) {
                    return true;
                }
                if (!Boolean.TRUE.equals(state.getRunning()) || clock().nanoTime() > deadline) {
                    return false;
                }
                scheduler().delay(Duration.ofMillis(20)).join();
            }
        } catch (DockerException e) {
            return false; // gone: nothing to tell
        }
    }
}
