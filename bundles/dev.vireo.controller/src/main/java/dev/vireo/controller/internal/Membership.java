package dev.vireo.controller.internal;

import dev.vireo.api.cluster.WorkerConnector;
import dev.vireo.api.cluster.WorkerMember;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.Clock;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.api.worker.WorkerStatus;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The workers: those that join (by themselves, or named in the configuration), their heartbeats, and taking one out of
 * service with the reason why. A worker that misses {@code missedHeartbeats} in a row, or whose call fails as
 * unreachable, is taken out and its invocations in flight are failed over (the {@link Router} retries them); it comes
 * back when it answers again, once the {@link Admission} (the registrations) has been done for it.
 *
 * <p>Threading: every method is safe from any thread; time and work go through the clock and scheduler services.
 */
final class Membership implements AutoCloseable {
    /** The controller logs under one name, as before it was split into parts. */
    private static final System.Logger LOG = System.getLogger(ControllerCore.class.getName());

    /** What a worker gets before it takes invocations. */
    @FunctionalInterface
    interface Admission {
        /** Prepares the worker (may fail: it then stays out); answers how many registrations it was given to have. */
        int admit(Member m);
    }

    private final Supplier<ControllerOptions> options;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final WorkerConnector connector;
    private final ControllerMetrics metrics;
    private final Admission admission;
    private final Map<String, Member> members = new ConcurrentHashMap<>();
    private final Instant startInstant;
    private final long startNanos;
    private Cancellable heartbeat;
    private boolean closed;

    Membership(Supplier<ControllerOptions> options, Clock clock, TaskScheduler scheduler, WorkerConnector connector,
            ControllerMetrics metrics, Admission admission) {
        this.options = options;
        this.clock = clock;
        this.scheduler = scheduler;
        this.connector = connector;
        this.metrics = metrics;
        this.admission = admission;
        this.startInstant = clock.now();
        this.startNanos = clock.nanoTime();
    }

    /** Polls every worker's status each {@code period} from now on (replacing the previous period). */
    synchronized void heartbeatEvery(Duration period) {
        if (heartbeat != null) {
            heartbeat.cancel();
        }
        heartbeat = closed ? null : scheduler.scheduleAtFixedRate("controller.heartbeat", this::heartbeat, period);
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (heartbeat != null) {
                heartbeat.cancel();
            }
        }
        for (Member m : members.values()) {
            m.close();
        }
        members.clear();
    }

    /** Joins configured workers, each as its own task (a worker that is not up yet does not hold up the others). */
    void seed(List<ControllerOptions.Seed> workers) {
        for (ControllerOptions.Seed s : workers) {
            scheduler.execute(() -> {
                try {
                    join(s.name(), s.address());
                } catch (RuntimeException ex) {
                    LOG.log(Level.WARNING, "configured worker " + s.name() + " at " + s.address()
                            + " is not in service yet: " + ex.getMessage() + " (heartbeats keep trying)");
                }
            });
        }
    }

    /**
     * Follows a change of the configured workers: one no longer named leaves (unless it has since joined from
     * elsewhere by itself), one newly named (or at a new address) joins.
     */
    void reseed(List<ControllerOptions.Seed> before, List<ControllerOptions.Seed> after) {
        Set<String> named = new HashSet<>();
        after.forEach(s -> named.add(s.name()));
        for (ControllerOptions.Seed s : before) {
            Member m = members.get(s.name());
            if (!named.contains(s.name()) && m != null && m.address.equals(s.address())
                    && members.remove(s.name(), m)) {
                remove(m, "removed from the configured workers");
                LOG.log(Level.INFO, "worker " + s.name() + " left: no longer in the configured workers");
            }
        }
        seed(after.stream().filter(s -> !before.contains(s)).toList());
    }

    WorkerMember join(String name, String address) {
        if (name == null || !ControllerOptions.NAME.matcher(name).matches()) {
            throw new ValidationException("name", "worker name '" + name
                    + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        Member m = members.get(name);
        if (m == null || !m.address.equals(address)) {
            Member fresh = new Member(name, address, connector.connect(address));
            Member old = members.put(name, fresh);
            if (old != null) {
                remove(old, "replaced: it re-joined from " + address);
                LOG.log(Level.INFO, "worker " + name + " moved from " + old.address + " to " + address);
            } else {
                LOG.log(Level.INFO, "worker " + name + " joined from " + address);
            }
            m = fresh;
        }
        if (!m.healthy) {
            // a (re)joining worker gets every registration before it takes invocations; a failure leaves it out
            // with the reason, and the next heartbeat tries again
            try {
                WorkerStatus s = m.remote.status();
                bringIn(m, s);
            } catch (RuntimeException e) {
                m.reason = "cannot reach it at " + address + ": " + e.getMessage();
                throw new WorkerException(ErrorKind.UNREACHABLE, "worker " + name + " joined but the controller"
                        + " cannot reach its gRPC API at " + address + ": " + e.getMessage());
            }
        }
        return describe(m);
    }

    void leave(String name) {
        Member m = members.remove(name);
        if (m == null) {
            throw new WorkerException(ErrorKind.INVALID_REQUEST, "no worker named '" + name + "'; workers: "
                    + String.join(", ", new TreeSet<>(members.keySet())));
        }
        remove(m, "left the cluster");
        LOG.log(Level.INFO, "worker " + name + " left");
    }

    private void remove(Member m, String why) {
        takeOut(m, why);
        m.close();
    }

    List<WorkerMember> members() {
        return members.values().stream().sorted(Comparator.comparing(x -> x.name)).map(this::describe).toList();
    }

    private WorkerMember describe(Member m) {
        return m.describe(m.lastSeenNanos == 0 ? Instant.EPOCH : startInstant.plusNanos(m.lastSeenNanos - startNanos));
    }

    /** Does the admission for the worker, then lets it take invocations. */
    private void bringIn(Member m, WorkerStatus status) {
        int registrations = admission.admit(m);
        synchronized (m) {
            m.status = status;
            m.failures = 0;
            m.lastSeenNanos = clock.nanoTime();
            m.reason = "";
            boolean was = m.healthy;
            m.healthy = !m.closed;
            if (!was) {
                LOG.log(Level.INFO, "worker " + m.name + " in service (" + registrations + " registrations pushed)");
            }
        }
    }

    private void heartbeat() {
        for (Member m : members.values()) {
            m.remote.statusAsync().whenComplete((s, e) -> {
                if (m.closed) {
                    return;
                }
                if (e == null) {
                    if (m.healthy) {
                        m.status = s;
                        m.failures = 0;
                        m.lastSeenNanos = clock.nanoTime();
                    } else {
                        scheduler.execute(() -> {
                            try {
                                bringIn(m, s);
                            } catch (RuntimeException ex) {
                                m.reason = "answers but registrations could not be pushed: " + ex.getMessage();
                            }
                        });
                    }
                    return;
                }
                int missed;
                synchronized (m) {
                    missed = ++m.failures;
                }
                if (missed >= options.get().missedHeartbeats() && m.healthy) {
                    takeOut(m, "missed " + missed + " heartbeats: " + Failures.cause(e).getMessage());
                }
            });
        }
    }

    /** Takes a member out of service and fails over its invocations in flight. */
    void takeOut(Member m, String why) {
        synchronized (m) {
            m.reason = why;
            if (!m.healthy) {
                return;
            }
            m.healthy = false;
        }
        LOG.log(Level.WARNING, "worker " + m.name + " taken out: " + why);
        metrics.takenOut(m.name);
        for (Member.Attempt a : List.copyOf(m.attempts)) {
            a.reply().completeExceptionally(new WorkerException(ErrorKind.UNREACHABLE, "worker " + m.name
                    + " was taken out while serving the invocation: " + why));
        }
    }

    /** The workers in service, by name. */
    List<Member> healthy() {
        return members.values().stream().filter(m -> m.healthy).sorted(Comparator.comparing(x -> x.name)).toList();
    }

    /** The member of that name, or null. */
    Member get(String name) {
        return members.get(name);
    }

    /** Every member, in service or not. */
    Collection<Member> all() {
        return members.values();
    }

    /** "; NAME: REASON" for each worker out of service: what an error that found none in service appends. */
    String describeOut() {
        StringBuilder b = new StringBuilder();
        for (Member m : members.values()) {
            if (!m.healthy) {
                b.append("; ").append(m.name).append(": ").append(m.reason);
            }
        }
        return b.toString();
    }

    int healthyCount() {
        return (int) members.values().stream().filter(m -> m.healthy).count();
    }

    int knownCount() {
        return members.size();
    }
}
