package dev.vireo.kernel.internal.registry;

import dev.vireo.api.plugin.ExtensionPoint;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The kernel configuration turned into one list of names per extension point, with environment overrides applied.
 * Key names come from {@link ExtensionPoint#configKey()}.
 */
record KernelOptions(Map<ExtensionPoint, List<String>> selections) {
    static final String ENV_PREFIX = "VIREO_KERNEL_";

    /**
     * @param properties the configuration by key, defaults included
     * @param env        the environment (System::getenv live, a map in tests)
     */
    static KernelOptions from(Map<String, ?> properties, Function<String, String> env) {
        Map<ExtensionPoint, List<String>> out = new EnumMap<>(ExtensionPoint.class);
        for (ExtensionPoint p : ExtensionPoint.values()) {
            String key = p.configKey();
            Object raw = env.apply(envName(key));
            if (raw == null) {
                raw = properties.get(key);
            }
            out.put(p, split(raw));
        }
        return new KernelOptions(out);
    }

    static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The configuration as a map by key, defaults included (they live in the metatype annotation). */
    static Map<String, String> properties(KernelConfig c) {
        return Map.of("backends", c.backends(), "transports", c.transports(), "resources", c.resources(),
                "gpu.monitors", c.gpu_monitors(), "queue.policy", c.queue_policy(), "keepalive.policy",
                c.keepalive_policy(), "balancer.policy", c.balancer_policy(), "dag.planner", c.dag_planner(), "dag.store", c.dag_store());
    }

    static List<String> split(Object raw) {
        if (raw == null) {
            return List.of();
        }
        String[] parts = raw instanceof String[] a ? a : raw.toString().split(",");
        return Arrays.stream(parts).flatMap(s -> Arrays.stream(s.split(","))).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }
}
