package dev.vireo.dag.internal;

import dev.vireo.api.spi.dag.DagPlan;
import dev.vireo.api.spi.dag.DagPlanner;
import dev.vireo.api.spi.dag.DagSpec;
import dev.vireo.api.spi.dag.PlanningContext;
import dev.vireo.api.spi.dag.Prediction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Pre-schedules kept for reuse: a plan made for a graph is used again for the same graph under the same planner, SLA
 * statistic and workers while what the planner would read is the same (every function's predictions within ~10 %,
 * the same slots and warm containers; see below). So a workflow submitted again and again is planned once (HEFT on 10,000 tasks
 * takes ~1.5 s here), and its runs keep one schedule while the statistics hold (execution, cold start and output size
 * on a ~10 % scale, the warm start, which jitters with the host, by powers of two). The last {@link #SIZE} plans are
 * in this node's memory, and every plan is also kept by the {@link PlanArchive} (a directory, when configured), where a
 * restarted node finds it again. Thread-safe.
 */
final class PlanCache {
    static final int SIZE = 64;
    private static final System.Logger LOG = System.getLogger(PlanCache.class.getName());

    private final PlanArchive archive;

    private final Map<String, DagPlan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DagPlan> eldest) {
            return size() > SIZE;
        }
    };

    PlanCache(PlanArchive archive) {
        this.archive = archive;
    }

    /** The plan for the graph: a kept one if its key matches (in memory, else in the archive), else the planner's. */
    DagPlan plan(String plannerName, DagPlanner planner, DagSpec spec, PlanningContext context) {
        String key = key(plannerName, spec, context);
        DagPlan kept;
        synchronized (plans) {
            kept = plans.get(key);
        }
        if (kept == null) {
            kept = archive.load(key).orElse(null);
            if (kept != null) {
                LOG.log(System.Logger.Level.DEBUG, () -> "reusing the kept pre-schedule of '" + spec.name() + "' ("
                        + plannerName + ") from " + archive.dir().orElseThrow());
                synchronized (plans) {
                    plans.put(key, kept);
                }
            }
        }
        if (kept != null) {
            return new DagPlan(spec.name(), kept.steps(), kept.predictedMakespanUs());
        }
        DagPlan made = planner.plan(spec, context);
        synchronized (plans) {
            plans.put(key, made);
        }
        archive.save(key, made);
        return made;
    }

    /** What the plan depends on: the planner, the SLA, the workers and their slots, the graph, the predictions. */
    static String key(String plannerName, DagSpec spec, PlanningContext context) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder head = new StringBuilder(plannerName).append('|').append(context.sla().id());
        TreeSet<String> functions = new TreeSet<>();
        for (DagSpec.Task t : spec.tasks()) {
            update(d, t.id());
            update(d, t.functionId());
            functions.add(t.functionId());
        }
        for (DagSpec.Edge e : spec.edges()) {
            update(d, e.from());
            update(d, e.to());
        }
        for (String w : context.workers()) {
            head.append('|').append(w).append(':').append(context.slots(w));
            for (String f : functions) {
                head.append(context.warm(w, f) ? 'w' : 'c');
            }
        }
        for (String f : functions) {
            Prediction p = context.predict(f);
            // the warm start (the runtime's own overhead around a task) jitters with the host: a coarser bucket
            head.append('|').append(f).append(':').append(bucket(p.executionUs())).append(',')
                    .append(bucket(p.coldStartUs())).append(',').append(63 - Long.numberOfLeadingZeros(
                            Math.max(1, p.warmStartUs()))).append(',').append(bucket(p.outputBytes()));
        }
        return head.append('|').append(HexFormat.of().formatHex(d.digest())).toString();
    }

    private static void update(MessageDigest d, String s) {
        d.update(s.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
    }

    /** A value's bucket on a ~10 % log scale (0 alone). */
    static long bucket(long v) {
        return v <= 0 ? -1 : Math.round(Math.log(v) / Math.log(1.1));
    }
}
