package dev.vireo.dag.internal;

import dev.vireo.api.cluster.ClusterMembers;
import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunPlan;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import java.util.function.Function;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The workflow service of a worker (or controller: it runs tasks through whichever {@link WorkerService} is here),
 * configuration pid {@code vireo.dag}; the runtime lives in {@link DagEngine}. The store and the planner are the
 * kernel's active {@code dag-store} and {@code dag} plugins.
 */
@Component(service = DagService.class, immediate = true, configurationPid = "vireo.dag")
@Designate(ocd = DagConfig.class)
public final class DagComponent implements DagService {
    private static final System.Logger LOG = System.getLogger(DagComponent.class.getName());
    private final DagEngine engine;
    private final RunHomes homes;
    private final PluginRegistry registry;
    private final Cancellable recovery;
    private volatile DagOptions options;
    private volatile DagPeers peers;
    private volatile ClusterService cluster;
    private volatile ClusterMembers members;

    @Activate
    public DagComponent(@Reference WorkerService worker, @Reference PluginRegistry registry, @Reference Clock clock,
            @Reference TaskScheduler scheduler, DagConfig config, BundleContext context) {
        this.registry = registry;
        this.options = DagOptions.of(config);
        PlanArchive archive;
        try {
            archive = archive(config.plans_dir(), context.getProperty("vireo.run.dir"));
        } catch (RuntimeException e) {
            // pre-schedules are a cache: without a directory for them workflows still run, planned each time
            LOG.log(System.Logger.Level.WARNING, "plans.dir: " + e.getMessage() + "; pre-schedules are kept in memory"
                    + " only");
            archive = PlanArchive.none();
        }
        engine = new DagEngine(worker, () -> registry.active(DagStore.class), () -> registry.active(DagPlanner.class),
                clock, scheduler, options, new Placement(() -> peers, () -> cluster != null),
                new Overflow(worker, () -> peers, () -> {
                    ClusterMembers m = members;
                    return m == null ? List.of() : m.members();
                }, clock), archive);
        engine.plannerName(() -> String.join(",", registry.selection(ExtensionPoint.DAG).effective()));
        homes = new RunHomes(() -> cluster != null ? peers : null, engine::newId, clock, () -> options.retention());
        recovery = scheduler.scheduleAtFixedRate("dag.homes", homes::recover, options.recovery());
    }

    /** The {@code plans.dir} setting as an archive: an absolute path, empty for the run directory's, or none. */
    static PlanArchive archive(String setting, String runDir) {
        String dir = setting == null ? "" : setting.trim();
        if (dir.equals("none") || (dir.isEmpty() && (runDir == null || runDir.isBlank()))) {
            return PlanArchive.none();
        }
        java.nio.file.Path path = dir.isEmpty() ? java.nio.file.Path.of(runDir, "dag-plans") : java.nio.file.Path.of(dir);
        if (!path.isAbsolute()) {
            throw new dev.vireo.api.model.ValidationException("plans.dir", "'" + dir + "' is not an absolute directory"
                    + " (or empty, or 'none')");
        }
        return PlanArchive.in(path);
    }

    /** Present on a worker that joined a controller (and on a controller): what its peers last reported. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setMembers(ClusterMembers m) {
        members = m;
    }

    void unsetMembers(ClusterMembers m) {
        if (members == m) {
            members = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setPeers(DagPeers p) {
        peers = p;
    }

    void unsetPeers(DagPeers p) {
        if (peers == p) {
            peers = null;
        }
    }

    /** Present on a controller: it hands every task to the workers instead of running any itself. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setCluster(ClusterService c) {
        cluster = c;
    }

    void unsetCluster(ClusterService c) {
        if (cluster == c) {
            cluster = null;
        }
    }

    @Modified
    void modified(DagConfig config) {
        options = DagOptions.of(config);
        engine.reconfigure(options);
    }

    @Deactivate
    void close() {
        recovery.cancel();
        engine.close();
    }

    /**
     * Whether a run submitted now goes to a worker ({@link RunHomes}): on a controller with workers, when the active
     * store keeps runs in a node's memory (a shared store lets the controller hand tasks to the workers instead).
     */
    private boolean homed() {
        if (cluster == null || !homes.active()) {
            return false;
        }
        try {
            return !registry.active(DagStore.class).shared();
        } catch (RuntimeException none) {
            return false;
        }
    }

    /** The answer of the run's home when a worker holds it, else of this node's runtime. */
    private <T> T ask(String run, Function<DagService, T> question, Function<DagEngine, T> here) {
        if (homes.knows(run)) {
            return homes.ask(run, question);
        }
        try {
            return here.apply(engine);
        } catch (WorkerException e) {
            if (e.kind() != ErrorKind.UNKNOWN_FUNCTION || !homed()) {
                throw e;
            }
            return homes.ask(run, question);
        }
    }

    /** The spec as {@link WorkflowJson} reads it (the front ends have no JSON parser of workflows of their own). */
    @Override
    public Workflow parse(String specJson) {
        return WorkflowJson.parse(specJson);
    }

    @Override
    public String submit(Workflow workflow, String resume, String run) {
        if (homed() && (resume.isEmpty() || !engine.holds(resume))) {
            try {
                return homes.submit(workflow, resume, run);
            } catch (WorkerException e) {
                if (e.kind() != ErrorKind.UNREACHABLE || !resume.isEmpty()) {
                    throw e;
                }
                // no worker took it (none answers, or the spec is more than a worker's API takes in one message):
                // it runs here, every task an invocation through this controller's balancer
                LOG.log(System.Logger.Level.WARNING, "no worker took workflow '" + workflow.name() + "' ("
                        + e.getMessage() + "): it runs on the controller");
            }
        }
        return engine.submit(workflow, resume, run);
    }

    @Override
    public RunStatus status(String run) {
        return ask(run, s -> s.status(run), e -> e.status(run));
    }

    @Override
    public void continueTask(String run, String task) {
        engine.continueTask(run, task);
    }

    @Override
    public void continueTasks(String run, List<String> tasks, Map<String, String> inputs) {
        engine.continueTasks(run, tasks, inputs);
    }

    @Override
    public java.util.concurrent.CompletionStage<List<dev.vireo.api.dag.ChainStep>> runChain(
            List<dev.vireo.api.dag.ChainLink> links, String payload, int maxOutputBytes) {
        return engine.runChain(links, payload, maxOutputBytes);
    }

    @Override
    public RunStatus summary(String run) {
        return ask(run, s -> s.summary(run), e -> e.summary(run));
    }

    @Override
    public String spec(String run) {
        return ask(run, s -> s.spec(run), e -> e.spec(run));
    }

    @Override
    public RunPlan plan(String run) {
        return ask(run, s -> s.plan(run), e -> e.plan(run));
    }

    @Override
    public RunResult result(String run) {
        return ask(run, s -> s.result(run), e -> e.result(run));
    }

    @Override
    public RunStatus cancel(String run) {
        return ask(run, s -> s.cancel(run), e -> e.cancel(run));
    }

    @Override
    public void delete(String run) {
        ask(run, s -> {
            s.delete(run);
            return run;
        }, e -> {
            e.delete(run);
            return run;
        });
        homes.forget(run);
    }

    @Override
    public List<RunStatus> runs() {
        List<RunStatus> here = engine.runs();
        if (cluster == null) {
            return here;
        }
        List<RunStatus> all = new java.util.ArrayList<>(here);
        java.util.Set<String> seen = new java.util.HashSet<>();
        here.forEach(r -> seen.add(r.run()));
        homes.runs().stream().filter(r -> seen.add(r.run())).forEach(all::add);
        all.sort(java.util.Comparator.comparing(RunStatus::submitted).reversed());
        return all;
    }
}
