package dev.vireo.controller.internal;

import dev.vireo.api.cluster.ClusterService;
import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.plugin.ExtensionPoint;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.NodeConfiguration;
import dev.vireo.api.worker.NodeSettings;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerService;
import dev.vireo.api.worker.WorkerStatus;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The controller: a {@link WorkerService} whose invocations run on workers chosen by the active load-balancing
 * policy, and the {@link ClusterService} those workers join. It composes the parts that own each concern:
 * <ul>
 * <li>{@link Membership}: the workers that join, their heartbeats, taking one out (and why) and back in;</li>
 * <li>{@link Registrations}: the functions, pushed to every worker, including those that join later;</li>
 * <li>{@link Router}: the worker for each invocation, through the balancer, and the retry when it fails;</li>
 * <li>{@link ClusterStatus}: the cluster seen as one worker.</li>
 * </ul>
 * Workers are reached through a {@link WorkerConnector} (gRPC live, in-process in simulation).
 *
 * <p>Threading: every method is safe from any thread; time and work go through the clock and scheduler services.
 */
final class ControllerCore implements WorkerService, ClusterService {
    private static final System.Logger LOG = System.getLogger(ControllerCore.class.getName());

    private final Membership membership;
    private final Registrations registrations;
    private final ClusterStatus cluster;
    private final Router router;
    private final Tracing tracing;
    private volatile ControllerOptions options;
    private volatile NodeConfiguration configuration;
    private final PluginRegistry registry;

    /** A controller that starts its heartbeat and joins the configured workers on the scheduler. */
    ControllerCore(ControllerOptions options, PluginRegistry registry, Clock clock, TaskScheduler scheduler,
            WorkerConnector connector, MeterRegistry meters) {
        this.options = options;
        this.registry = registry;
        ControllerMetrics metrics = new ControllerMetrics(meters);
        membership = new Membership(this::options, clock, scheduler, connector, metrics, this::admit);
        registrations = new Registrations(options.name(), membership);
        cluster = new ClusterStatus(options.name(), registry, membership, registrations);
        tracing = new Tracing(options.name());
        router = new Router(this::options, registry, clock, scheduler, metrics, membership, registrations, cluster,
                tracing);
        metrics.gauges(membership);
        membership.heartbeatEvery(options.heartbeat());
        membership.seed(options.workers());
    }

    /** A worker is let in once it has every registration. */
    private int admit(Member m) {
        return registrations.pushMissing(m);
    }

    ControllerOptions options() {
        return options;
    }

    /**
     * Applies changed options (see {@link ControllerOptions} for what each does at runtime); every option keeps the
     * value {@code next} gives it, but the name, which stays until a restart.
     */
    synchronized void reconfigure(ControllerOptions next) {
        ControllerOptions before = options;
        if (!next.name().equals(before.name())) {
            LOG.log(Level.WARNING, "name stays '" + before.name() + "' until the controller restarts (configured: '"
                    + next.name() + "')");
        }
        options = next.withName(before.name());
        if (!next.heartbeat().equals(before.heartbeat())) {
            membership.heartbeatEvery(next.heartbeat());
        }
        membership.reseed(before.workers(), next.workers());
        LOG.log(Level.INFO, "reconfigured: heartbeat " + next.heartbeat().toMillis() + " ms, missed heartbeats "
                + next.missedHeartbeats() + ", retry " + next.retry() + ", " + next.workers().size()
                + " configured workers");
    }

    void close() {
        membership.close();
    }

    // ---- cluster ------------------------------------------------------------------------------------------------

    @Override
    public WorkerMember join(String name, String address) {
        return membership.join(name, address);
    }

    @Override
    public void leave(String name) {
        membership.leave(name);
    }

    @Override
    public List<WorkerMember> members() {
        return membership.members();
    }

    // ---- worker service -----------------------------------------------------------------------------------------

    @Override
    public String name() {
        return options.name();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        return registrations.register(spec);
    }

    @Override
    public FunctionSpec update(FunctionSpec spec) {
        return registrations.update(spec);
    }

    @Override
    public void unregister(String functionId) {
        registrations.unregister(functionId);
    }

    @Override
    public List<FunctionSpec> functions() {
        return registrations.all();
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        return router.invoke(tid, functionId, payload, null);
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload,
            dev.vireo.api.trace.TraceContext trace) {
        return router.invoke(tid, functionId, payload, trace);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        return router.invokeAsync(tid, functionId, payload, null);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload, dev.vireo.api.trace.TraceContext trace) {
        return router.invokeAsync(tid, functionId, payload, trace);
    }

    /** Where the controller's spans go from now on: also to {@code exporter}. */
    void addSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        tracing.add(exporter);
    }

    void removeSpanExporter(dev.vireo.api.trace.SpanExporter exporter) {
        tracing.remove(exporter);
    }

    @Override
    public AsyncResult result(String id) {
        return router.result(id);
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        return router.prewarm(functionId, count);
    }

    @Override
    public WorkerStatus status() {
        return cluster.status();
    }

    void configuration(NodeConfiguration view) {
        configuration = view;
    }

    void configurationGone(NodeConfiguration view) {
        if (configuration == view) {
            configuration = null;
        }
    }

    /**
     * The balancer here; a queue or keep-alive policy on every worker in service (by name), each as it takes it: a
     * worker that refuses makes the answer fail, naming it (those before it have taken it).
     */
    @Override
    public java.util.Map<String, String> use(String point, String plugin) {
        ExtensionPoint p = switch (point == null ? "" : point) {
            case "balancer" -> ExtensionPoint.BALANCER;
            case "queue" -> ExtensionPoint.QUEUE;
            case "keepalive" -> ExtensionPoint.KEEPALIVE;
            default -> throw new dev.vireo.api.model.ValidationException("point", "'" + point + "' is not a point"
                    + " a controller puts plugins in force at; use balancer, keepalive, queue");
        };
        if (p == ExtensionPoint.BALANCER) {
            return registry.use(point, plugin, java.util.Set.of(ExtensionPoint.BALANCER));
        }
        eachWorker("put " + point + "=" + plugin + " in force", m -> m.remote.use(point, plugin));
        return registry.inForce();
    }

    /**
     * The controller's configuration and each worker in service's settings as it answers them (by name); a worker
     * that cannot answer makes the whole answer fail, naming it, since a partial picture would reproduce another
     * cluster.
     */
    @Override
    public NodeSettings settings() {
        NodeConfiguration view = configuration;
        if (view == null) {
            return WorkerService.super.settings();
        }
        List<NodeSettings> workers = new ArrayList<>();
        // under its member name: the controller's (and its balancer's) name for it
        eachWorker("report its settings", m -> workers.add(m.remote.settings().named(m.name)));
        return new NodeSettings(options.name(), "controller", view.current(), registry.inForce(), java.util.Map.of(),
                workers);
    }

    /**
     * The activation logs of the workers in service, merged: each asked the same question, the answers newest first
     * by arrival, at most the query's limit. A worker that cannot answer fails the whole answer, naming it (a log with
     * a hole would read as complete); a worker out of service is not asked.
     */
    @Override
    public List<InvocationRecord> activations(dev.vireo.api.worker.ActivationQuery query) {
        List<InvocationRecord> all = new ArrayList<>();
        eachWorker("list its activations", m -> all.addAll(m.remote.activations(query)));
        all.sort(java.util.Comparator.comparing(InvocationRecord::arrival).reversed());
        return List.copyOf(all.subList(0, Math.min(query.limit(), all.size())));
    }

    /** The record from the log of whichever worker in service holds it; UNKNOWN_FUNCTION when none does. */
    @Override
    public InvocationRecord activation(String tid) {
        WorkerException failed = null;
        List<Member> healthy = new ArrayList<>(membership.healthy());
        healthy.sort(java.util.Comparator.comparing(m -> m.name));
        for (Member m : healthy) {
            try {
                return m.remote.activation(tid);
            } catch (WorkerException e) {
                if (e.kind() != ErrorKind.UNKNOWN_FUNCTION && failed == null) {
                    failed = new WorkerException(e.kind(), "worker " + m.name + ": " + e.getMessage());
                }
            } catch (RuntimeException e) {
                if (failed == null) {
                    failed = new WorkerException(ErrorKind.UNREACHABLE, "worker " + m.name + ": " + e.getMessage());
                }
            }
        }
        if (failed != null) {
            throw failed; // it may be in the log of the worker that did not answer
        }
        throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "activation " + tid + " is in the log of no worker in"
                + " service of controller " + options.name());
    }

    /**
     * Every worker in service's estimate, the shortest (end to end) answered under the worker's member name; workers
     * that cannot answer are left out, and if none can, the first one's error is the answer, naming it.
     */
    @Override
    public dev.vireo.api.worker.Estimate estimate(String functionId) {
        dev.vireo.api.worker.Estimate best = null;
        WorkerException first = null;
        for (Member m : membership.healthy()) {
            try {
                dev.vireo.api.worker.Estimate e = m.remote.estimate(functionId).on(m.name);
                if (best == null || e.e2eUs() < best.e2eUs()) {
                    best = e;
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = new WorkerException(e instanceof WorkerException w ? w.kind() : ErrorKind.UNREACHABLE,
                            "worker " + m.name + ": " + e.getMessage());
                }
            }
        }
        if (best != null) {
            return best;
        }
        throw first != null ? first : new WorkerException(ErrorKind.UNREACHABLE, "controller " + options.name()
                + " has no worker in service to estimate " + functionId + " on");
    }

    /**
     * {@code call} on each worker in service, by name, one after the other; the first that fails ends it with its
     * error named after the worker (a refused field stays that field; anything else not a worker's error is
     * UNREACHABLE: it did not {@code doing}).
     */
    private void eachWorker(String doing, java.util.function.Consumer<Member> call) {
        List<Member> healthy = new ArrayList<>(membership.healthy());
        healthy.sort(java.util.Comparator.comparing(m -> m.name));
        for (Member m : healthy) {
            try {
                call.accept(m);
            } catch (dev.vireo.api.model.ValidationException e) {
                String why = e.getMessage().startsWith(e.field() + ": ")
                        ? e.getMessage().substring(e.field().length() + 2) : e.getMessage();
                throw new dev.vireo.api.model.ValidationException(e.field(), "worker " + m.name + ": " + why);
            } catch (WorkerException e) {
                WorkerException named = new WorkerException(e.kind(), "worker " + m.name + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            } catch (RuntimeException e) {
                WorkerException named = new WorkerException(ErrorKind.UNREACHABLE, "worker " + m.name + " did not "
                        + doing + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            }
        }
    }
}
