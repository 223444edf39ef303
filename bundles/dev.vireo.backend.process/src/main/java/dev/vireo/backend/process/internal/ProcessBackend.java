package dev.vireo.backend.process.internal;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ContainerHandle;
import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.backend.BackendException;
import dev.vireo.api.spi.backend.BackendStatus;
import dev.vireo.api.spi.backend.ContainerBackend;
import dev.vireo.api.spi.backend.ContainerRequest;
import dev.vireo.api.spi.backend.ContainerUsage;
import dev.vireo.api.spi.transport.TransportBinding;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.backend.support.CgroupPlacement;
import dev.vireo.backend.support.Scratch;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.Option;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Runs each "container" as a local process of the Python agent, with the function's code directory and handler.
 * There is no isolation and no resource limit: it is for development and for testing the real agent and transports
 * on a machine without a container runtime. Transport mounts are honoured by rewriting the agent's environment
 * from container paths to the host paths. Processes carry {@code VIREO_INSTANCE} so leftovers can be reclaimed.
 */
@Component(service = ContainerBackend.class, configurationPid = "vireo.backend.process")
@Designate(ocd = ProcessBackend.Config.class)
@PluginName("process")
@PluginDescription("the function agent as a local process (no isolation: development)")
public final class ProcessBackend implements ContainerBackend {
    private static final System.Logger LOG = System.getLogger(ProcessBackend.class.getName());
    /** The cgroup folder {@code cgroup = auto} uses. */
    static final String DEFAULT_CGROUP = "vireo-process";
    /** How long stopping waits for killed processes to exit so that their cgroups can be removed. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    @ObjectClassDefinition(name = "Vireo backend: process", description = "Agents as local processes.")
    public @interface Config {
        @AttributeDefinition(name = "Python", description = "The Python 3 interpreter that runs the agent.")
        String python() default "/usr/bin/python3";

        @AttributeDefinition(name = "Agent", description = "Path of vireo_agent.py; empty = <vireo.home>/agent/python/vireo_agent.py.")
        String agent() default "";

        @AttributeDefinition(name = "Stop grace (ms)", description = "Time between SIGTERM and SIGKILL when a process is destroyed, in milliseconds.", min = "0")
        long stop_grace_ms() default 2_000;

        @AttributeDefinition(name = "Scratch medium", description = "Where a process's scratch space (scratch_mb of the function; its working directory, HOME and TMPDIR) lives: disk = an ext4 image of its own, loop-mounted; memory = a tmpfs. Needs root; otherwise an unbounded directory.", options = {@Option(label = "disk", value = "disk"), @Option(label = "memory", value = "memory")})
        String scratch() default "disk";

        @AttributeDefinition(name = "cgroup", description = "Where each agent process gets a cgroup of its own (what the cpu-groups tracker confines): a folder relative to the cgroup root, e.g. vireo-process (each process in <folder>/<instance>/<container id>; a container whose cgroup cannot be made fails); auto = vireo-process when the cgroup root is writable (root), else none; none = every process stays in the worker's cgroup (unplaced: nothing can confine it).")
        String cgroup() default "auto";
    }

    private final TaskScheduler scheduler;
    private final String home;
    private final Path scratchRoot;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    /** Processes being destroyed (SIGTERM sent, within their stop grace): close() finishes them too. */
    private final Map<String, Process> stopping = new ConcurrentHashMap<>();
    private volatile Config config;
    private volatile Path agent;
    private volatile Optional<ProcessCgroups> cgroups = Optional.empty();
    /** Where each running process's cgroups are (the setting may change while it runs). */
    private final Map<String, Placed> placed = new ConcurrentHashMap<>();
    /**
     * Every instance folder a process's cgroup was made in (with the cgroups it was made under): close() removes them,
     * also when the worker destroyed every container before (then nothing is left in {@link #placed}).
     */
    private final Set<Placed> instanceFolders = ConcurrentHashMap.newKeySet();
    /** Set by {@link #close()}: a create still under way then kills what it started instead of keeping it. */
    private volatile boolean closed;

    private record Placed(ProcessCgroups cgroups, String instance) {
    }

    @Activate
    public ProcessBackend(BundleContext context, @Reference TaskScheduler scheduler, Config config) {
        this.scheduler = scheduler;
        this.home = context.getProperty("vireo.home");
        String run = context.getProperty("vireo.run.dir");
        this.scratchRoot = (run == null || run.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "vireo-process")
                : Path.of(run, "process")).resolve("scratch");
        modified(config);
    }

    @Modified
    void modified(Config config) {
        Scratch.Medium.parse(config.scratch()); // refuse an unknown medium now, not at the first container
        Optional<ProcessCgroups> cg = cgroups(config.cgroup(), ProcessCgroups.ROOT); // and a bad cgroup folder
        this.config = config;
        this.agent = config.agent().isBlank()
                ? Path.of(home == null ? "." : home, "agent", "python", "vireo_agent.py") : Path.of(config.agent());
        this.cgroups = cg;
    }

    /** What {@code cgroup} selects: none, {@code auto} (the default folder where cgroups can be made), a folder. */
    static Optional<ProcessCgroups> cgroups(String setting, Path root) {
        String v = setting == null ? "" : setting.trim();
        if (v.isEmpty() || v.equals("none")) {
            return Optional.empty();
        }
        if (v.equals("auto")) {
            ProcessCgroups c = new ProcessCgroups(root, Path.of(DEFAULT_CGROUP));
            return c.usable() ? Optional.of(c) : Optional.empty();
        }
        return Optional.of(new ProcessCgroups(root, Path.of(v)));
    }

    /**
     * Kills every process (those being destroyed too, and whatever else is in their cgroups), waits at most
     * {@link #CLOSE_WAIT} until they exited, and then removes their scratch spaces and cgroups before returning: a
     * worker that stops exits right after this, so cleanup left to an exit callback would never run.
     */
    @Deactivate
    void close() {
        closed = true;
        List<CompletableFuture<?>> exits = new ArrayList<>();
        for (Map<String, Process> m : List.of(processes, stopping)) {
            m.values().forEach(p -> {
                p.destroyForcibly();
                exits.add(p.onExit());
            });
        }
        placed.forEach((id, where) -> exits.addAll(where.cgroups().kill(where.instance(), id)));
        if (!exited(exits)) {
            LOG.log(Level.WARNING, "not every process exited within " + CLOSE_WAIT.toMillis()
                    + " ms of SIGKILL; the cgroups of those still exiting are left for the next start's reclaim");
        }
        for (Map<String, Process> m : List.of(processes, stopping)) {
            m.keySet().forEach(id -> {
                m.remove(id);
                removeScratch(id, "close");
            });
        }
        // each under its own parent (cgroup may have changed meanwhile)
        Set<Placed> instances = new HashSet<>(instanceFolders);
        placed.forEach((id, where) -> {
            placed.remove(id);
            List<Path> left = where.cgroups().remove(where.instance(), id);
            if (!left.isEmpty()) {
                LOG.log(Level.WARNING, "[close] the cgroups of " + id + " cannot be removed (still busy): " + left);
            }
        });
        removeInstanceFolders(instances);
    }

    /** Whether every one of {@code exits} completed within {@link #CLOSE_WAIT}. */
    private static boolean exited(List<? extends CompletableFuture<?>> exits) {
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
                    .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Removes the instances' folders, emptied of what holds no process: the containers' cgroups were just removed (or
     * are being, by a destroy's own callback), so a folder may refuse for a moment; tried for up to a second.
     */
    private void removeInstanceFolders(Set<Placed> instances) {
        for (int i = 0; i < 20; i++) {
            instances.removeIf(where -> {
                where.cgroups().removeIdle(where.instance()); // its empty children, then the folder itself
                return where.cgroups().instanceGone(where.instance());
            });
            if (instances.isEmpty()) {
                return;
            }
            try {
                scheduler.delay(Duration.ofMillis(50)).get(1, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                break; // the scheduler is stopping too: the next start's reclaim removes them
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.log(Level.WARNING, "[close] instance cgroup folder(s) still busy, left for the next start: "
                + instances.stream().map(Placed::instance).toList());
    }

    @Override
    public BackendStatus status() {
        if (!Files.isExecutable(Path.of(config.python()))) {
            return new BackendStatus(false, config.python() + " not found: install python3 (apt-get install python3)",
                    EnumSet.of(Compute.CPU), processes.size());
        }
        if (!Files.isRegularFile(agent)) {
            return new BackendStatus(false, "agent " + agent + " not found (set agent in vireo.backend.process)",
                    EnumSet.of(Compute.CPU), processes.size());
        }
        return new BackendStatus(true, "local processes of " + config.python() + " (no isolation)",
                EnumSet.of(Compute.CPU), processes.size());
    }

    @Override
    public CompletionStage<ContainerHandle> create(ContainerRequest request) {
        FunctionSpec fn = request.function();
        if (closed) {
            return CompletableFuture.failedFuture(new BackendException("the process backend is stopping"));
        }
        BackendStatus status = status();
        if (!status.available()) {
            return CompletableFuture.failedFuture(new BackendException(status.reason()));
        }
        if (!request.binding().agent()) {
            return CompletableFuture.failedFuture(new BackendException("the process backend runs Vireo's agent only; "
                    + "transport " + fn.transport() + " needs an image's own server: use the containerd or docker backend"));
        }
        if (fn.codeDir().isEmpty()) {
            return CompletableFuture.failedFuture(new BackendException("the process backend runs code directories "
                    + "(--code DIR --handler MODULE.FUNCTION); images need the containerd or docker backend"));
        }
        if (!Files.isDirectory(Path.of(fn.codeDir()))) {
            return CompletableFuture.failedFuture(new BackendException("code directory " + fn.codeDir() + " does not exist"));
        }
        List<String> command = new ArrayList<>();
        if (!request.binding().network().isEmpty()) {
            // the transport gave the agent a network namespace (http): run it there (nsenter execs, same pid)
            command.addAll(List.of("nsenter", "--net=" + request.binding().network()));
        }
        command.addAll(List.of(config.python(), "-u", agent.toString()));
        Optional<ProcessCgroups> cg = cgroups;
        if (cg.isPresent()) {
            try {
                placed.put(request.id(), new Placed(cg.get(), request.instance())); // first: reclaim spares it
                command = ProcessCgroups.join(cg.get().create(request.instance(), request.id()), command);
                instanceFolders.add(new Placed(cg.get(), request.instance()));
            } catch (IOException | RuntimeException e) {
                cg.get().remove(request.instance(), request.id());
                return CompletableFuture.failedFuture(new BackendException("cannot make the cgroup of " + request.id()
                        + " (cgroup of vireo.backend.process; none runs processes without one): " + e.getMessage(), e));
            }
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.putAll(hostPaths(request.binding()));
        env.putAll(fn.config().environment()); // the function's variables and secrets
        env.put("VIREO_CODE_DIR", fn.codeDir());
        env.put("VIREO_HANDLER", fn.handler());
        env.put("VIREO_INSTANCE", request.instance());
        env.put("VIREO_CONTAINER", request.id());
        env.put("VIREO_SCRATCH_MB", Integer.toString(fn.scratchMb()));
        env.put("VIREO_DEPS_DIR", ""); // dependencies are baked into images; a process sees the host's packages only
        Path scratch;
        try {
            int[] owner = owner();
            scratch = Scratch.create(scratchRoot, request.id(), owner[0], owner[1], fn.scratchMb(),
                    Scratch.Medium.parse(config.scratch()));
        } catch (IOException e) {
            removeCgroups(request.id(), "create");
            return CompletableFuture.failedFuture(new BackendException(e.getMessage(), e));
        }
        // the process's scratch space: where it starts, its HOME and its TMPDIR (tempfile, mkstemp)
        pb.directory(scratch.toFile());
        env.put("HOME", scratch.toString());
        env.put("TMPDIR", scratch.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            processes.put(request.id(), p);
            if (closed) {
                // close() ran while this create was under way and may not have seen this process: undo it here, before
                // returning (the worker exits right after close, and no callback would run)
                processes.remove(request.id());
                p.destroyForcibly();
                exited(List.of(p.onExit())); // one still exiting keeps its cgroup for the next start's reclaim
                Scratch.remove(scratchRoot, request.id());
                placed.remove(request.id());
                cg.ifPresent(c -> { // close() may have taken the entry, and found the folder still busy
                    c.remove(request.instance(), request.id());
                    c.removeInstanceFolder(request.instance());
                });
                return CompletableFuture.failedFuture(new BackendException("the process backend is stopping"));
            }
            return CompletableFuture.completedFuture(new ContainerHandle(request.id(), fn.id(), "process",
                    request.binding().endpoint(), fn.memoryMb(), request.labels()));
        } catch (IOException e) {
            Scratch.remove(scratchRoot, request.id());
            removeCgroups(request.id(), "create");
            return CompletableFuture.failedFuture(new BackendException("cannot start " + config.python() + ": " + e.getMessage(), e));
        }
    }

    /** This process's uid and gid: the agent runs as the worker's user, and owns its scratch space. */
    private static int[] owner() throws IOException {
        Path self = Path.of("/proc/self");
        return new int[] {(Integer) Files.getAttribute(self, "unix:uid"), (Integer) Files.getAttribute(self, "unix:gid")};
    }

    private void removeScratch(String id, String tid) {
        Scratch.removeLogged(scratchRoot, id, tid);
    }

    /** Removes a process's cgroups once it exited; one more try a second later for a folder still busy. */
    private void removeCgroups(String id, String tid) {
        Placed p = placed.remove(id);
        if (p == null || p.cgroups().remove(p.instance(), id).isEmpty()) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                List<Path> left = p.cgroups().remove(p.instance(), id);
                if (!left.isEmpty()) {
                    LOG.log(Level.WARNING, "[" + tid + "] the cgroups of " + id + " cannot be removed (still busy): "
                            + left);
                }
            }, Duration.ofSeconds(1));
        } catch (RuntimeException stopped) {
            // the backend is stopping and its scheduler with it: the next start's reclaim removes them
        }
    }

    /** The binding's environment with container paths (mount targets) replaced by their host paths. */
    static Map<String, String> hostPaths(TransportBinding binding) {
        Map<String, String> env = new HashMap<>(binding.environment());
        for (var e : env.entrySet()) {
            for (var mount : binding.mounts().entrySet()) {
                String inContainer = mount.getValue();
                if (e.getValue().equals(inContainer) || e.getValue().startsWith(inContainer + "/")) {
                    e.setValue(mount.getKey() + e.getValue().substring(inContainer.length()));
                }
            }
        }
        return env;
    }

    @Override
    public CompletionStage<Void> destroy(ContainerHandle container, String tid) {
        Process p = processes.remove(container.id());
        if (p == null || !p.isAlive()) {
            removeScratch(container.id(), tid);
            removeCgroups(container.id(), tid);
            return CompletableFuture.completedFuture(null);
        }
        stopping.put(container.id(), p);
        p.destroy();
        CompletableFuture<Void> done = new CompletableFuture<>();
        scheduler.schedule(() -> {
            if (p.isAlive()) {
                LOG.log(Level.WARNING, "[" + tid + "] " + container.id() + " ignored SIGTERM; killing it");
                p.destroyForcibly();
            }
            done.complete(null);
        }, Duration.ofMillis(config.stop_grace_ms()));
        p.onExit().thenRun(() -> done.complete(null));
        return done.whenComplete((ok, failed) -> {
            if (stopping.remove(container.id(), p)) { // else close() took it over and cleans up itself
                removeScratch(container.id(), tid);
                p.onExit().thenRun(() -> removeCgroups(container.id(), tid));
            }
        });
    }

    /**
     * A process's own cgroups ({@code cgroup}) and its pid. With {@code cgroup = none} the process shares the
     * worker's cgroup: only its pid is known, so a tracker that confines containers by cgroup finds it unplaced.
     */
    @Override
    public ContainerPlacement placement(ContainerHandle container) {
        Process p = processes.get(container.id());
        OptionalLong pid = p == null ? OptionalLong.empty() : OptionalLong.of(p.pid());
        Placed where = placed.get(container.id());
        return where == null ? new ContainerPlacement(container.id(), container.functionId(), Map.of(),
                Optional.empty(), pid)
                : CgroupPlacement.of(container, where.cgroups().root(), where.cgroups().relative(where.instance(),
                        container.id()), pid);
    }

    @Override
    public ContainerUsage usage(ContainerHandle container) {
        Process p = processes.get(container.id());
        if (p == null) {
            return ContainerUsage.UNKNOWN;
        }
        try {
            long rss = 0;
            long hwm = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kb(line) << 10;
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kb(line) << 10;
                }
            }
            return new ContainerUsage(rss, hwm, 0);
        } catch (IOException e) {
            return ContainerUsage.UNKNOWN;
        }
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /**
     * Kills the instance's agents an earlier run left (they carry {@code VIREO_INSTANCE}) and removes their empty
     * cgroups; never this run's (its own agents are this JVM's descendants, its cgroups are placed before they are
     * made): the worker may call it while it serves.
     */
    @Override
    public int reclaim(String instance) {
        int killed = 0;
        List<ProcessHandle> all = ProcessHandle.allProcesses().toList();
        // after: an agent this run starts meanwhile is among its descendants by then
        java.util.Set<Long> own = ProcessHandle.current().descendants().map(ProcessHandle::pid)
                .collect(java.util.stream.Collectors.toSet());
        for (ProcessHandle h : all) {
            if (own.contains(h.pid())) {
                continue;
            }
            try {
                String environ = Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ"));
                if (environ.contains("\0VIREO_INSTANCE=" + instance + "\0") || environ.startsWith("VIREO_INSTANCE=" + instance + "\0")) {
                    h.destroyForcibly();
                    killed++;
                }
            } catch (IOException | RuntimeException e) {
                // gone, or not ours to read
            }
        }
        Optional<ProcessCgroups> cg = cgroups;
        if (cg.isPresent()) {
            int removed = cg.get().removeIdle(instance, placed.keySet());
            if (removed > 0) {
                LOG.log(Level.INFO, "removed " + removed + " empty cgroup(s) a previous run of " + instance + " left");
            }
        }
        return killed;
    }
}
