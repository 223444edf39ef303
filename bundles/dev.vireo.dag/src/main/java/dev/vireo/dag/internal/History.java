package dev.vireo.dag.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.dag.Prediction;
import dev.vireo.api.spi.dag.Sla;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this node saw of each function's task invocations: the last {@link #SAMPLES} executions, warm and cold start
 * costs and output sizes, and when it last ran on each worker. Plans are predicted from it in a run's SLA statistic
 * (a percentile needs the samples; the worker's own statistics are moving averages). Thread-safe: one lock per
 * function, held for a sample's write or a prediction's copy.
 */
final class History {
    /** Samples kept per function and measure. */
    static final int SAMPLES = 256;
    /** How long after its last invocation on a worker a function is taken to be warm there (a keep-alive's order). */
    static final long WARM_NS = 60_000_000_000L;

    private final Map<String, Samples> functions = new ConcurrentHashMap<>();
    /** Invocations sent to a peer: the bytes that went and came back, and what the hop added (guarded by itself). */
    private final long[] hopBytes = new long[SAMPLES];
    private final long[] hopUs = new long[SAMPLES];
    private int hops;

    /** One function's rings. */
    private static final class Samples {
        final long[] execution = new long[SAMPLES];
        final long[] cold = new long[SAMPLES];
        final long[] warm = new long[SAMPLES];
        final long[] output = new long[SAMPLES];
        /** A task's own overhead: its span less execution and queueing (inputs, payload, invocation, output). */
        final long[] overhead = new long[SAMPLES];
        int overheads;
        int executions;
        /** The median execution as of the last refresh (every 32 samples), -1 before 8. */
        volatile long typical = -1;
        int colds;
        int warms;
        int outputs;
        final Map<String, Long> lastOnWorker = new ConcurrentHashMap<>();
    }

    /** An invocation of a task's function ended (at {@code nowNs} on the node's clock). */
    void invoked(InvocationRecord r, long nowNs) {
        Samples s = functions.computeIfAbsent(r.functionId(), k -> new Samples());
        Timings t = r.timings();
        synchronized (s) {
            s.execution[Math.floorMod(s.executions++, SAMPLES)] = t.executionUs();
            if (s.executions == 8 || s.executions % 32 == 0) {
                s.typical = statistic(s.execution, s.executions, Sla.P50);
            }
            if (t.coldStartUs() > 0) {
                s.cold[Math.floorMod(s.colds++, SAMPLES)] = t.coldStartUs();
            } else {
                // the platform's own path: what waiting in the queue added belongs to the load, not the function
                s.warm[Math.floorMod(s.warms++, SAMPLES)] = Math.max(0, t.overheadUs() - t.queuedUs());
            }
        }
        if (!r.worker().isEmpty()) {
            s.lastOnWorker.put(r.worker(), nowNs);
        }
    }

    /** A task of the function returned an output of {@code bytes}. */
    void output(String functionId, long bytes) {
        Samples s = functions.computeIfAbsent(functionId, k -> new Samples());
        synchronized (s) {
            s.output[Math.floorMod(s.outputs++, SAMPLES)] = bytes;
        }
    }

    /**
     * The function's median execution, cheap to ask per task (refreshed every 32 samples), -1 while fewer than 8 were
     * seen.
     */
    long typicalExecutionUs(String functionId) {
        Samples s = functions.get(functionId);
        return s == null ? -1 : s.typical;
    }

    /**
     * A task of the function ended, its span (start to end, as its record has it) less what it executed and queued:
     * the runtime's whole cost around the function (reading and building its inputs, the invocation's path, checking
     * and storing its output), which grows with the data it moves. Plans take it as the task's warm start.
     */
    void overhead(String functionId, long us) {
        Samples s = functions.computeIfAbsent(functionId, k -> new Samples());
        synchronized (s) {
            s.overhead[Math.floorMod(s.overheads++, SAMPLES)] = Math.max(0, us);
        }
    }

    /**
     * An invocation went to a peer and back: {@code bytes} travelled (payload and result), and the round trip took
     * {@code us} more than the peer's own end to end.
     */
    void hop(long bytes, long us) {
        synchronized (hopBytes) {
            int i = Math.floorMod(hops++, SAMPLES);
            hopBytes[i] = Math.max(0, bytes);
            hopUs[i] = Math.max(0, us);
        }
    }

    /**
     * The cost of a hop to a peer as measured: {intercept us, us per byte} by least squares over the last hops, or
     * null before 8 of them (the slope is never below 0: with too little spread in sizes the hop is its median).
     */
    double[] hopCost() {
        long[] b;
        long[] u;
        synchronized (hopBytes) {
            int n = Math.min(hops, SAMPLES);
            if (n < 8) {
                return null;
            }
            b = Arrays.copyOf(hopBytes, n);
            u = Arrays.copyOf(hopUs, n);
        }
        int n = b.length;
        double mb = 0;
        double mu = 0;
        for (int i = 0; i < n; i++) {
            mb += b[i];
            mu += u[i];
        }
        mb /= n;
        mu /= n;
        double sbb = 0;
        double sbu = 0;
        for (int i = 0; i < n; i++) {
            sbb += (b[i] - mb) * (b[i] - mb);
            sbu += (b[i] - mb) * (u[i] - mu);
        }
        double slope = sbb > 0 ? Math.max(0, sbu / sbb) : 0;
        if (slope == 0) {
            long[] sorted = u.clone();
            Arrays.sort(sorted);
            return new double[] {sorted[n / 2], 0};
        }
        return new double[] {Math.max(0, mu - slope * mb), slope};
    }

    /** Whether the function ran on the worker within {@link #WARM_NS} of {@code nowNs}. */
    boolean warm(String worker, String functionId, long nowNs) {
        Samples s = functions.get(functionId);
        Long last = s == null ? null : s.lastOnWorker.get(worker);
        return last != null && nowNs - last < WARM_NS;
    }

    /** The function's prediction in the statistic; samples 0 when nothing was seen. */
    Prediction predict(String functionId, Sla sla) {
        Samples s = functions.get(functionId);
        if (s == null) {
            return new Prediction(functionId, 0, 0, 0, 0, 0);
        }
        synchronized (s) {
            // a task's own overhead once tasks ended, else the invocation path alone
            long warm = s.overheads > 0 ? statistic(s.overhead, s.overheads, sla) : statistic(s.warm, s.warms, sla);
            return new Prediction(functionId, statistic(s.execution, s.executions, sla),
                    statistic(s.cold, s.colds, sla), warm,
                    statistic(s.output, s.outputs, sla), Math.min(s.executions, Integer.MAX_VALUE));
        }
    }

    /**
     * What {@link #restore} reads back: every function's rings and how many samples each has seen, and the hops', as
     * JSON. Not the workers a function last ran on: containers do not outlive a restart, nor does the node's clock.
     */
    String snapshot() {
        JsonObject root = new JsonObject();
        root.addProperty("version", 1);
        JsonObject fns = new JsonObject();
        functions.forEach((id, s) -> {
            JsonObject f = new JsonObject();
            synchronized (s) {
                f.add("execution", ring(s.execution, s.executions));
                f.add("cold", ring(s.cold, s.colds));
                f.add("warm", ring(s.warm, s.warms));
                f.add("output", ring(s.output, s.outputs));
                f.add("overhead", ring(s.overhead, s.overheads));
            }
            fns.add(id, f);
        });
        root.add("functions", fns);
        synchronized (hopBytes) {
            root.add("hop_bytes", ring(hopBytes, hops));
            root.add("hop_us", ring(hopUs, hops));
        }
        return root.toString();
    }

    /**
     * Takes what a {@link #snapshot()} holds, on a history that has seen nothing yet (a node's at start). Throws
     * {@link IllegalArgumentException} on text that is not a snapshot, and leaves this history as it was.
     */
    void restore(String snapshot) {
        Map<String, Samples> read = new java.util.HashMap<>();
        long[] bytes = new long[SAMPLES];
        long[] us = new long[SAMPLES];
        int hopCount;
        try {
            JsonObject root = JsonParser.parseString(snapshot).getAsJsonObject();
            if (root.get("version").getAsInt() != 1) {
                throw new IllegalArgumentException("history snapshot version " + root.get("version") + " is not 1");
            }
            for (var e : root.getAsJsonObject("functions").entrySet()) {
                JsonObject f = e.getValue().getAsJsonObject();
                Samples s = new Samples();
                s.executions = fill(f, "execution", s.execution);
                s.typical = s.executions >= 8 ? statistic(s.execution, s.executions, Sla.P50) : -1;
                s.colds = fill(f, "cold", s.cold);
                s.warms = fill(f, "warm", s.warm);
                s.outputs = fill(f, "output", s.output);
                s.overheads = fill(f, "overhead", s.overhead);
                read.put(e.getKey(), s);
            }
            hopCount = fill(root, "hop_bytes", bytes);
            if (fill(root, "hop_us", us) != hopCount) {
                throw new IllegalArgumentException("hop_bytes and hop_us differ in count");
            }
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
                | NumberFormatException | ClassCastException e) {
            throw new IllegalArgumentException("not a history snapshot: " + e.getMessage(), e);
        }
        functions.putAll(read);
        synchronized (hopBytes) {
            System.arraycopy(bytes, 0, hopBytes, 0, SAMPLES);
            System.arraycopy(us, 0, hopUs, 0, SAMPLES);
            hops = hopCount;
        }
    }

    /** A ring as it is: its slots and how many samples it has seen. */
    private static JsonObject ring(long[] ring, int count) {
        JsonObject o = new JsonObject();
        o.addProperty("seen", count);
        JsonArray a = new JsonArray();
        for (int i = 0; i < Math.min(count, ring.length); i++) {
            a.add(ring[i]);
        }
        o.add("slots", a);
        return o;
    }

    /** Fills a ring from {@link #ring}'s object; returns how many samples it had seen. */
    private static int fill(JsonObject parent, String name, long[] ring) {
        JsonObject o = parent.getAsJsonObject(name);
        int seen = o.get("seen").getAsInt();
        JsonArray a = o.getAsJsonArray("slots");
        if (seen < 0 || a.size() != Math.min(seen, ring.length)) {
            throw new IllegalArgumentException(name + ": " + a.size() + " slots for " + seen + " samples seen");
        }
        for (int i = 0; i < a.size(); i++) {
            ring[i] = Math.max(0, a.get(i).getAsLong());
        }
        return seen;
    }

    /** The mean or percentile of the last {@code count} (at most {@link #SAMPLES}) values of a ring. */
    static long statistic(long[] ring, int count, Sla sla) {
        int n = Math.min(count, ring.length);
        if (n == 0) {
            return 0;
        }
        long[] v = Arrays.copyOf(ring, n);
        if (sla == Sla.MEAN) {
            long sum = 0;
            for (long x : v) {
                sum += x;
            }
            return sum / n;
        }
        Arrays.sort(v);
        // nearest rank: the smallest value with at least p % of the samples at or below it
        int rank = (int) Math.ceil(sla.percentile() / 100.0 * n);
        return v[Math.max(0, Math.min(n - 1, rank - 1))];
    }
}
