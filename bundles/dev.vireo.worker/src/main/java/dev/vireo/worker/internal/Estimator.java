package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import dev.vireo.api.model.Invocation;
import dev.vireo.api.spi.queue.InvocationQueue;
import dev.vireo.api.spi.queue.QueuedInvocation;
import dev.vireo.api.spi.resource.ResourceUsage;
import dev.vireo.api.worker.Estimate;
import dev.vireo.api.worker.WorkerException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Function;

/**
 * The worker's state run forward, on model time, to when one more invocation would end: the queue as the active queue
 * policy orders it (a queue of that policy, filled with what waits and the invocation asked about: the policy's own
 * code decides who goes first), and the dispatch the worker does, modelled: the head starts when every tracker has
 * room for it (by unit: {@code invocations} count 1 per call, {@code cores} the function's cpus, {@code MB} its
 * memory and {@code gpus} its GPU for a new container; trackers of other units are not modelled), on the most
 * recently idle container of its function if there is one, else on a new one (idle containers of other functions
 * evicted, longest idle first, for its memory when needed; each idle call slot stands for a container, exact for
 * concurrency 1, the default), and ends
 * after its cold start and execution; a running invocation ends when its expected execution is over, its container
 * then idle. Expected times: the function's moving averages on this worker, else its registered expected timings.
 * Keep-alive expiry over the horizon, transport time and the API hop are not modelled. The model queue gets what waits
 * offered again in arrival order, so a policy that keys at admission (sjf, edf) keys on today's statistics and mqfq
 * starts without its flows' history. Pure: nothing here reads a clock or changes the worker.
 */
final class Estimator {
    /**
     * One invocation running: its function, when it is expected to end (ns, the worker's clock), and when its call went
     * (or will go) to its agent and in which order: of two ending at once, the one whose call went first ends first.
     */
    record Busy(FunctionSpec function, long endNanos, long callNanos, long order) {
        static final java.util.Comparator<Busy> ENDING = java.util.Comparator.comparingLong(Busy::endNanos)
                .thenComparingLong(Busy::callNanos).thenComparingLong(Busy::order);
    }

    /** A tracker's room now. */
    record Room(String unit, double capacity, double used) {
        static Room of(ResourceUsage u) {
            return new Room(u.unit(), u.capacity(), u.used());
        }
    }

    /** Expected cold start and execution (us) of a function. */
    record Times(long coldStartUs, long executionUs) {
        static Times of(FunctionSpec fn, FunctionStats s) {
            long exec = Resources.expectedExecutionUs(fn, s);
            long cold = s != null && s.coldStartUs() > 0 ? Math.round(s.coldStartUs())
                    : fn.expected().coldStartMs() * 1_000L;
            return new Times(cold, exec);
        }
    }

    /**
     * An idle call slot of a function's container, since when it is idle (ns, the worker's clock) and in which order it
     * went idle among those idle since the same instant.
     */
    record Idle(String functionId, long sinceNanos, long order) {
    }

    /** Model steps past which the estimate gives up (a queue this long is answered, not walked for ever). */
    static final int MAX_STEPS = 1_000_000;

    private Estimator() {
    }

    /**
     * @param worker     the worker's name
     * @param asked      the function asked about
     * @param now        the worker's clock now (ns)
     * @param queue      an empty queue of the active queue policy
     * @param waiting    what waits now, in arrival order
     * @param running    what runs now
     * @param idle       idle call slots of the current registrations' containers
     * @param registered the functions registered, by id (an idle container's memory is its function's)
     * @param rooms      the active trackers' capacities and use
     * @param times      expected times of a function
     */
    static Estimate run(String worker, FunctionSpec asked, long now, InvocationQueue queue,
            List<QueuedInvocation> waiting, List<Busy> running, List<Idle> idle,
            Map<String, FunctionSpec> registered, List<Room> rooms, Function<FunctionSpec, Times> times) {
        // idle slots {since, order}, oldest idle first: a warm call takes the newest of its function, an eviction the
        // oldest; those that go idle in the model come after those idle now
        java.util.TreeSet<long[]> pool = new java.util.TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
                : Long.compare(a[1], b[1]));
        Map<Long, String> owner = new HashMap<>();
        long[] ids = {0};
        java.util.function.BiConsumer<String, Long> idleAt = (fn, since) -> {
            long id = ids[0]++;
            owner.put(id, fn);
            pool.add(new long[] {since, id});
        };
        // each slot its own entry, in the order they went idle (ids rise with it)
        idle.stream().sorted(java.util.Comparator.comparingLong(Idle::sinceNanos).thenComparingLong(Idle::order))
                .forEach(i -> idleAt.accept(i.functionId(), i.sinceNanos()));
        Map<String, FunctionSpec> specs = new HashMap<>(registered);
        double[] used = used(rooms, running, idle, specs);
        long sequence = 0;
        for (QueuedInvocation q : waiting) {
            queue.offer(q);
            specs.put(q.function().id(), q.function());
            sequence = Math.max(sequence, q.sequence());
        }
        QueuedInvocation mine = new QueuedInvocation(new Invocation("estimate", asked.id(), "", now), asked,
                sequence + 1, now, newest(pool, owner, asked.id()) != null);
        queue.offer(mine);
        specs.put(asked.id(), asked);
        long[] started = {Long.MAX_VALUE / 4 * 3}; // after every order the worker gave
        PriorityQueue<Busy> busy = new PriorityQueue<>(Busy.ENDING);
        for (Busy b : running) {
            busy.add(new Busy(b.function(), Math.max(now, b.endNanos()), b.callNanos(), b.order()));
            specs.put(b.function().id(), b.function());
        }
        long t = now;
        int ahead = 0;
        for (int step = 0; step < MAX_STEPS; step++) {
            QueuedInvocation head;
            while ((head = queue.peek()) != null) {
                FunctionSpec fn = head.function();
                if (!fits(rooms, used, slot(fn))) {
                    break;
                }
                long[] warm = newest(pool, owner, fn.id());
                if (warm == null && !makeRoom(rooms, used, fn, pool, owner, specs)) {
                    break;
                }
                queue.poll();
                take(rooms, used, slot(fn), 1);
                if (warm != null) {
                    pool.remove(warm);
                    owner.remove(warm[1]);
                } else {
                    take(rooms, used, container(fn), 1);
                    for (int k = 1; k < fn.concurrency(); k++) { // its other slots: lent at once, as a model
                        idleAt.accept(fn.id(), t);
                    }
                }
                Times x = times.apply(fn);
                long coldUs = warm != null ? 0 : x.coldStartUs();
                long end = t + (coldUs + x.executionUs()) * 1_000;
                if (head == mine) {
                    return new Estimate(asked.id(), worker, warm != null ? ContainerState.WARM : ContainerState.COLD,
                            (t - now) / 1_000, coldUs, x.executionUs(), (end - now) / 1_000, ahead, running.size());
                }
                ahead++;
                busy.add(new Busy(fn, end, t + coldUs * 1_000, started[0]++));
            }
            Busy next = busy.poll();
            if (next == null) {
                throw new WorkerException(ErrorKind.NO_RESOURCES, "function " + asked.id() + " would not start on "
                        + worker + " even once everything running ended: " + blocking(rooms, used, asked));
            }
            t = Math.max(t, next.endNanos());
            // one ending at a time, each followed by a dispatch, as the worker does (ties: in the order they started)
            take(rooms, used, slot(next.function()), -1);
            idleAt.accept(next.function().id(), t);
        }
        throw new WorkerException(ErrorKind.INTERNAL, "estimate of " + asked.id() + " on " + worker + " gave up after "
                + MAX_STEPS + " model steps");
    }

    /**
     * What the trackers have in use as the model starts: for the units it models, no more than what it can account for
     * (the running calls' slots and CPUs; the memory of the idle containers and of those the running calls hold), so
     * a grant it has no end for (a container being destroyed, a call's slot held until then) counts as freed now;
     * other units as the tracker says.
     */
    private static double[] used(List<Room> rooms, List<Busy> running, List<Idle> idle, Map<String, FunctionSpec> specs) {
        Map<String, Double> accounted = new HashMap<>();
        for (Busy b : running) {
            slot(b.function()).forEach((unit, n) -> accounted.merge(unit, n, Double::sum));
            container(b.function()).forEach((unit, n) -> accounted.merge(unit, n, Double::sum));
        }
        for (Idle i : idle) {
            FunctionSpec fn = specs.get(i.functionId());
            if (fn != null) {
                container(fn).forEach((unit, n) -> accounted.merge(unit, n / Math.max(1, fn.concurrency()),
                        Double::sum));
            }
        }
        double[] used = new double[rooms.size()];
        for (int i = 0; i < rooms.size(); i++) {
            Room r = rooms.get(i);
            used[i] = MODELLED.contains(r.unit()) ? Math.min(r.used(), accounted.getOrDefault(r.unit(), 0.0))
                    : r.used();
        }
        return used;
    }

    /** The tracker units the model accounts for itself. */
    private static final java.util.Set<String> MODELLED = java.util.Set.of("invocations", "cores", "MB", "gpus");

    /** The most recently idle slot of the function, or null. */
    private static long[] newest(java.util.TreeSet<long[]> pool, Map<Long, String> owner, String functionId) {
        for (long[] e : pool.descendingSet()) {
            if (owner.get(e[1]).equals(functionId)) {
                return e;
            }
        }
        return null;
    }

    /** What one running call of {@code fn} takes, by unit. */
    private static Map<String, Double> slot(FunctionSpec fn) {
        return Map.of("invocations", 1.0, "cores", fn.cpus());
    }

    /** What one new container of {@code fn} takes, by unit. */
    private static Map<String, Double> container(FunctionSpec fn) {
        return Map.of("MB", (double) fn.memoryMb(), "gpus", fn.compute() == dev.vireo.api.model.Compute.GPU ? 1.0 : 0);
    }

    private static boolean fits(List<Room> rooms, double[] used, Map<String, Double> need) {
        for (int i = 0; i < rooms.size(); i++) {
            double n = need.getOrDefault(rooms.get(i).unit(), 0.0);
            if (n > 0 && used[i] + n > rooms.get(i).capacity() + 1e-9) {
                return false;
            }
        }
        return true;
    }

    private static void take(List<Room> rooms, double[] used, Map<String, Double> need, int sign) {
        for (int i = 0; i < rooms.size(); i++) {
            used[i] = Math.max(0, used[i] + sign * need.getOrDefault(rooms.get(i).unit(), 0.0));
        }
    }

    /**
     * Whether a new container of {@code fn} fits, evicting idle containers of other functions, the longest idle first
     * (as a keep-alive policy that keeps the recently used), until it does; false (nothing evicted) if even that is not
     * enough. Each idle slot stands for a container (concurrency 1, the default).
     */
    private static boolean makeRoom(List<Room> rooms, double[] used, FunctionSpec fn, java.util.TreeSet<long[]> pool,
            Map<Long, String> owner, Map<String, FunctionSpec> specs) {
        Map<String, Double> need = container(fn);
        if (fits(rooms, used, need)) {
            return true;
        }
        double[] trial = used.clone();
        List<long[]> victims = new java.util.ArrayList<>();
        for (long[] e : pool) {
            FunctionSpec other = specs.get(owner.get(e[1]));
            if (other == null || other.id().equals(fn.id())) {
                continue;
            }
            victims.add(e);
            take(rooms, trial, container(other), -1);
            if (fits(rooms, trial, need)) {
                break;
            }
        }
        if (!fits(rooms, trial, need)) {
            return false;
        }
        System.arraycopy(trial, 0, used, 0, used.length);
        for (long[] v : victims) {
            pool.remove(v);
            owner.remove(v[1]);
        }
        return true;
    }

    private static String blocking(List<Room> rooms, double[] used, FunctionSpec fn) {
        StringBuilder out = new StringBuilder();
        Map<String, Double> need = new HashMap<>(slot(fn));
        need.putAll(container(fn));
        for (int i = 0; i < rooms.size(); i++) {
            Room r = rooms.get(i);
            double n = need.getOrDefault(r.unit(), 0.0);
            if (n > 0 && used[i] + n > r.capacity() + 1e-9) {
                out.append(out.isEmpty() ? "" : "; ").append(String.format(java.util.Locale.ROOT,
                        "%s %.1f of %.1f in use, it needs %.1f", r.unit(), used[i], r.capacity(), n));
            }
        }
        return out.isEmpty() ? "no tracker has room" : out.toString();
    }
}
