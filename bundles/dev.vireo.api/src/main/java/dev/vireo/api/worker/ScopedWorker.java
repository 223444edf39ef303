package dev.vireo.api.worker;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.trace.TraceContext;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A node (worker or controller) as a caller of one namespace sees it: the functions of that namespace only. A
 * registration lands in the namespace (a spec naming another is refused on {@code namespace}); a function of another
 * namespace, or an invocation of one, is unknown (404, as if it did not exist: its existence is not told); what only
 * the node's own token may do (settings, policies) is {@link ErrorKind#FORBIDDEN}. The APIs wrap the node in one per
 * call made with a namespace's token, or with the node's token and a namespace asked for ({@code x-vireo-namespace}).
 * An async result still running is answered to any caller that knows its id (its function is not known yet).
 *
 * @since 1.8
 */
public final class ScopedWorker implements WorkerService {
    private final WorkerService node;
    private final String namespace;

    /** @param namespace the caller's namespace; empty: the default namespace's functions only */
    public ScopedWorker(WorkerService node, String namespace) {
        this.node = Objects.requireNonNull(node, "node");
        this.namespace = Objects.requireNonNull(namespace, "namespace");
    }

    public String namespace() {
        return namespace;
    }

    /**
     * Whom a call with these headers comes from, as a view of the node: the node itself for its own token (or any call
     * where no token is required) without a namespace asked for; a {@link ScopedWorker} for a namespace's token or a
     * namespace asked for.
     *
     * @param authorization the {@code Authorization} value, or null
     * @param asked         the namespace asked for ({@code x-vireo-namespace}), or null or empty for none
     * @param nodeToken     the node's {@code auth.token}; empty: no token is required (and {@code tokens} is empty)
     * @return the view, or empty if the caller presents no token the node knows
     * @throws WorkerException FORBIDDEN when a namespace's token asks for another namespace; INVALID_REQUEST for a
     *                         malformed namespace asked for
     */
    public static Optional<WorkerService> of(WorkerService node, String authorization, String asked, String nodeToken,
            NamespaceTokens tokens) {
        String wanted = asked == null ? "" : asked.trim();
        if (!wanted.isEmpty() && !FunctionSpec.NAMESPACE.matcher(wanted).matches()) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "x-vireo-namespace: '" + wanted.substring(0,
                    Math.min(40, wanted.length())) + "' is not a namespace (1-32 lower-case letters, digits or '-')");
        }
        if (nodeToken.isEmpty() || NamespaceTokens.presents(authorization, nodeToken)) {
            return Optional.of(wanted.isEmpty() ? node : new ScopedWorker(node, wanted));
        }
        Optional<String> own = tokens.namespaceOf(authorization);
        if (own.isEmpty()) {
            return Optional.empty();
        }
        if (!wanted.isEmpty() && !wanted.equals(own.get())) {
            throw new WorkerException(ErrorKind.FORBIDDEN, "x-vireo-namespace: the token is namespace " + own.get()
                    + "'s, not " + wanted + "'s");
        }
        return Optional.of(new ScopedWorker(node, own.get()));
    }

    private boolean owns(String functionId) {
        return FunctionSpec.namespaceOf(functionId).equals(namespace);
    }

    /** The id, if it is this namespace's; else UNKNOWN_FUNCTION, worded as the node words it. */
    private String own(String functionId) {
        if (!owns(functionId)) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "function " + functionId + " is not registered");
        }
        return functionId;
    }

    /**
     * The spec in the caller's namespace, if a namespace's caller may register it: its code folder inside a folder
     * named as the namespace, itself inside a folder (a code root: {@code /srv/team-a/hello}), so not another's; in a
     * container (the process backend runs code as the worker's own user, without isolation).
     */
    private FunctionSpec inNamespace(FunctionSpec spec) {
        if (spec.namespace().isEmpty() && !namespace.isEmpty()) {
            spec = spec.withNamespace(namespace);
        }
        if (!spec.namespace().equals(namespace)) {
            throw new ValidationException("namespace", "'" + spec.namespace() + "' is not the caller's namespace ("
                    + (namespace.isEmpty() ? "the default one" : namespace) + ")");
        }
        if (!spec.codeDir().isEmpty()) {
            if (spec.backend().isEmpty() || spec.backend().equals("process")) {
                throw new ValidationException("backend", "a namespace's code runs in a container: name the backend"
                        + " (containerd or docker; process runs code as the worker's own user)");
            }
            java.nio.file.Path code = java.nio.file.Path.of(spec.codeDir()).normalize();
            java.nio.file.Path parent = code.getParent();
            if (namespace.isEmpty() || parent == null || parent.getFileName() == null
                    || !parent.getFileName().toString().equals(namespace) || parent.getParent() == null
                    || parent.getParent().getParent() == null) {
                throw new ValidationException("code", "a namespace's code folder is in a folder named as the namespace,"
                        + " inside a code root (e.g. /srv/" + (namespace.isEmpty() ? "NAMESPACE" : namespace) + "/"
                        + spec.name() + ")");
            }
        }
        return spec;
    }

    private WorkerException forbidden(String what) {
        return new WorkerException(ErrorKind.FORBIDDEN, what + " needs the node's own token, not a namespace's");
    }

    @Override
    public String name() {
        return node.name();
    }

    @Override
    public FunctionSpec register(FunctionSpec spec) {
        return node.register(inNamespace(spec));
    }

    @Override
    public FunctionSpec update(FunctionSpec spec) {
        return node.update(inNamespace(spec));
    }

    @Override
    public void unregister(String functionId) {
        node.unregister(own(functionId));
    }

    @Override
    public List<FunctionSpec> functions() {
        return node.functions().stream().filter(f -> f.namespace().equals(namespace)).toList();
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload) {
        return node.invoke(tid, own(functionId), payload);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload) {
        return node.invokeAsync(tid, own(functionId), payload);
    }

    @Override
    public CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload, TraceContext trace) {
        return node.invoke(tid, own(functionId), payload, trace);
    }

    @Override
    public String invokeAsync(String tid, String functionId, String payload, TraceContext trace) {
        return node.invokeAsync(tid, own(functionId), payload, trace);
    }

    @Override
    public AsyncResult result(String id) {
        AsyncResult r = node.result(id);
        if (r.record().isPresent() && !owns(r.record().get().functionId())) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no async invocation '" + id + "' (unknown, or its"
                    + " result expired)");
        }
        return r;
    }

    @Override
    public CompletionStage<Integer> prewarm(String functionId, int count) {
        return node.prewarm(own(functionId), count);
    }

    /** The node's load as it is; the functions' statistics and count of this namespace only. */
    @Override
    public WorkerStatus status() {
        WorkerStatus s = node.status();
        Map<String, FunctionStats> own = new java.util.TreeMap<>();
        s.stats().forEach((id, stats) -> {
            if (owns(id)) {
                own.put(id, stats);
            }
        });
        // a tracker that counts namespaces (unit "namespaces": figures "team-a.running") shows the caller's own only
        List<dev.vireo.api.spi.resource.ResourceUsage> resources = s.resources().stream().map(u -> {
            if (!u.unit().equals("namespaces")) {
                return u;
            }
            Map<String, Double> detail = new java.util.TreeMap<>();
            u.detail().forEach((k, v) -> {
                if (k.startsWith(namespace + ".")) {
                    detail.put(k, v);
                }
            });
            return new dev.vireo.api.spi.resource.ResourceUsage(u.resource(), u.unit(), u.capacity(), u.used(), detail);
        }).toList();
        return new WorkerStatus(s.name(), s.queued(), s.queueCapacity(), s.running(), functions().size(),
                s.containersRunning(), s.containersIdle(), s.memoryRunningMb(), s.memoryCachedMb(),
                s.memoryRunningUsedMb(), s.memoryCachedUsedMb(), s.memoryLimitMb(), s.backends(), s.policies(),
                resources, own);
    }

    /** Nothing for an invocation of another namespace. */
    @Override
    public Optional<InvocationAnatomy> anatomy(String tid) {
        try {
            activation(tid);
        } catch (WorkerException e) {
            return Optional.empty();
        }
        return node.anatomy(tid);
    }

    @Override
    public NodeSettings settings() {
        throw forbidden("the node's settings");
    }

    @Override
    public Map<String, String> use(String point, String plugin) {
        throw forbidden("putting a plugin in force");
    }

    @Override
    public Estimate estimate(String functionId) {
        return node.estimate(own(functionId));
    }

    /**
     * The namespace's records only: the node is asked for the most it answers and the namespace's newest are kept, so
     * a namespace whose records are few among many may get fewer than it asked for.
     */
    @Override
    public List<InvocationRecord> activations(ActivationQuery query) {
        if (!query.functionId().isEmpty()) {
            own(query.functionId());
            return node.activations(query);
        }
        ActivationQuery wide = new ActivationQuery(query.functionId(), query.since(), query.until(), query.status(),
                ActivationQuery.MAX_LIMIT);
        return node.activations(wide).stream().filter(r -> owns(r.functionId())).limit(query.limit()).toList();
    }

    @Override
    public InvocationRecord activation(String tid) {
        InvocationRecord r = node.activation(tid);
        if (!owns(r.functionId())) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "activation " + tid + " is not in the log (never"
                    + " run here, or past its retention)");
        }
        return r;
    }
}
