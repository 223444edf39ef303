package dev.vireo.dag.internal;

import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.dag.DagPeers;
import dev.vireo.api.dag.DagService;
import dev.vireo.api.dag.RunResult;
import dev.vireo.api.dag.RunStatus;
import dev.vireo.api.dag.Workflow;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagStore;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerService;
import java.util.List;
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
    private final DagEngine engine;
    private volatile DagPeers peers;
    private volatile ClusterService cluster;

    @Activate
    public DagComponent(@Reference WorkerService worker, @Reference PluginRegistry registry, @Reference Clock clock,
            @Reference TaskScheduler scheduler, DagConfig config) {
        engine = new DagEngine(worker, () -> registry.active(DagStore.class), () -> registry.active(DagPlanner.class),
                clock, scheduler, DagOptions.of(config), new Placement(() -> peers, () -> cluster != null));
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
        engine.reconfigure(DagOptions.of(config));
    }

    @Deactivate
    void close() {
        engine.close();
    }

    /** The spec as {@link WorkflowJson} reads it (the front ends have no JSON parser of workflows of their own). */
    @Override
    public Workflow parse(String specJson) {
        return WorkflowJson.parse(specJson);
    }

    @Override
    public String submit(Workflow workflow, String resume, String run) {
        return engine.submit(workflow, resume, run);
    }

    @Override
    public RunStatus status(String run) {
        return engine.status(run);
    }

    @Override
    public void continueTask(String run, String task) {
        engine.continueTask(run, task);
    }

    @Override
    public RunStatus summary(String run) {
        return engine.summary(run);
    }

    @Override
    public String spec(String run) {
        return engine.spec(run);
    }

    @Override
    public RunResult result(String run) {
        return engine.result(run);
    }

    @Override
    public RunStatus cancel(String run) {
        return engine.cancel(run);
    }

    @Override
    public void delete(String run) {
        engine.delete(run);
    }

    @Override
    public List<RunStatus> runs() {
        return engine.runs();
    }
}
