package dev.vireo.controller.internal;

import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Routing;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.plugin.PluginRegistry;
import dev.vireo.api.spi.balance.Balancer;
import dev.vireo.api.spi.balance.BalancerContext;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.balance.WorkerView;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import dev.vireo.api.trace.TraceContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Where each invocation runs: a worker in service chosen by the active load-balancing policy's balancer, and what
 * happens when that worker fails it. Unreachable: the worker is taken out and the invocation retried once on another
 * one ({@code retry}; else it fails with UNREACHABLE). UNKNOWN_FUNCTION (the worker restarted between heartbeats): the
 * registration is pushed again and the invocation retried there. The transaction id, given or made here
 * ({@code NAME-N}), goes with the invocation through every attempt, call and log line.
 *
 * <p>Threading: every method is safe from any thread; retries run on the scheduler.
 */
final class Router {
    /** The controller logs under one name, as before it was split into parts. */
    private static final System.Logger LOG = System.getLogger(ControllerCore.class.getName());
    private static final String ASYNC_SEPARATOR = "~";

    private final Supplier<ControllerOptions> options;
    private final PluginRegistry registry;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final ControllerMetrics metrics;
    private final Membership membership;
    private final Registrations registrations;
    private final ClusterStatus cluster;
    private final AtomicLong tids = new AtomicLong();
    private final Tracing tracing;
    private volatile BalancerHolder balancer;

    private record BalancerHolder(LoadBalancingPolicy policy, Balancer balancer) {
    }

    Router(Supplier<ControllerOptions> options, PluginRegistry registry, Clock clock, TaskScheduler scheduler,
            ControllerMetrics metrics, Membership membership, Registrations registrations, ClusterStatus cluster,
            Tracing tracing) {
        this.options = options;
        this.tracing = tracing;
        this.registry = registry;
        this.clock = clock;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.membership = membership;
        this.registrations = registrations;
        this.cluster = cluster;
    }

    /** The active policy's balancer, made again when the policy changes (a swap). */
    private Balancer balancer() {
        LoadBalancingPolicy policy = registry.active(LoadBalancingPolicy.class);
        BalancerHolder b = balancer;
        if (b == null || b.policy != policy) {
            b = new BalancerHolder(policy, policy.newBalancer(new BalancerContext() {
                @Override
                public Clock clock() {
                    return clock;
                }

                @Override
                public FunctionStats stats(String functionId) {
                    return cluster.stats(functionId);
                }

                @Override
                public java.util.Optional<dev.vireo.api.worker.Estimate> estimate(String workerId, String functionId) {
                    Member m = membership.get(workerId);
                    if (m == null || !m.healthy) {
                        return java.util.Optional.empty();
                    }
                    try {
                        return java.util.Optional.of(m.remote.estimate(functionId));
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.DEBUG, () -> "no estimate of " + functionId + " from " + workerId
                                + ": " + e.getMessage());
                        return java.util.Optional.empty();
                    }
                }
            }));
            balancer = b;
        }
        return b.balancer;
    }

    private String newTid(String tid) {
        return tid == null || tid.isEmpty() ? options.get().name() + "-" + Long.toString(tids.incrementAndGet(), 36)
                : tid;
    }

    private Member pick(Balancer balancer, String tid, String functionId, Set<String> exclude) {
        List<WorkerView> views = new ArrayList<>();
        for (Member m : membership.healthy()) {
            if (!exclude.contains(m.name)) {
                views.add(m.view());
            }
        }
        Optional<WorkerView> chosen = balancer.pick(tid, functionId, views);
        Member m = chosen.map(v -> membership.get(v.id())).orElse(null);
        if (m == null) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "no healthy worker for " + functionId + " ("
                    + membership.knownCount() + " known"
                    + (exclude.isEmpty() ? "" : ", tried " + String.join(", ", exclude))
                    + membership.describeOut() + ")");
        }
        return m;
    }

    CompletionStage<InvocationRecord> invoke(String tid, String functionId, String payload, TraceContext trace) {
        String id = newTid(tid);
        long arrival = clock.nanoTime();
        CompletableFuture<InvocationRecord> out = new CompletableFuture<>();
        Tracing.Traced traced = tracing.start(trace);
        if (traced != null) {
            java.time.Instant at = clock.now();
            out.whenComplete((r, e) -> tracing.end(traced, id, functionId, at, clock.nanoTime() - arrival, r, e));
        }
        try {
            registrations.get(functionId);
            attempt(id, functionId, payload, arrival, 1, Set.of(), out, traced == null ? trace : traced.span());
        } catch (RuntimeException e) {
            out.completeExceptionally(e); // refused at once (unknown function, no worker): its span ends too
            throw e;
        }
        return out;
    }

    private void attempt(String tid, String functionId, String payload, long arrival, int attempt,
            Set<String> tried, CompletableFuture<InvocationRecord> out, TraceContext trace) {
        long pickStart = clock.nanoTime();
        Balancer b = balancer();
        Member m;
        try {
            m = pick(b, tid, functionId, tried);
        } catch (RuntimeException e) {
            if (attempt == 1) {
                throw e;
            }
            out.completeExceptionally(e);
            return;
        }
        long sent = clock.nanoTime();
        m.inFlight.incrementAndGet();
        m.sent.incrementAndGet();
        CompletableFuture<InvocationRecord> reply = new CompletableFuture<>();
        Member.Attempt a = new Member.Attempt(reply);
        m.attempts.add(a);
        if (!m.healthy) {
            // taken out between the pick and now: do not wait for a reply that may never come
            reply.completeExceptionally(new WorkerException(ErrorKind.UNREACHABLE, "worker " + m.name
                    + " was taken out: " + m.reason));
        }
        CompletionStage<InvocationRecord> call;
        try {
            call = m.remote.invoke(tid, functionId, payload, trace);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((r, e) -> {
            if (e != null) {
                reply.completeExceptionally(e);
            } else {
                reply.complete(r);
            }
        });
        reply.whenComplete((r, e) -> {
            if (!m.attempts.remove(a)) {
                return;
            }
            m.inFlight.decrementAndGet();
            b.completed(m.name, functionId);
            long end = clock.nanoTime();
            if (e == null) {
                Routing routing = new Routing(options.get().name(), attempt, (sent - pickStart) / 1_000,
                        (end - sent) / 1_000, (end - arrival) / 1_000);
                metrics.forwarded(m.name, r.success() ? "success" : "error", end - sent);
                out.complete(r.withRouting(routing));
                return;
            }
            WorkerException w = Failures.cause(e);
            metrics.forwarded(m.name, w.kind().name().toLowerCase(Locale.ROOT), end - sent);
            if (w.kind() == ErrorKind.UNREACHABLE) {
                membership.takeOut(m, w.getMessage());
                boolean retry = options.get().retry();
                if (retry && attempt == 1) {
                    LOG.log(Level.WARNING, "[" + tid + "] " + functionId + " retried: " + w.getMessage());
                    Set<String> next = new HashSet<>(tried);
                    next.add(m.name);
                    scheduler.execute(() -> attempt(tid, functionId, payload, arrival, attempt + 1, next, out,
                            trace));
                    return;
                }
                out.completeExceptionally(new WorkerException(ErrorKind.UNREACHABLE, w.getMessage()
                        + (attempt > 1 ? " (after a retry)" : retry ? "" : " (not retried: retry = false)")));
                return;
            }
            if (w.kind() == ErrorKind.UNKNOWN_FUNCTION && attempt == 1) {
                // the worker lost the registration (restarted between heartbeats): push it again and retry there
                scheduler.execute(() -> {
                    try {
                        registrations.pushAgain(m, functionId);
                    } catch (WorkerException ex) {
                        out.completeExceptionally(ex);
                        return;
                    }
                    attempt(tid, functionId, payload, arrival, attempt + 1, Set.of(), out, trace);
                });
                return;
            }
            out.completeExceptionally(w);
        });
    }

    /** An async invocation goes to its worker with the trace context it came with: the worker's spans are its. */
    String invokeAsync(String tid, String functionId, String payload, TraceContext trace) {
        registrations.get(functionId);
        String id = newTid(tid);
        Member m = pick(balancer(), id, functionId, Set.of());
        m.sent.incrementAndGet();
        try {
            return m.name + ASYNC_SEPARATOR + m.remote.invokeAsync(id, functionId, payload, trace);
        } catch (WorkerException e) {
            if (e.kind() == ErrorKind.UNREACHABLE) {
                membership.takeOut(m, e.getMessage());
            }
            throw e;
        }
    }

    AsyncResult result(String id) {
        int sep = id == null ? -1 : id.indexOf(ASYNC_SEPARATOR);
        Member m = sep <= 0 ? null : membership.get(id.substring(0, sep));
        if (m == null) {
            throw new WorkerException(ErrorKind.UNKNOWN_FUNCTION, "no async invocation '" + id
                    + "' (ids from this controller look like WORKER" + ASYNC_SEPARATOR + "TID)");
        }
        AsyncResult r = m.remote.result(id.substring(sep + 1));
        return new AsyncResult(id, r.done(), r.record());
    }

    /** Spreads {@code count} warm containers over the workers in service. */
    CompletionStage<Integer> prewarm(String functionId, int count) {
        registrations.get(functionId);
        if (count < 1 || count > 10_000) {
            throw new ValidationException("count", "must be 1-10000, was " + count);
        }
        List<Member> live = membership.healthy();
        if (live.isEmpty()) {
            throw new WorkerException(ErrorKind.UNREACHABLE, "no healthy worker to prewarm " + functionId
                    + membership.describeOut());
        }
        List<CompletableFuture<Integer>> parts = new ArrayList<>();
        for (int i = 0; i < live.size(); i++) {
            int share = count / live.size() + (i < count % live.size() ? 1 : 0);
            if (share > 0) {
                parts.add(live.get(i).remote.prewarm(functionId, share).toCompletableFuture()
                        .exceptionally(e -> 0));
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(v -> parts.stream().mapToInt(CompletableFuture::join).sum());
    }
}
