package dev.vireo.backend.containerd.internal;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
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
import dev.vireo.backend.support.PrivateDaemon;
import dev.vireo.backend.support.Scratch;
import dev.vireo.containerd.containers.Container;
import dev.vireo.containerd.containers.ContainersGrpc;
import dev.vireo.containerd.containers.CreateContainerRequest;
import dev.vireo.containerd.containers.DeleteContainerRequest;
import dev.vireo.containerd.containers.ListContainersRequest;
import dev.vireo.containerd.content.ContentGrpc;
import dev.vireo.containerd.images.ImagesGrpc;
import dev.vireo.containerd.leases.CreateRequest;
import dev.vireo.containerd.leases.DeleteRequest;
import dev.vireo.containerd.leases.LeasesGrpc;
import dev.vireo.containerd.snapshots.RemoveSnapshotRequest;
import dev.vireo.containerd.snapshots.SnapshotsGrpc;
import dev.vireo.containerd.snapshots.ViewSnapshotRequest;
import dev.vireo.containerd.tasks.CreateTaskRequest;
import dev.vireo.containerd.tasks.DeleteTaskRequest;
import dev.vireo.containerd.tasks.KillRequest;
import dev.vireo.containerd.tasks.StartRequest;
import dev.vireo.containerd.tasks.TasksGrpc;
import dev.vireo.containerd.tasks.WaitRequest;
import dev.vireo.containerd.version.VersionGrpc;
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
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * Containers through containerd's gRPC API. With no socket configured it starts and owns a private containerd
 * (root only). A function registered with a code directory runs on a skeleton root directory (the runtime image's
 * content, kept as a directory: no snapshot per container) with the code mounted read-only; a function registered
 * with an image runs on a read-only snapshot view of that image (imported from an archive of ./vireo image build on
 * first use), under a lease so concurrent creation never meets the snapshot garbage collector. The lifecycle
 * (connecting, readiness, bounded creation, removal, reclaiming leftovers, cgroup readings) is {@link DaemonBackend}'s;
 * this class holds containerd's client and what a container is made of there (spec, snapshot, lease, task).
 */
@Component(service = ContainerBackend.class, configurationPid = "vireo.backend.containerd")
@Designate(ocd = ContainerdBackend.Config.class)
@PluginName("containerd")
@PluginDescription("containers through containerd (runc): read-only root, no network, memory/CPU/pids limits")
public final class ContainerdBackend extends DaemonBackend {
    private static final System.Logger LOG = System.getLogger(ContainerdBackend.class.getName());
    static final String SPEC_TYPE = "types.containerd.io/opencontainers/runtime-spec/1/Spec";
    static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);
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

        @AttributeDefinition(name = "Scratch medium", description = Scratch.MEDIUM_DESCRIPTION, options = {@Option(label = "disk", value = "disk"), @Option(label = "memory", value = "memory")})
        String scratch() default "disk";

        @AttributeDefinition(name = "Images directory", description = "Where image archives (./vireo image build) are found and imported from; empty = the launcher's vireo.images.dir, else <run dir>/images.")
        String images_dir() default "";

        @AttributeDefinition(name = "ctr binary", description = "containerd's own client, used to import image archives.")
        String ctr_binary() default "/usr/bin/ctr";

        @AttributeDefinition(name = "Snapshotter", description = "containerd snapshotter for image root file systems.")
        String snapshotter() default "overlayfs";

        @AttributeDefinition(name = "Pull", description = "Pull an image named with its registry (host:port/name:tag, host.with.dot/name) when containerd holds none and there is no archive, with ctr (containerd 1.6 has no pull service of its own).")
        boolean pull() default true;

        @AttributeDefinition(name = "Pull timeout (ms)", description = "How many milliseconds one pull may take before the container start fails.", min = "1000")
        long pull_timeout_ms() default 300_000;

        @AttributeDefinition(name = "Plain-HTTP registries", description = "Registries (host or host:port, comma-separated) pulled from over plain HTTP; those on this host (localhost, 127.0.0.0/8) always are, as docker does.")
        String insecure_registries() default "";

        @AttributeDefinition(name = "Stop grace (ms)", description = "SIGTERM to SIGKILL when a container is destroyed, in milliseconds.", min = "0")
        long stop_grace_ms() default 2_000;
    }

    private final Config config;
    private final Path agentDir;
    private ManagedChannel channel;
    private ContainersGrpc.ContainersBlockingStub containers;
    private TasksGrpc.TasksBlockingStub tasks;
    private VersionGrpc.VersionBlockingStub version;
    private SnapshotsGrpc.SnapshotsBlockingStub snapshots;
    private LeasesGrpc.LeasesBlockingStub leases;
    private Images images;

    @Activate
    public ContainerdBackend(BundleContext context, @Reference Clock clock, @Reference TaskScheduler scheduler,
            Config config) {
        super(new Settings("containerd", config.socket(), privateContainerd(config.containerd_binary()), config.user(),
                config.create_concurrency(), config.memory_cap(), config.images_dir(), Duration.ofSeconds(15),
                Duration.ofMillis(20), config.scratch()), context::getProperty, clock, scheduler);
        this.config = config;
        String home = context.getProperty("vireo.home");
        this.agentDir = Path.of(home == null ? "." : home, "agent", "python").toAbsolutePath();
        activated();
    }

    /**
     * A containerd the backend starts and owns (own root, state and socket under one directory; no CRI), for hosts
     * where none is configured. Whatever it mounted is its own. A leftover of a worker killed with -9 is stopped
     * first; its containers stay in its database and are reclaimed through the new one.
     */
    static PrivateDaemon.Recipe privateContainerd(String binary) {
        return new PrivateDaemon.Recipe("containerd", binary, "containerd runc", "containerd.sock", "containerd.pid",
                false, "containerd.log", Duration.ofSeconds(5), (dir, socket, pid) -> {
                    Path config = dir.resolve("config.toml");
                    Files.writeString(config, String.format(Locale.ROOT, """
                            version = 2
                            root = "%s"
                            state = "%s"
                            disabled_plugins = ["io.containerd.grpc.v1.cri"]
                            [grpc]
                              address = "%s"
                            [ttrpc]
                              address = "%s.ttrpc"
                            """, dir.resolve("root"), dir.resolve("state"), socket, socket));
                    return List.of(binary, "--config", config.toString());
                });
    }

    @Deactivate
    void deactivate() {
        close();
    }

    @Override
    protected void connect(String socket) {
        channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
        Channel namespaced = ClientInterceptors.intercept(channel, new Namespace(config.namespace()));
        containers = ContainersGrpc.newBlockingStub(namespaced);
        tasks = TasksGrpc.newBlockingStub(namespaced);
        version = VersionGrpc.newBlockingStub(channel);
        snapshots = SnapshotsGrpc.newBlockingStub(namespaced);
        leases = LeasesGrpc.newBlockingStub(namespaced);
        images = new Images(ImagesGrpc.newBlockingStub(namespaced), ContentGrpc.newBlockingStub(namespaced), imagesDir(),
                config.ctr_binary(), socket, config.namespace(), new Images.Pull(config.pull(),
                        Duration.ofMillis(Math.max(1_000, config.pull_timeout_ms())), config.snapshotter(),
                        java.util.Set.copyOf(java.util.Arrays.asList(config.insecure_registries().trim().isEmpty()
                                ? new String[0] : config.insecure_registries().trim().split("[,\\s]+")))), clock());
    }

    @Override
    protected String probe() throws NotAnswering {
        try {
            return "containerd " + version.withDeadlineAfter(1, TimeUnit.SECONDS).version(Empty.getDefaultInstance())
                    .getVersion() + " (namespace " + config.namespace() + ")";
        } catch (StatusRuntimeException e) {
            throw new NotAnswering(e.getStatus().toString(), e);
        }
    }

    @Override
    protected void disconnect() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }

    @Override
    protected String describe() {
        return "containerd (namespace " + config.namespace() + ")";
    }

    @Override
    protected Map<String, String> createContainer(ContainerRequest request, Map<String, String> labels)
            throws IOException {
        FunctionSpec fn = request.function();
        String id = request.id();
        Container.Builder container = Container.newBuilder().setId(id).putAllLabels(labels).setRuntime(runtime());
        CreateTaskRequest.Builder task = CreateTaskRequest.newBuilder().setContainerId(id);
        OciSpec.Root root;
        OciSpec.ImageProcess own = null;
        boolean agent = request.binding().agent();
        ContainersGrpc.ContainersBlockingStub leased = containers;
        try {
            if (fn.image().isEmpty() && !agent) {
                throw new BackendException("transport " + fn.transport() + " talks to an image's own server: register "
                        + fn.id() + " with an image");
            }
            if (fn.image().isEmpty()) {
                root = new OciSpec.Root(Rootfs.ensure(runDir().resolve("rootfs")).toString(), agentDir, fn.codeDir(),
                        true, fn.handler(), HostLibraries.present(), createScratch(id, fn).toString());
            } else {
                Images.Resolved image = images.resolve(fn.image());
                String handler = !fn.handler().isEmpty() ? fn.handler() : image.labels().getOrDefault(Images.HANDLER_LABEL, "");
                if (!agent) {
                    if (image.process().args().isEmpty()) {
                        throw new BackendException("image " + fn.image() + " has neither an entrypoint nor a command:"
                                + " transport " + fn.transport() + " needs the image's own server");
                    }
                    own = image.process();
                } else if (handler.isEmpty()) {
                    throw new BackendException("image " + fn.image() + " names no handler (label " + Images.HANDLER_LABEL
                            + "): register it with --handler MODULE.FUNCTION");
                }
                // a lease per container holds its snapshot until Containers.Create references it (snapshot GC race)
                leases.create(CreateRequest.newBuilder().setId(id).putLabels(INSTANCE_LABEL, request.instance()).build());
                Metadata lease = new Metadata();
                lease.put(LEASE, id);
                var withLease = MetadataUtils.newAttachHeadersInterceptor(lease);
                if (agent) {
                    task.addAllRootfs(snapshots.withInterceptors(withLease).view(ViewSnapshotRequest.newBuilder()
                            .setSnapshotter(config.snapshotter()).setKey(id).setParent(image.chainId())
                            .putLabels(INSTANCE_LABEL, request.instance()).build()).getMountsList());
                } else { // an image's own server writes where its image expects: a writable snapshot of its own
                    task.addAllRootfs(snapshots.withInterceptors(withLease).prepare(
                            dev.vireo.containerd.snapshots.PrepareSnapshotRequest.newBuilder()
                                    .setSnapshotter(config.snapshotter()).setKey(id).setParent(image.chainId())
                                    .putLabels(INSTANCE_LABEL, request.instance()).build()).getMountsList());
                }
                container.setImage(fn.image()).setSnapshotter(config.snapshotter()).setSnapshotKey(id);
                leased = containers.withInterceptors(withLease);
                // an image's snapshot is read-only: the host's library paths are bound only over the mount points that
                // images of ./vireo image build hold (label dev.vireo.hostlibs), so numpy loads there too
                boolean hostUsr = "host".equals(image.labels().get(Images.USR_LABEL));
                // an image's own server gets the code from the transport: none is mounted
                root = new OciSpec.Root("rootfs", null, agent ? fn.codeDir() : "", hostUsr, handler,
                        hostUsr && "mountpoints".equals(image.labels().get(Images.HOSTLIBS_LABEL))
                                ? HostLibraries.present() : List.of(), createScratch(id, fn).toString());
            }
            String spec = OciSpec.build(id, fn, request.binding(), root,
                    new OciSpec.Limits(uid(), gid(), config.pids_limit(), config.python(), memoryCap()), own).toString();
            leased.create(CreateContainerRequest.newBuilder().setContainer(
                    container.setSpec(Any.newBuilder().setTypeUrl(SPEC_TYPE).setValue(ByteString.copyFromUtf8(spec)))).build());
            created(id);
            int pid = tasks.create(task.build()).getPid();
            tasks.start(StartRequest.newBuilder().setContainerId(id).build());
            // the task's init process: trackers that confine a container by process (sched_ext) need it
            return pid > 0 ? Map.of(PID_LABEL, Integer.toString(pid)) : Map.of();
        } catch (StatusRuntimeException e) {
            throw new BackendException("containerd could not start " + id + ": " + e.getStatus().getCode() + " "
                    + e.getStatus().getDescription(), e);
        }
    }

    /**
     * The runtime and, for a private daemon, runc state of its own: every containerd using the namespace otherwise
     * shares /run/containerd/runc/<namespace>, and a leftover there makes a new container of the same id fail.
     */
    private Container.Runtime runtime() {
        Container.Runtime.Builder b = Container.Runtime.newBuilder().setName(config.runtime());
        if (privateDaemon()) {
            b.setOptions(Any.newBuilder().setTypeUrl("containerd.runc.v1.Options").setValue(
                    dev.vireo.containerd.runc.Options.newBuilder().setRoot(daemonDir().resolve("runc").toString())
                            .build().toByteString()));
        }
        return b.build();
    }

    /** Stops and deletes a task, its container, snapshot, lease and scratch directory, whatever state they are in. */
    @Override
    protected void removeContainer(String id, String tid) {
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
        removeScratch(id, tid);
    }

    private static void ignoreMissing(StatusRuntimeException e, String tid, String what) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND && e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
            LOG.log(Level.WARNING, "[" + tid + "] " + what + ": " + e.getStatus());
        }
    }

    /** The instance's containers; with null, every container in the namespace (a private daemon after a crash). */
    @Override
    protected List<String> containers(String instance) {
        ListContainersRequest.Builder list = ListContainersRequest.newBuilder();
        if (instance != null) {
            list.addFilters("labels.\"" + INSTANCE_LABEL + "\"==" + instance);
        }
        return containers.list(list.build()).getContainersList().stream().map(Container::getId).toList();
    }

    /** Its labels and its task's pid while the task runs; null if the container or its task is gone or stopped. */
    @Override
    protected Map<String, String> running(String id) {
        try {
            var process = tasks.get(dev.vireo.containerd.tasks.GetRequest.newBuilder().setContainerId(id).build())
                    .getProcess();
            var found = containers.list(ListContainersRequest.newBuilder().addFilters("id==" + id).build())
                    .getContainersList();
            if (process.getStatus() != dev.vireo.containerd.tasks.Status.RUNNING || found.isEmpty()) {
                return null;
            }
            Map<String, String> labels = new java.util.HashMap<>(found.get(0).getLabelsMap());
            if (process.getPid() > 0) {
                labels.put(PID_LABEL, Integer.toString(process.getPid()));
            }
            return labels;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** The spec puts every container in cgroup /vireo/<id>. */
    @Override
    protected Path cgroup(ContainerHandle container) {
        return Path.of("vireo", container.id());
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
