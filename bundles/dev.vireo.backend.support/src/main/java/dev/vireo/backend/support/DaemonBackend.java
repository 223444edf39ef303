package dev.vireo.backend.support;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.spi.backend.BackendException;
import dev.vireo.api.spi.backend.BackendStatus;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.backend.ContainerUsage;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The lifecycle of a backend whose containers live in a daemon (containerd, dockerd); a backend extends it and keeps
 * only what differs: its client, how a container is created, started and removed, how leftovers are listed, where a
 * container's cgroup is.
 *
 * <p>What the template does: it connects on first use (so an instance that never uses the backend starts no daemon),
 * to the configured socket or to a private daemon it starts and owns (root only), and asks the daemon until it
 * answers or the readiness time is up; if it cannot, {@link #status} and {@link #create} say why. Creations run on
 * the scheduler, bounded by the creation concurrency ({@link CreationGate}), after the mounts the transport gives are
 * handed to the container's user; a creation that fails part way removes what it made. Removals are one per
 * container at a time ({@link RemovalGate}) and treat a container that is gone as removed. Every container is
 * labelled with the worker instance ({@link #INSTANCE_LABEL}) and its function ({@link #FUNCTION_LABEL}): {@link
 * #survivors} lists those an earlier run left running, {@link #adopt} takes one back, and {@link #reclaim} removes
 * the rest (never one taken back or being created). A private daemon whose pid file outlived its worker (killed with
 * -9) is restarted on the same state; everything in it that is not taken back is removed at the worker's reclaim (or
 * {@link #CRASH_SWEEP} after activation, or at close). {@link #close} removes the containers still held (for a private
 * daemon, every container in it), closes the client and stops a private daemon. Usage and OOM kills are read from the
 * container's cgroup.
 *
 * <p>A subclass is a DS component: its {@code @Activate} constructor passes its configuration as {@link Settings},
 * sets its own fields, and ends with {@link #activated()}; its {@code @Deactivate} method calls {@link #close()}.
 *
 * <p>Threading: every {@link ContainerBackend} method may be called from many threads at once. Connecting,
 * {@link #reclaim}, the reclaim after a crash and {@link #close} hold this object's monitor, so the hooks they call
 * ({@link #connect}, {@link #probe}, {@link #disconnect}, {@link #containers}) run one at a time and see the fields
 * {@code connect} set. {@link #createContainer} runs on the scheduler, holding a creation permit, concurrently with
 * other creations (up to the creation concurrency). {@link #removeContainer} runs on the scheduler or the caller's
 * thread, never twice at once for one container, concurrently for different ones. {@link #preflight},
 * {@link #describe}, {@link #compute}, {@link #cgroup} and {@link #oomKilledPerDaemon} run on callers' threads, after
 * the client is connected (except {@code cgroup}).
 */
public abstract class DaemonBackend implements ContainerBackend {
    private static final System.Logger LOG = System.getLogger(DaemonBackend.class.getName());
    /** The label naming the worker instance a container belongs to: {@link #reclaim} finds leftovers by it. */
    public static final String INSTANCE_LABEL = "vireo.instance";
    /** The label naming the function a container serves. */
    public static final String FUNCTION_LABEL = "vireo.function";
    /** A handle label a backend may set from {@link #createContainer}: the container's init pid on the host. */
    public static final String PID_LABEL = "vireo.pid";
    private static final Path CGROUP_V1_MEMORY = Path.of("/sys/fs/cgroup/memory");
    private static final Path CGROUP_V2 = Path.of("/sys/fs/cgroup");
    /** How long after activation what a crashed private daemon held is removed, unless the worker reclaimed it first. */
    static final Duration CRASH_SWEEP = Duration.ofMinutes(2);

    /**
     * What a backend's configuration says about the lifecycle.
     *
     * @param name              the backend's plugin name ({@code containerd}, {@code docker}): in messages and
     *                          handles; its configuration pid is {@code vireo.backend.<name>} and a private daemon
     *                          lives in {@code <run dir>/<name>}
     * @param socket            the daemon's socket; empty = start and own a private daemon
     * @param daemon            how to start that private daemon
     * @param user              {@code uid:gid} containers run as; never root
     * @param createConcurrency containers created at once, at most
     * @param memoryCap         hard, soft or none ({@link MemoryCap#parse})
     * @param imagesDir         where image archives are, or empty ({@link ImageArchives#dir})
     * @param readiness         how long the daemon may take to answer once connected
     * @param poll              how long to wait between asking it
     */
    public record Settings(String name, String socket, PrivateDaemon.Recipe daemon, String user, int createConcurrency,
            String memoryCap, String imagesDir, Duration readiness, Duration poll, String scratch) {
    }

    /** The daemon did not answer {@link #probe} (yet); the message says what it said instead. */
    public static final class NotAnswering extends Exception {
        private static final long serialVersionUID = 1L;

        public NotAnswering(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final Path runDir;
    private final Path imagesDir;
    private final CreationGate creations;
    private final RemovalGate removals = new RemovalGate();
    private final MemoryCap memoryCap;
    private final Scratch.Medium scratch;
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    private final int uid;
    private final int gid;
    private volatile PrivateDaemon daemon;
    private boolean connected;
    /** The last private daemon of this run folder was not stopped (its worker died): it holds leftovers. Monitor. */
    private boolean crashed;
    /** Closed: nothing connects or reclaims any more. Monitor. */
    private boolean closed;
    private volatile dev.vireo.api.time.Cancellable crashSweep;
    /** Ids being created: the daemon may list them before {@link #created} marks them live. */
    private final Set<String> creating = ConcurrentHashMap.newKeySet();
    private volatile String unavailable = "not connected yet";

    /**
     * Reads what the lifecycle needs; connects nothing. {@code launcher} gives the framework properties
     * ({@code vireo.run.dir}, {@code vireo.images.dir}; a component passes {@code context::getProperty}).
     *
     * @throws IllegalArgumentException if the user is root or the memory cap unknown
     */
    protected DaemonBackend(Settings settings, Function<String, String> launcher, Clock clock, TaskScheduler scheduler) {
        this.settings = settings;
        this.clock = clock;
        this.scheduler = scheduler;
        String run = launcher.apply("vireo.run.dir");
        this.runDir = run == null || run.isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "vireo-" + settings.name()) : Path.of(run);
        this.imagesDir = ImageArchives.dir(settings.imagesDir(), launcher.apply("vireo.images.dir"), runDir);
        this.creations = new CreationGate(scheduler, settings.createConcurrency());
        this.memoryCap = MemoryCap.parse(settings.memoryCap());
        this.scratch = Scratch.Medium.parse(settings.scratch());
        String[] ug = settings.user().split(":");
        this.uid = Integer.parseInt(ug[0].trim());
        this.gid = Integer.parseInt(ug.length > 1 ? ug[1].trim() : ug[0].trim());
        if (uid == 0) {
            throw new IllegalArgumentException("user must not be root (uid 0)");
        }
    }

    /**
     * The end of a subclass's constructor: if the last private daemon of this run folder was not stopped (its pid
     * file is still there: its worker died), what it holds is a crashed run's: listed by {@link #survivors}, and what
     * is not taken back removed by the worker's {@link #reclaim}, or on the scheduler after {@link #CRASH_SWEEP}. Not
     * in this class's constructor: that work calls the hooks, which need the subclass's fields.
     */
    protected final void activated() {
        if (settings.socket().isBlank() && Files.exists(daemonDir().resolve(settings.daemon().pidFile()))) {
            crashed = true;
            // the worker takes back what it can and reclaims the rest at its start; this is for a worker that never
            // does (one that does not use this backend any more): whatever is not taken back by then is removed
            crashSweep = scheduler.schedule(() -> reclaimAfterCrash(), CRASH_SWEEP);
        }
    }

    // ---- hooks: what differs between daemons ----

    /**
     * Builds the client of the daemon at {@code socket} (it need not answer yet). Called once, holding the monitor.
     * An IOException or RuntimeException makes the backend unavailable ("cannot reach name: message").
     */
    protected abstract void connect(String socket) throws IOException;

    /**
     * Asks the daemon once whether it answers; returns what it is, for the log (its version and what it offers).
     * Called holding the monitor, until it answers or the readiness time is up.
     *
     * @throws NotAnswering if it does not answer (yet); any other exception makes the backend unavailable at once
     */
    protected abstract String probe() throws NotAnswering;

    /** Closes the client, if {@link #connect} built one (it may have failed half way). Called holding the monitor. */
    protected abstract void disconnect();

    /** The runtime in a few words, for an available {@link #status}. */
    protected abstract String describe();

    /** The kinds of compute the connected daemon offers: CPU unless overridden. */
    protected Set<Compute> compute() {
        return EnumSet.of(Compute.CPU);
    }

    /**
     * Checks a request before any creation work is queued (e.g. a GPU function where there are no GPUs); nothing
     * unless overridden.
     *
     * @throws BackendException why the request cannot be served: the creation fails with it and makes nothing
     */
    protected void preflight(ContainerRequest request) {
    }

    /**
     * Prepares, creates and starts the container {@code request.id()} with these labels, and calls
     * {@link #created(String)} as soon as the daemon holds it. Returns labels the handle carries besides (e.g. the
     * daemon's own id).
     *
     * @throws BackendException what went wrong (the daemon's errors translated), for the user: the template removes
     *                          whatever was made and fails the creation with it; an IOException fails it as "cannot
     *                          prepare id", any other exception as itself, both after the same removal
     */
    protected abstract Map<String, String> createContainer(ContainerRequest request, Map<String, String> labels)
            throws IOException;

    /**
     * Stops and deletes a container and everything made for it, whatever state they are in; a part that is gone
     * already counts as removed; other failures are logged with {@code tid}, not thrown.
     */
    protected abstract void removeContainer(String id, String tid);

    /**
     * The ids of the containers the daemon holds that carry {@link #INSTANCE_LABEL} {@code instance}; with null,
     * every container of Vireo's in a private daemon after a crash. Called holding the monitor.
     */
    protected abstract List<String> containers(String instance);

    /**
     * The labels of the container {@code id} if it runs now (its task or process is running), with {@link #PID_LABEL}
     * where the daemon says its init pid; null if it does not run or is not there. Called holding the monitor. Null
     * unless overridden: a backend that cannot tell takes nothing back (its leftovers are reclaimed).
     */
    protected Map<String, String> running(String id) {
        return null;
    }

    /** The container's cgroup, relative to the cgroup root ({@code vireo/<id>}); null if not known. */
    protected abstract Path cgroup(ContainerHandle container);

    /**
     * Whether the daemon says the kernel OOM-killed the container, where its cgroup did not tell; false unless
     * overridden.
     */
    protected boolean oomKilledPerDaemon(ContainerHandle container) {
        return false;
    }

    // ---- what subclasses use ----

    /** A creation calls this as soon as the daemon holds the container: from then on {@link #close} removes it. */
    protected final void created(String id) {
        live.add(id);
    }

    /** Removes a container through {@link #removeContainer}, one removal per container at a time. */
    protected final void remove(String id, String tid) {
        removals.remove(id, () -> {
            removeContainer(id, tid);
            live.remove(id);
        });
    }

    protected final Clock clock() {
        return clock;
    }

    protected final TaskScheduler scheduler() {
        return scheduler;
    }

    /** The run folder: {@code vireo.run.dir}, else {@code <tmp>/vireo-<name>}. */
    protected final Path runDir() {
        return runDir;
    }

    /** Where a private daemon lives: {@code <run dir>/<name>}. */
    protected final Path daemonDir() {
        return runDir.resolve(settings.name());
    }

    /** Makes the container's scratch space (its /tmp) of the function's scratch_mb, on the configured medium. */
    protected final Path createScratch(String id, FunctionSpec fn) throws IOException {
        return Scratch.create(daemonDir().resolve("scratch"), id, uid, gid, fn.scratchMb(), scratch);
    }

    /** Removes the container's scratch space; a failure is logged (the container is gone either way). */
    protected final void removeScratch(String id, String tid) {
        Scratch.removeLogged(daemonDir().resolve("scratch"), id, tid);
    }

    protected final Path imagesDir() {
        return imagesDir;
    }

    protected final MemoryCap memoryCap() {
        return memoryCap;
    }

    protected final int uid() {
        return uid;
    }

    protected final int gid() {
        return gid;
    }

    /** Whether the backend runs on a private daemon it started (known once connected: in the creation hooks). */
    protected final boolean privateDaemon() {
        return daemon != null;
    }

    // ---- the lifecycle ----

    /**
     * Connects on first use (so an instance that never uses the daemon starts none) to the configured socket, or
     * starts a private daemon; records why not, if it cannot.
     */
    private synchronized void ensureConnected() {
        if (!connected && !closed) {
            connected = true;
            connectNow();
        }
    }

    private void connectNow() {
        String name = settings.name();
        String socket = settings.socket();
        try {
            if (socket.isBlank()) {
                String why = PrivateDaemon.whyNot(settings.daemon(), "vireo.backend." + name);
                if (why != null) {
                    unavailable = why;
                    return;
                }
                daemon = PrivateDaemon.start(settings.daemon(), daemonDir());
                socket = daemonDir().resolve(settings.daemon().socket()).toString();
            }
            connect(socket);
            long deadline = clock.nanoTime() + settings.readiness().toNanos();
            NotAnswering last = null;
            while (clock.nanoTime() < deadline) {
                try {
                    String what = probe();
                    LOG.log(Level.INFO, what + " at " + socket + (daemon == null ? "" : ", private"));
                    unavailable = null;
                    return;
                } catch (NotAnswering e) {
                    last = e;
                    if (daemon != null && !daemon.alive()) {
                        break;
                    }
                    scheduler.delay(settings.poll()).join();
                }
            }
            unavailable = settings.daemon().daemon() + " at " + socket + " does not answer"
                    + (last == null ? "" : ": " + last.getMessage())
                    + (daemon == null ? "" : " (see " + daemonDir().resolve(settings.daemon().log()) + ")");
        } catch (IOException | RuntimeException e) {
            unavailable = "cannot reach " + name + ": " + e.getMessage();
        }
        LOG.log(Level.WARNING, name + " backend unavailable: " + unavailable);
    }

    /**
     * Everything in a private daemon after a crash is a leftover of this run folder: remove it all. Holds the
     * monitor, as {@link #reclaim} does: two removals of one container at once can orphan its shim.
     */
    private synchronized int reclaimAfterCrash() {
        if (!crashed || closed) {
            return 0; // reclaimed already
        }
        ensureConnected();
        if (unavailable != null) {
            return 0; // tried again at the next reclaim, or the close
        }
        List<String> all = containers(null).stream().filter(this::notOurs).toList();
        crashed = false;
        all.forEach(id -> remove(id, "reclaim"));
        LOG.log(Level.INFO, "reclaimed " + all.size() + " containers a crashed run left in the private "
                + settings.daemon().daemon());
        return all.size();
    }

    /**
     * Removes the containers still held, closes the client and stops a private daemon; nothing if never connected.
     * A private daemon is emptied first: its containers outlive it (containerd's shims, dockerd's live restore), and
     * what a crashed run left in it that was not reclaimed yet would run on with nothing to remove it.
     */
    public synchronized void close() {
        dev.vireo.api.time.Cancellable sweep = crashSweep;
        if (sweep != null) {
            sweep.cancel();
        }
        if (crashed) {
            reclaimAfterCrash(); // starts the daemon if it must: nothing of the crashed run runs on after the close
        }
        closed = true;
        if (!connected) {
            return;
        }
        String was = unavailable;
        unavailable = "closed"; // a late call finds the backend gone, not a closed client
        for (String id : live) {
            remove(id, "shutdown");
        }
        if (daemon != null && was == null) {
            try {
                containers(null).forEach(id -> remove(id, "shutdown"));
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot list what the private " + settings.daemon().daemon() + " holds at close: "
                        + e.getMessage());
            }
        }
        disconnect();
        if (daemon != null) {
            daemon.close();
        }
    }

    @Override
    public BackendStatus status() {
        ensureConnected();
        String why = unavailable;
        return why == null ? new BackendStatus(true, describe(), compute(), live.size())
                : new BackendStatus(false, why, EnumSet.of(Compute.CPU), 0);
    }

    @Override
    public CompletionStage<ContainerHandle> create(ContainerRequest request) {
        ensureConnected();
        if (unavailable != null) {
            return CompletableFuture.failedFuture(new BackendException(settings.name() + " is unavailable: " + unavailable));
        }
        try {
            preflight(request);
        } catch (BackendException e) {
            return CompletableFuture.failedFuture(e);
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
        labels.put(FUNCTION_LABEL, fn.id());
        Map<String, String> more;
        creating.add(id); // a reclaim listing the daemon while it is made leaves it alone
        try {
            more = createContainer(request, Map.copyOf(labels));
        } catch (BackendException e) {
            remove(id, request.tid());
            throw new CompletionException(e);
        } catch (IOException | RuntimeException e) {
            remove(id, request.tid());
            throw e;
        } finally {
            creating.remove(id);
        }
        labels.putAll(more);
        return new ContainerHandle(id, fn.id(), settings.name(), request.binding().endpoint(), fn.memoryMb(), labels);
    }

    @Override
    public CompletionStage<Void> destroy(ContainerHandle container, String tid) {
        return scheduler.supply(() -> {
            remove(container.id(), tid);
            return null;
        });
    }

    @Override
    public ContainerUsage usage(ContainerHandle container) {
        Path cgroup = cgroup(container);
        return cgroup == null ? ContainerUsage.UNKNOWN
                : CgroupMemory.usage(CGROUP_V1_MEMORY.resolve(cgroup), CGROUP_V2.resolve(cgroup));
    }

    /** The container's cgroup directories under the host's cgroup root, and its init pid if {@link #PID_LABEL} says. */
    @Override
    public ContainerPlacement placement(ContainerHandle container) {
        OptionalLong pid;
        try {
            String label = container.labels().get(PID_LABEL);
            pid = label == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(label));
        } catch (NumberFormatException e) {
            pid = OptionalLong.empty();
        }
        return CgroupPlacement.of(container, CgroupPlacement.ROOT, cgroup(container), pid);
    }

    /**
     * An OOM kill shows in the container's cgroup (memory.oom_control in v1, memory.events in v2), or, where the
     * backend can ask, in what its daemon says.
     */
    @Override
    public Optional<String> failure(ContainerHandle container) {
        Path cgroup = cgroup(container);
        boolean oom = cgroup != null && CgroupMemory.oomKilled(CGROUP_V1_MEMORY.resolve(cgroup), CGROUP_V2.resolve(cgroup));
        return oom || oomKilledPerDaemon(container)
                ? Optional.of("exceeded memory limit (" + container.memoryMb() + " MB)") : Optional.empty();
    }

    /**
     * Removes the instance's leftovers but those taken back and those being created. After a crash of a private daemon
     * (see {@link #activated()}), everything in it but those. Otherwise a private daemon that was never started holds
     * none (a clean close empties it), so this does not start one: the worker calls it at every start, and a daemon per
     * boot costs about 0.4 s of boot time on 2 cores.
     */
    @Override
    public synchronized int reclaim(String instance) {
        if (crashed) {
            return reclaimAfterCrash(); // everything of a crashed private daemon but what was taken back
        }
        if (settings.socket().isBlank() && !connected) {
            return 0;
        }
        ensureConnected();
        if (unavailable != null) {
            return 0;
        }
        // never one taken back, nor one being created now
        List<String> leftovers = containers(instance).stream().filter(this::notOurs).toList();
        leftovers.forEach(id -> remove(id, "reclaim-" + instance));
        if (!leftovers.isEmpty()) {
            LOG.log(Level.INFO, "reclaimed " + leftovers.size() + " " + settings.name()
                    + " containers left by an earlier run of " + instance);
        }
        return leftovers.size();
    }

    /**
     * The instance's containers that still run and are not this run's. A private daemon holds some only if the last one
     * was not stopped (its worker died): one that was stopped removed its containers, and none is started to ask.
     */
    @Override
    public synchronized List<dev.vireo.api.spi.backend.RunningContainer> survivors(String instance) {
        if (settings.socket().isBlank() && !crashed) {
            return List.of();
        }
        ensureConnected();
        if (unavailable != null) {
            return List.of();
        }
        List<dev.vireo.api.spi.backend.RunningContainer> found = new java.util.ArrayList<>();
        for (String id : containers(instance)) {
            Map<String, String> labels = notOurs(id) ? running(id) : null;
            if (labels != null && instance.equals(labels.get(INSTANCE_LABEL))) {
                found.add(new dev.vireo.api.spi.backend.RunningContainer(id, labels));
            }
        }
        return found;
    }

    /**
     * Takes back a running container of the request's instance: checked to run now, then one of this run's (removed at
     * {@link #close}, never by {@link #reclaim}); its handle carries its labels as they are (its pid too).
     */
    @Override
    public CompletionStage<ContainerHandle> adopt(ContainerRequest request) {
        ensureConnected();
        if (unavailable != null) {
            return CompletableFuture.failedFuture(new BackendException(settings.name() + " is unavailable: " + unavailable));
        }
        return scheduler.supply(() -> {
            synchronized (this) {
                Map<String, String> labels = running(request.id());
                if (labels == null || !request.instance().equals(labels.get(INSTANCE_LABEL))
                        || !request.function().id().equals(labels.get(FUNCTION_LABEL))) {
                    throw new CompletionException(new BackendException(settings.name() + " container " + request.id()
                            + (labels == null ? " does not run" : " is not " + request.instance() + "'s for "
                            + request.function().id())));
                }
                created(request.id());
                FunctionSpec fn = request.function();
                return new ContainerHandle(request.id(), fn.id(), settings.name(), request.binding().endpoint(),
                        fn.memoryMb(), labels);
            }
        });
    }

    /** Neither one of this run's (created or taken back) nor one being created now. */
    private boolean notOurs(String id) {
        return !live.contains(id) && !creating.contains(id);
    }
}
