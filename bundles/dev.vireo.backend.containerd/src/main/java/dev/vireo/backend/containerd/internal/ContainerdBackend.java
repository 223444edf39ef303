package dev.vireo.backend.containerd.internal;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
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
import dev.vireo.backend.support.RemovalGate;
import dev.vireo.containerd.containers.Container;
import dev.vireo.containerd.containers.ContainersGrpc;
import dev.vireo.containerd.containers.CreateContainerRequest;
import dev.vireo.containerd.containers.DeleteContainerRequest;
import dev.vireo.containerd.containers.ListContainersRequest;
import dev.vireo.containerd.tasks.CreateTaskRequest;
import dev.vireo.containerd.tasks.DeleteTaskRequest;
import dev.vireo.containerd.tasks.KillRequest;
import dev.vireo.containerd.tasks.StartRequest;
import dev.vireo.containerd.tasks.TasksGrpc;
import dev.vireo.containerd.tasks.WaitRequest;
import dev.vireo.containerd.version.VersionGrpc;
import dev.vireo.containerd.content.ContentGrpc;
import dev.vireo.containerd.images.ImagesGrpc;
import dev.vireo.containerd.leases.CreateRequest;
import dev.vireo.containerd.leases.DeleteRequest;
import dev.vireo.containerd.leases.LeasesGrpc;
import dev.vireo.containerd.snapshots.RemoveSnapshotRequest;
import dev.vireo.containerd.snapshots.SnapshotsGrpc;
import dev.vireo.containerd.snapshots.ViewSnapshotRequest;
import io.grpc.stub.MetadataUtils;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Containers through containerd's gRPC API. With no socket configured it starts and owns a private containerd
 * (root only). A function registered with a code directory runs on a skeleton root directory (the runtime image's
 * content, kept as a directory: no snapshot per container) with the code mounted read-only; a function registered
 * with an image runs on a read-only snapshot view of that image (imported from an archive of ./vireo image build on
 * first use), under a lease so concurrent creation never meets the snapshot garbage collector. Every container is labelled with the worker
 * instance, so leftovers of a worker that died are reclaimed. Creation concurrency is bounded.
 */
@Component(service = ContainerBackend.class, configurationPid = "vireo.backend.containerd")
@Designate(ocd = ContainerdBackend.Config.class)
@PluginName("containerd")
@PluginDescription("containers through containerd (runc): read-only root, no network, memory/CPU/pids limits")
public final class ContainerdBackend implements ContainerBackend {
    private static final System.Logger LOG = System.getLogger(ContainerdBackend.class.getName());
    static final String SPEC_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/Spec";
    static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
    static final String INSTANCE_LABEL = "vireo.instance";
    static final Metadata.Key<String> LEASE = Metadata.Key.of("containerd-lease", Metadata.ASCII_STRING_MARSHALLER);

    @ObjectClassDefinition(name = "Vireo backend: containerd", description = "Containers through containerd.")
    public @interface Config {
        @AttributeDefinition(name = "Socket", description = "containerd's gRPC socket; empty = start and own a private containerd under <run dir>/containerd (root only).")
        String socket() default "";

        @AttributeDefinition(name = "Namespace", description = "containerd namespace of Vireo's containers.")
        String namespace() default "vireo";

        @AttributeDefinition(name = "Runtime", description = "containerd runtime (shim) of the containers.")
        String runtime() default "io.containerd.runc.v2";

        @AttributeDefinition(name = "containerd binary", description = "The containerd executable started as a private daemon when no socket is configured.")
        String containerd_binary() default "/usr/bin/containerd";

        @AttributeDefinition(name = "Python", description = "The interpreter inside containers (from the host's /usr).")
        String python() default "/usr/bin/python3";

        @AttributeDefinition(name = "User", description = "uid:gid the function runs as (never root).")
        String user() default "65534:65534";

        @AttributeDefinition(name = "Pids limit", description = "Processes a container may hold, at most.", min = "8")
        int pids_limit() default 256;

        @AttributeDefinition(name = "Creation concurrency", description = "Containers created at once, at most (containerd stalls beyond ~16).", min = "1")
        int create_concurrency() default 16;

        @AttributeDefinition(name = "Memory cap", description = "hard: the function's memory is a limit (past it the kernel kills, reported as 'exceeded memory limit'); soft: a reservation the kernel reclaims down to under pressure; none: no cap.")
        String memory_cap() default "hard";

        @AttributeDefinition(name = "Images directory", description = "Where image archives (./vireo image build) are found and imported from; empty = the launcher's vireo.images.dir, else <run dir>/images.")
        String images_dir() default "";

        @AttributeDefinition(name = "ctr binary", description = "containerd's own client, used to import image archives.")
        String ctr_binary() default "/usr/bin/ctr";

        @AttributeDefinition(name = "Snapshotter", description = "containerd snapshotter for image root file systems.")
        String snapshotter() default "overlayfs";

        @AttributeDefinition(name = "Stop grace (ms)", description = "SIGTERM to SIGKILL when a container is destroyed, in milliseconds.", min = "0")
        long stop_grace_ms() default 2_000;
    }

    private final Clock clock;
    private final TaskScheduler scheduler;
    private final Config config;
    private final Path runDir;
    private final Path agentDir;
    private final Path imagesDir;
    private final CreationGate creations;
    private final MemoryCap memoryCap;
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final int uid;
    private final int gid;
    private PrivateContainerd daemon;
    private ManagedChannel channel;
    private ContainersGrpc.ContainersBlockingStub containers;
    private TasksGrpc.TasksBlockingStub tasks;
    private VersionGrpc.VersionBlockingStub version;
    private SnapshotsGrpc.SnapshotsBlockingStub snapshots;
    private LeasesGrpc.LeasesBlockingStub leases;
    private Images images;
    private volatile String unavailable = "not connected yet";

    @Activate
    public ContainerdBackend(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler,
            Config config) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.config = config;
        String run = context.getProperty("vireo.run.dir");
        this.runDir = run == null || run.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "vireo-containerd")
                : Path.of(run);
        String home = context.getProperty("vireo.home");
        this.agentDir = Path.of(home == null ? "." : home, "agent", "python").toAbsolutePath();
        String images = context.getProperty("vireo.images.dir");
        this.imagesDir = ImageArchives.dir(config.images_dir(), images, runDir);
        this.creations = new CreationGate(scheduler, config.create_concurrency());
        this.memoryCap = MemoryCap.parse(config.memory_cap());
        String[] ug = config.user().split(":");
        this.uid = Integer.parseInt(ug[0].trim());
        this.gid = Integer.parseInt(ug.length > 1 ? ug[1].trim() : ug[0].trim());
        if (uid == 0) {
            throw new IllegalArgumentException("user must not be root (uid 0)");
        }
        if (config.socket().isBlank() && Files.exists(runDir.resolve("containerd/containerd.pid"))) {
            // the last private daemon of this run folder was not stopped: its worker died. Clean up now.
            scheduler.execute(this::reclaimAfterCrash);
        }
    }

    /**
     * Everything in a private daemon after a crash is a leftover of this run folder: remove it all. Synchronized
     * with {@link #reclaim}: two removals of one container at once can orphan its shim.
     */
    private synchronized void reclaimAfterCrash() {
        ensureConnected();
        if (unavailable != null) {
            return;
        }
        var all = containers.list(ListContainersRequest.getDefaultInstance()).getContainersList();
        for (Container c : all) {
            remove(c.getId(), "reclaim");
        }
        LOG.log(Level.INFO, "reclaimed " + all.size() + " containers a crashed run left in the private containerd");
    }

    private boolean connected;

    /**
     * Connects on first use (so an instance that never uses containerd starts no daemon) to the configured
     * containerd, or starts a private one; records why not, if it cannot.
     */
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
                String why = PrivateDaemon.whyNot("containerd", config.containerd_binary(), "vireo.backend.containerd", "containerd runc");
                if (why != null) {
                    unavailable = why;
                    return;
                }
                daemon = PrivateContainerd.start(config.containerd_binary(), runDir.resolve("containerd"));
                socket = daemon.socket.toString();
            }
            channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
            Channel namespaced = ClientInterceptors.intercept(channel, new Namespace(config.namespace()));
            containers = ContainersGrpc.newBlockingStub(namespaced);
            tasks = TasksGrpc.newBlockingStub(namespaced);
            version = VersionGrpc.newBlockingStub(channel);
            snapshots = SnapshotsGrpc.newBlockingStub(namespaced);
            leases = LeasesGrpc.newBlockingStub(namespaced);
            images = new Images(ImagesGrpc.newBlockingStub(namespaced), ContentGrpc.newBlockingStub(namespaced), imagesDir,
                    config.ctr_binary(), socket, config.namespace());
            long deadline = clock.nanoTime() + Duration.ofSeconds(15).toNanos();
            StatusRuntimeException last = null;
            while (clock.nanoTime() < deadline) {
                try {
                    String v = version.withDeadlineAfter(1, TimeUnit.SECONDS).version(Empty.getDefaultInstance()).getVersion();
                    LOG.log(Level.INFO, "containerd " + v + " at " + socket + " (namespace " + config.namespace() + ")"
                            + (daemon == null ? "" : ", private"));
                    unavailable = null;
                    return;
                } catch (StatusRuntimeException e) {
                    last = e;
                    if (daemon != null && !daemon.alive()) {
                        break;
                    }
                    scheduler.delay(Duration.ofMillis(20)).join();
                }
            }
            unavailable = "containerd at " + socket + " does not answer" + (last == null ? "" : ": " + last.getStatus())
                    + (daemon == null ? "" : " (see " + runDir.resolve("containerd/containerd.log") + ")");
        } catch (IOException | RuntimeException e) {
            unavailable = "cannot reach containerd: " + e.getMessage();
        }
        LOG.log(Level.WARNING, "containerd backend unavailable: " + unavailable);
    }

    @Deactivate
    synchronized void close() {
        if (!connected) {
            return;
        }
        for (String id : live) {
            remove(id, "shutdown");
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Override
    public BackendStatus status() {
        ensureConnected();
        String why = unavailable;
        return why == null
                ? new BackendStatus(true, "containerd (namespace " + config.namespace() + ")", EnumSet.of(Compute.CPU), live.size())
                : new BackendStatus(false, why, EnumSet.of(Compute.CPU), 0);
    }

    @Override
    public CompletionStage<ContainerHandle> create(ContainerRequest request) {
        ensureConnected();
        if (unavailable != null) {
            return CompletableFuture.failedFuture(new BackendException("containerd is unavailable: " + unavailable));
        }
        return creations.create(request, () -> createNow(request));
    }

    private ContainerHandle createNow(ContainerRequest request) throws IOException {
        FunctionSpec fn = request.function();
        String id = request.id();
        for (String hostDir : request.binding().mounts().keySet()) {
            // the agent runs as an unprivileged user: it must be able to create its socket there
            Files.setAttribute(Path.of(hostDir), "unix:uid", uid);
            Files.setAttribute(Path.of(hostDir), "unix:gid", gid);
        }
        Map<String, String> labels = new HashMap<>(request.labels());
        labels.put(INSTANCE_LABEL, request.instance());
        labels.put("vireo.function", fn.id());
        Container.Builder container = Container.newBuilder().setId(id).putAllLabels(labels).setRuntime(runtime());
        CreateTaskRequest.Builder task = CreateTaskRequest.newBuilder().setContainerId(id);
        OciSpec.Root root;
        ContainersGrpc.ContainersBlockingStub leased = containers;
        try {
            if (fn.image().isEmpty()) {
                root = new OciSpec.Root(Rootfs.ensure(runDir.resolve("rootfs")).toString(), agentDir, fn.codeDir(), true,
                        fn.handler());
            } else {
                Images.Resolved image = images.resolve(fn.image());
                String handler = !fn.handler().isEmpty() ? fn.handler() : image.labels().getOrDefault(Images.HANDLER_LABEL, "");
                if (handler.isEmpty()) {
                    throw new BackendException("image " + fn.image() + " names no handler (label " + Images.HANDLER_LABEL
                            + "): register it with --handler MODULE.FUNCTION");
                }
                // a lease per container holds its snapshot until Containers.Create references it (snapshot GC race)
                leases.create(CreateRequest.newBuilder().setId(id).putLabels(INSTANCE_LABEL, request.instance()).build());
                Metadata lease = new Metadata();
                lease.put(LEASE, id);
                var withLease = MetadataUtils.newAttachHeadersInterceptor(lease);
                var view = snapshots.withInterceptors(withLease).view(ViewSnapshotRequest.newBuilder()
                        .setSnapshotter(config.snapshotter()).setKey(id).setParent(image.chainId())
                        .putLabels(INSTANCE_LABEL, request.instance()).build());
                task.addAllRootfs(view.getMountsList());
                container.setImage(fn.image()).setSnapshotter(config.snapshotter()).setSnapshotKey(id);
                leased = containers.withInterceptors(withLease);
                root = new OciSpec.Root("rootfs", null, fn.codeDir(), "host".equals(image.labels().get(Images.USR_LABEL)),
                        handler);
            }
            String spec = OciSpec.build(id, fn, request.binding(), root,
                    new OciSpec.Limits(uid, gid, config.pids_limit(), config.python(), memoryCap)).toString();
            leased.create(CreateContainerRequest.newBuilder().setContainer(
                    container.setSpec(Any.newBuilder().setTypeUrl(SPEC_TYPE).setValue(ByteString.copyFromUtf8(spec)))).build());
            live.add(id);
            tasks.create(task.build());
            tasks.start(StartRequest.newBuilder().setContainerId(id).build());
        } catch (StatusRuntimeException e) {
            remove(id, request.tid());
            throw new CompletionException(new BackendException("containerd could not start " + id + ": "
                    + e.getStatus().getCode() + " " + e.getStatus().getDescription(), e));
        } catch (BackendException e) {
            remove(id, request.tid());
            throw new CompletionException(e);
        }
        return new ContainerHandle(id, fn.id(), "containerd", request.binding().endpoint(), fn.memoryMb(), labels);
    }

    /**
     * The runtime and, for a private daemon, runc state of its own: every containerd using the namespace otherwise
     * shares /run/containerd/runc/<namespace>, and a leftover there makes a new container of the same id fail.
     */
    private Container.Runtime runtime() {
        Container.Runtime.Builder b = Container.Runtime.newBuilder().setName(config.runtime());
        if (daemon != null) {
            b.setOptions(Any.newBuilder().setTypeUrl("containerd.runc.v1.Options").setValue(
                    dev.vireo.containerd.runc.Options.newBuilder().setRoot(runDir.resolve("containerd/runc").toString())
                            .build().toByteString()));
        }
        return b.build();
    }

    @Override
    public CompletionStage<Void> destroy(ContainerHandle container, String tid) {
        return scheduler.supply(() -> {
            remove(container.id(), tid);
            return null;
        });
    }

    private final RemovalGate removals = new RemovalGate();

    /** Stops and deletes a task and its container, whatever state they are in; one removal per container at a time. */
    private void remove(String id, String tid) {
        removals.remove(id, () -> removeNow(id, tid));
    }

    private void removeNow(String id, String tid) {
        try {
            tasks.kill(KillRequest.newBuilder().setContainerId(id).setSignal(15).build());
            try {
                tasks.withDeadlineAfter(Math.max(1, config.stop_grace_ms()), TimeUnit.MILLISECONDS)
                        .wait(WaitRequest.newBuilder().setContainerId(id).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                    tasks.kill(KillRequest.newBuilder().setContainerId(id).setSignal(9).setAll(true).build());
                    tasks.withDeadlineAfter(5, TimeUnit.SECONDS).wait(WaitRequest.newBuilder().setContainerId(id).build());
                }
            }
        } catch (StatusRuntimeException e) {
            ignoreMissing(e, tid, "kill " + id);
        }
        try {
            tasks.delete(DeleteTaskRequest.newBuilder().setContainerId(id).build());
        } catch (StatusRuntimeException e) {
            ignoreMissing(e, tid, "delete task " + id);
        }
        try {
            containers.delete(DeleteContainerRequest.newBuilder().setId(id).build());
        } catch (StatusRuntimeException e) {
            ignoreMissing(e, tid, "delete container " + id);
        }
        try {
            snapshots.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(config.snapshotter()).setKey(id).build());
        } catch (StatusRuntimeException e) {
            ignoreMissing(e, tid, "remove snapshot " + id);
        }
        try {
            leases.delete(DeleteRequest.newBuilder().setId(id).build());
        } catch (StatusRuntimeException e) {
            ignoreMissing(e, tid, "delete lease " + id);
        }
        live.remove(id);
    }

    private static void ignoreMissing(StatusRuntimeException e, String tid, String what) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND && e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
            LOG.log(Level.WARNING, "[" + tid + "] " + what + ": " + e.getStatus());
        }
    }

    @Override
    public ContainerUsage usage(ContainerHandle container) {
        return CgroupMemory.usage(Path.of("/sys/fs/cgroup/memory/vireo", container.id()),
                Path.of("/sys/fs/cgroup/vireo", container.id()));
    }

    /** An OOM kill shows in the container's cgroup: memory.oom_control (v1) or memory.events (v2). */
    @Override
    public java.util.Optional<String> failure(ContainerHandle container) {
        return CgroupMemory.oomKilled(Path.of("/sys/fs/cgroup/memory/vireo", container.id()),
                Path.of("/sys/fs/cgroup/vireo", container.id()))
                ? java.util.Optional.of("exceeded memory limit (" + container.memoryMb() + " MB)")
                : java.util.Optional.empty();
    }

    /**
     * Removes the instance's leftovers. A private daemon that was never started holds none (what a crashed one left
     * is removed at activation, see the pid file check), so this does not start one: the worker calls it at every
     * start, and a daemon per boot costs about 0.4 s of boot time on 2 cores.
     */
    @Override
    public synchronized int reclaim(String instance) {
        if (config.socket().isBlank() && !connected) {
            return 0;
        }
        ensureConnected();
        if (unavailable != null) {
            return 0;
        }
        int removed = 0;
        var list = containers.list(ListContainersRequest.newBuilder()
                .addFilters("labels.\"" + INSTANCE_LABEL + "\"==" + instance).build());
        for (Container c : list.getContainersList()) {
            remove(c.getId(), "reclaim-" + instance);
            removed++;
        }
        if (removed > 0) {
            LOG.log(Level.INFO, "reclaimed " + removed + " containers left by an earlier run of " + instance);
        }
        return removed;
    }

    /** Sends the containerd namespace header on every call. */
    private record Namespace(String name) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(NAMESPACE, name);
                    super.start(listener, headers);
                }
            };
        }
    }
}
