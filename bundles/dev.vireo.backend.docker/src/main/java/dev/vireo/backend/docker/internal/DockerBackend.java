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
import dev.vireo.api.spi.backend.BackendStatus;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.backend.ContainerUsage;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.backend.support.CgroupMemory;
import dev.vireo.backend.support.CreationGate;
import dev.vireo.backend.support.ImageArchives;
import dev.vireo.backend.support.MemoryCap;
import dev.vireo.backend.support.PrivateDaemon;
import dev.vireo.backend.support.Processes;
import dev.vireo.backend.support.RemovalGate;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Containers through the Docker Engine API (docker-java over the daemon's Unix socket). The same function images as
 * the containerd backend (archives of ./vireo image build, loaded with the image-load API on first use), the same
 * agent and transports, the same limits; GPU functions get a device request (driver nvidia, capability gpu) for the
 * GPUs the gpu resource tracker assigned. With no socket configured it starts and owns a private dockerd (root).
 */
@Component(service = ContainerBackend.class, configurationPid = "vireo.backend.docker")
@Designate(ocd = DockerBackend.Config.class)
@PluginName("docker")
@PluginDescription("containers through the Docker Engine API (docker-java): read-only root, limits, GPUs by device requests")
public final class DockerBackend implements ContainerBackend {
    private static final System.Logger LOG = System.getLogger(DockerBackend.class.getName());
    static final String INSTANCE_LABEL = "vireo.instance";
    static final String DOCKER_ID = "docker.id";

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

        @AttributeDefinition(name = "Images directory", description = "Where image archives are loaded from; empty = the launcher's vireo.images.dir, else <run dir>/images.")
        String images_dir() default "";

        @AttributeDefinition(name = "Runtime image", description = "The image functions registered with a code directory run on.")
        String runtime_image() default "vireo/python3:latest";

        @AttributeDefinition(name = "GPUs", description = "auto: offer gpu compute when nvidia-smi -L lists GPUs; on: always; off: never.")
        String gpu() default "auto";

        @AttributeDefinition(name = "GPU driver", description = "Device-request driver of GPU containers.")
        String gpu_driver() default "nvidia";
    }

    private final TaskScheduler scheduler;
    private final Clock clock;
    private final Config config;
    private final Path runDir;
    private final Path imagesDir;
    private final CreationGate creations;
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> loaded = new ConcurrentHashMap<>();
    private final int uid;
    private final int gid;
    private final MemoryCap memoryCap;
    private PrivateDockerd daemon;
    private DockerClient docker;
    private boolean connected;
    private boolean gpus;
    private volatile String unavailable = "not connected yet";

    @Activate
    public DockerBackend(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler, Config config) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.config = config;
        String run = context.getProperty("vireo.run.dir");
        this.runDir = run == null || run.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "vireo-docker") : Path.of(run);
        String images = context.getProperty("vireo.images.dir");
        this.imagesDir = ImageArchives.dir(config.images_dir(), images, runDir);
        this.creations = new CreationGate(scheduler, config.create_concurrency());
        String[] ug = config.user().split(":");
        this.uid = Integer.parseInt(ug[0].trim());
        this.gid = Integer.parseInt(ug.length > 1 ? ug[1].trim() : ug[0].trim());
        if (uid == 0) {
            throw new IllegalArgumentException("user must not be root (uid 0)");
        }
        this.memoryCap = MemoryCap.parse(config.memory_cap());
        if (!List.of("auto", "on", "off").contains(config.gpu())) {
            throw new IllegalArgumentException("gpu '" + config.gpu() + "' is not one of auto, on, off");
        }
        if (config.socket().isBlank() && Files.exists(runDir.resolve("docker/docker.pid"))) {
            scheduler.execute(this::reclaimAfterCrash); // the last private dockerd of this run folder was not stopped
        }
    }

    private synchronized void reclaimAfterCrash() {
        ensureConnected();
        if (unavailable == null) {
            List<Container> all = docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(List.of(INSTANCE_LABEL)).exec();
            all.forEach(c -> remove(c.getId(), "reclaim"));
            LOG.log(Level.INFO, "reclaimed " + all.size() + " containers a crashed run left in the private dockerd");
        }
    }

    private synchronized void ensureConnected() {
        if (!connected) {
            connected = true;
            connect();
        }
    }

    private void connect() {
        String socket = config.socket();
        try {
            if (socket.isBlank()) {
                String why = PrivateDaemon.whyNot("dockerd", config.dockerd_binary(), "vireo.backend.docker", "docker.io");
                if (why != null) {
                    unavailable = why;
                    return;
                }
                daemon = PrivateDockerd.start(config.dockerd_binary(), runDir.resolve("docker"));
                socket = daemon.socket.toString();
            }
            var cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost("unix://" + socket).build();
            var http = new ZerodepDockerHttpClient.Builder().dockerHost(cfg.getDockerHost()).maxConnections(64)
                    .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofMinutes(2)).build();
            docker = DockerClientImpl.getInstance(cfg, http);
            long deadline = clock.nanoTime() + Duration.ofSeconds(30).toNanos();
            RuntimeException last = null;
            while (clock.nanoTime() < deadline) {
                try {
                    String v = docker.versionCmd().exec().getVersion();
                    gpus = config.gpu().equals("on") || (config.gpu().equals("auto") && nvidiaSmiListsGpus());
                    LOG.log(Level.INFO, "docker " + v + " at " + socket + (daemon == null ? "" : ", private")
                            + (gpus ? ", GPUs offered" : ", no GPUs"));
                    unavailable = null;
                    return;
                } catch (RuntimeException e) {
                    last = e;
                    if (daemon != null && !daemon.alive()) {
                        break;
                    }
                    scheduler.delay(Duration.ofMillis(50)).join();
                }
            }
            unavailable = "dockerd at " + socket + " does not answer" + (last == null ? "" : ": " + last.getMessage())
                    + (daemon == null ? "" : " (see " + runDir.resolve("docker/dockerd.log") + ")");
        } catch (IOException | RuntimeException e) {
            unavailable = "cannot reach docker: " + e.getMessage();
        }
        LOG.log(Level.WARNING, "docker backend unavailable: " + unavailable);
    }

    private static boolean nvidiaSmiListsGpus() {
        try {
            return Processes.run(List.of("nvidia-smi", "-L"), 10).contains("GPU ");
        } catch (IOException e) {
            return false; // not installed, or no driver: no GPUs
        }
    }

    @Deactivate
    synchronized void close() {
        if (!connected) {
            return;
        }
        for (String id : live) {
            remove(id, "shutdown");
        }
        if (docker != null) {
            try {
                docker.close();
            } catch (IOException e) {
                // closing
            }
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Override
    public BackendStatus status() {
        ensureConnected();
        String why = unavailable;
        if (why != null) {
            return new BackendStatus(false, why, EnumSet.of(Compute.CPU), 0);
        }
        return new BackendStatus(true, "docker" + (gpus ? " with GPUs (" + config.gpu_driver() + ")"
                : ", no GPUs: nvidia-smi lists none (gpu = on in vireo.backend.docker offers them anyway)"),
                gpus ? EnumSet.of(Compute.CPU, Compute.GPU) : EnumSet.of(Compute.CPU), live.size());
    }

    @Override
    public CompletionStage<ContainerHandle> create(ContainerRequest request) {
        ensureConnected();
        if (unavailable != null) {
            return CompletableFuture.failedFuture(new BackendException("docker is unavailable: " + unavailable));
        }
        if (request.function().compute() == Compute.GPU && !gpus) {
            return CompletableFuture.failedFuture(new BackendException("no GPU on this docker host (nvidia-smi lists"
                    + " none; set gpu = on in vireo.backend.docker to try anyway)"));
        }
        return creations.create(request, () -> createNow(request));
    }

    private ContainerHandle createNow(ContainerRequest request) throws IOException {
        FunctionSpec fn = request.function();
        String id = request.id();
        String image = fn.image().isEmpty() ? config.runtime_image() : fn.image();
        Map<String, String> imageLabels = ensureImage(image);
        String handler = !fn.handler().isEmpty() ? fn.handler() : imageLabels.getOrDefault("dev.vireo.handler", "");
        if (handler.isEmpty()) {
            throw new CompletionException(new BackendException("image " + image + " names no handler (label"
                    + " dev.vireo.handler): register it with --handler MODULE.FUNCTION"));
        }
        List<Bind> binds = new ArrayList<>();
        if ("host".equals(imageLabels.get("dev.vireo.usr"))) {
            binds.add(new Bind("/usr", new Volume("/usr"), AccessMode.ro));
        }
        if (!fn.codeDir().isEmpty()) {
            binds.add(new Bind(fn.codeDir(), new Volume("/vireo/code"), AccessMode.ro));
        }
        for (var m : request.binding().mounts().entrySet()) {
            Files.setAttribute(Path.of(m.getKey()), "unix:uid", uid);
            Files.setAttribute(Path.of(m.getKey()), "unix:gid", gid);
            binds.add(new Bind(m.getKey(), new Volume(m.getValue()), AccessMode.rw));
        }
        List<String> env = new ArrayList<>(List.of("PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp",
                "PYTHONDONTWRITEBYTECODE=1", "VIREO_CODE_DIR=/vireo/code", "VIREO_HANDLER=" + handler,
                "VIREO_CONTAINER=" + id));
        request.binding().environment().forEach((k, v) -> env.add(k + "=" + v));
        long bytes = (long) fn.memoryMb() << 20;
        HostConfig host = HostConfig.newHostConfig().withBinds(binds).withReadonlyRootfs(true)
                .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=65536k,mode=1777"))
                .withNanoCPUs(Math.max(10_000_000L, (long) (fn.cpus() * 1e9))).withPidsLimit((long) config.pids_limit())
                .withCapDrop(Capability.ALL).withSecurityOpts(List.of("no-new-privileges")).withNetworkMode("none")
                .withCgroupParent("/vireo-docker");
        switch (memoryCap) {
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
        Map<String, String> labels = new HashMap<>(request.labels());
        labels.put(INSTANCE_LABEL, request.instance());
        labels.put("vireo.function", fn.id());
        String fullId;
        try {
            fullId = docker.createContainerCmd(image).withName(id).withLabels(labels).withEnv(env)
                    .withUser(uid + ":" + gid).withWorkingDir("/tmp")
                    .withCmd(config.python(), "-u", "/vireo/agent/vireo_agent.py").withHostConfig(host).exec().getId();
            live.add(id);
            docker.startContainerCmd(id).exec();
            if (!request.binding().network().isEmpty()) {
                joinNetwork(id, request);
            }
        } catch (DockerException | IOException e) {
            remove(id, request.tid());
            String message = e.getMessage() == null ? e.toString() : e.getMessage().strip();
            if (message.contains("could not select device driver")) {
                throw new CompletionException(new BackendException("the NVIDIA container runtime is not installed for"
                        + " docker on this host (docker said: " + message + ")", e));
            }
            throw new CompletionException(new BackendException("docker could not start " + id + ": " + message, e));
        }
        labels.put(DOCKER_ID, fullId);
        return new ContainerHandle(id, fn.id(), "docker", request.binding().endpoint(), fn.memoryMb(), labels);
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
        Path archive = ImageArchives.archive(imagesDir, image);
        long modified = 0;
        try {
            modified = Files.exists(archive) ? Files.getLastModifiedTime(archive).toMillis() : 0;
        } catch (IOException e) {
            // unreadable: as if absent
        }
        synchronized (loaded) {
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
                    throw new CompletionException(new BackendException("loading " + archive + " into docker failed: "
                            + e.getMessage(), e));
                }
                loaded.put(image, modified);
            } else if (!present) {
                throw new CompletionException(new BackendException("image " + image + " is not in docker and there is"
                        + " no archive " + archive + ": build it with ./vireo image build (see docs/containers.md)"));
            }
        }
        var cfg = docker.inspectImageCmd(image).exec().getConfig();
        Map<String, String> labels = cfg == null ? null : cfg.getLabels();
        return labels == null ? Map.of() : labels;
    }

    @Override
    public CompletionStage<Void> destroy(ContainerHandle container, String tid) {
        return scheduler.supply(() -> {
            remove(container.id(), tid);
            return null;
        });
    }

    private final RemovalGate removals = new RemovalGate();

    /** Stops (SIGTERM, then SIGKILL after the grace) and removes a container; one removal per container at a time. */
    private void remove(String id, String tid) {
        removals.remove(id, () -> {
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
            live.remove(id);
        });
    }

    @Override
    public ContainerUsage usage(ContainerHandle container) {
        String full = container.labels().get(DOCKER_ID);
        return full == null ? ContainerUsage.UNKNOWN : CgroupMemory.usage(
                Path.of("/sys/fs/cgroup/memory/vireo-docker", full), Path.of("/sys/fs/cgroup/vireo-docker", full));
    }

    /**
     * An OOM kill shows at once in the container's cgroup (memory.oom_control or memory.events); docker records it on
     * the container's state only once the task has exited, so the state is asked too, for up to a second.
     */
    @Override
    public Optional<String> failure(ContainerHandle container) {
        String oom = "exceeded memory limit (" + container.memoryMb() + " MB)";
        String full = container.labels().get(DOCKER_ID);
        if (full != null && CgroupMemory.oomKilled(Path.of("/sys/fs/cgroup/memory/vireo-docker", full),
                Path.of("/sys/fs/cgroup/vireo-docker", full))) {
            return Optional.of(oom);
        }
        long deadline = clock.nanoTime() + Duration.ofSeconds(1).toNanos();
        try {
            while (true) {
                InspectContainerResponse.ContainerState state = docker.inspectContainerCmd(container.id()).exec().getState();
                if (Boolean.TRUE.equals(state.getOOMKilled())) {
                    return Optional.of(oom);
                }
                if (!Boolean.TRUE.equals(state.getRunning()) || clock.nanoTime() > deadline) {
                    return Optional.empty();
                }
                scheduler.delay(Duration.ofMillis(20)).join();
            }
        } catch (DockerException e) {
            return Optional.empty(); // gone: nothing to tell
        }
    }

    @Override
    public synchronized int reclaim(String instance) {
        if (config.socket().isBlank() && !connected) {
            return 0; // a private dockerd never started holds nothing; a crashed one is handled at activation
        }
        ensureConnected();
        if (unavailable != null) {
            return 0;
        }
        List<Container> list = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(INSTANCE_LABEL, instance)).exec();
        list.forEach(c -> remove(c.getId(), "reclaim-" + instance));
        if (!list.isEmpty()) {
            LOG.log(Level.INFO, "reclaimed " + list.size() + " docker containers left by an earlier run of " + instance);
        }
        return list.size();
    }
}
