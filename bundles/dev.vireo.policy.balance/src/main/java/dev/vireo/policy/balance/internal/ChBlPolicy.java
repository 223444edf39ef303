package dev.vireo.policy.balance.internal;

import dev.vireo.api.plugin.PluginDescription;
import dev.vireo.api.plugin.PluginName;
import dev.vireo.api.spi.balance.Balancer;
import dev.vireo.api.spi.balance.BalancerContext;
import dev.vireo.api.spi.balance.LoadBalancingPolicy;
import dev.vireo.api.spi.balance.WorkerView;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Consistent hashing with bounded loads: a function hashes to a point on a ring of worker replicas and goes to the
 * first worker clockwise whose load is under {@code bound} x the average load (+1 so an idle cluster admits), so a
 * function keeps landing on the same warm workers until they are overloaded, then spills to the next ones on the
 * ring (with bound >= 1 some worker is always under it; the least-loaded fallback only guards rounding). The ring is
 * rebuilt when the set of workers changes.
 */
@Component(configurationPid = "vireo.balance.chbl")
@Designate(ocd = ChBlPolicy.Config.class)
@PluginName("ch-bl")
@PluginDescription("consistent hashing with bounded loads: functions stick to warm workers until those are overloaded")
public final class ChBlPolicy implements LoadBalancingPolicy {

    @ObjectClassDefinition(name = "Vireo balancer: ch-bl", description = "Consistent hashing with bounded loads.")
    public @interface Config {
        @AttributeDefinition(name = "Bound", description = "A worker takes a function's invocation only while its load is under bound x the average load.", min = "1")
        double bound() default 1.25;

        @AttributeDefinition(name = "Replicas", description = "Points per worker on the hash ring.", min = "1", max = "1000")
        int replicas() default 100;
    }

    private final double bound;
    private final int replicas;

    @Activate
    public ChBlPolicy(Config config) {
        if (!(config.bound() >= 1.0) || config.replicas() < 1 || config.replicas() > 1000) {
            throw new IllegalArgumentException("vireo.balance.chbl: bound must be >= 1 and replicas in [1, 1000], got "
                    + config.bound() + " and " + config.replicas());
        }
        this.bound = config.bound();
        this.replicas = config.replicas();
    }

    @Override
    public Balancer newBalancer(BalancerContext context) {
        return new Ring();
    }

    /** The ring for one set of workers, replaced when the set changes. */
    private final class Ring implements Balancer {
        private volatile String members = "";
        private volatile TreeMap<Long, String> ring = new TreeMap<>();

        @Override
        public Optional<WorkerView> pick(String tid, String functionId, List<WorkerView> workers) {
            List<WorkerView> healthy = workers.stream().filter(WorkerView::healthy).toList();
            if (healthy.isEmpty()) {
                return Optional.empty();
            }
            TreeMap<Long, String> points = ringFor(workers);
            Map<String, WorkerView> byId = healthy.stream().collect(Collectors.toMap(WorkerView::id, w -> w, (a, b) -> a));
            double total = healthy.stream().mapToDouble(w -> w.running() + w.queued() + w.inFlight()).sum();
            double cap = bound * (total + 1) / healthy.size();
            long h = hash(functionId);
            for (int step = 0; step < points.size(); step++) {
                Map.Entry<Long, String> e = points.ceilingEntry(h);
                if (e == null) {
                    e = points.firstEntry();
                }
                WorkerView w = byId.get(e.getValue());
                if (w != null && w.running() + w.queued() + w.inFlight() < cap) {
                    return Optional.of(w);
                }
                h = e.getKey() + 1;
            }
            return healthy.stream().min(java.util.Comparator.comparingDouble(WorkerView::load));
        }

        private TreeMap<Long, String> ringFor(List<WorkerView> workers) {
            String ids = workers.stream().map(WorkerView::id).sorted().collect(Collectors.joining(","));
            if (!ids.equals(members)) {
                synchronized (this) {
                    if (!ids.equals(members)) {
                        TreeMap<Long, String> next = new TreeMap<>();
                        for (WorkerView w : workers) {
                            for (int r = 0; r < replicas; r++) {
                                next.put(hash(w.id() + "#" + r), w.id());
                            }
                        }
                        ring = next;
                        members = ids;
                    }
                }
            }
            return ring;
        }
    }

    /** FNV-1a over UTF-8, then a 64-bit finaliser (so nearby names land far apart): stable across JVMs and runs. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
