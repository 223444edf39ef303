package dev.vireo.api.worker;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a node runs with: its configuration as Configuration Admin holds it now (every {@code vireo.*} pid, a factory
 * configuration under {@code factoryPid-name}), and for a controller the same of each worker in service. A load
 * generator stores it with a live run so that the simulation can be set up exactly as the system that ran
 * ({@code vireo sim --like RUN}); an operator reads it to see what a node took from its files.
 *
 * <p>Secrets never leave the node: a key that names one ({@link #isSecret}) carries {@link #REDACTED} (or the empty
 * string where none is set).
 *
 * @param node          the node's name: a worker's as its controller knows it (its member name), or the controller's
 * @param role          {@code worker} or {@code controller}
 * @param configuration the settings by pid, then key (both sorted), as configured
 * @param policies      what is in force at each extension point (its id, e.g. {@code queue}, to the plugins' names,
 *                      comma-separated): the configuration's choice unless an environment variable or the console
 *                      ({@code vireo:use}) changed it
 * @param capacities    each resource tracker's capacity in its unit (e.g. {@code cpu}: the cores it counts, where the
 *                      configuration says "this host's")
 * @param workers       a controller's workers in service, each as it answered; empty for a worker
 * @since 1.3
 */
public record NodeSettings(String node, String role, Map<String, Map<String, String>> configuration,
        Map<String, String> policies, Map<String, Double> capacities, List<NodeSettings> workers) {
    /** What a secret's value is replaced by. */
    public static final String REDACTED = "(redacted)";

    private static final Pattern SECRET = Pattern.compile(
            "(?i)(\\..*|.*(token|secret|passw|pass$|credential|private|api[._-]?key|bearer).*)");

    /**
     * Checks and copies; every secret is redacted here too (whoever made the value), and missing maps or lists are
     * empty.
     *
     * @throws NullPointerException naming the field where node, role, a pid, a key or a value is missing
     */
    public NodeSettings {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(role, "role");
        Map<String, Map<String, String>> copy = new TreeMap<>();
        if (configuration != null) {
            configuration.forEach((pid, values) -> {
                Objects.requireNonNull(pid, "configuration: a pid");
                Map<String, String> v = new TreeMap<>();
                if (values != null) {
                    values.forEach((k, x) -> v.put(Objects.requireNonNull(k, "configuration." + pid + ": a key"),
                            shown(k, Objects.requireNonNull(x, "configuration." + pid + "." + k))));
                }
                copy.put(pid, Collections.unmodifiableMap(v));
            });
        }
        configuration = Collections.unmodifiableMap(copy);
        policies = policies == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(policies));
        capacities = capacities == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(capacities));
        workers = workers == null ? List.of() : List.copyOf(workers);
    }

    /** This node's settings under another name (a controller names each worker as its member). */
    public NodeSettings named(String name) {
        return new NodeSettings(name, role, configuration, policies, capacities, workers);
    }

    /**
     * Whether a configuration key names a secret: a token, password, credential, private or API key, a bearer, or a
     * private property (a key starting with a dot, Configuration Admin's convention).
     */
    public static boolean isSecret(String key) {
        return SECRET.matcher(key).matches();
    }

    /** {@code value}, or {@link #REDACTED} where {@code key} names a secret that is set. */
    public static String shown(String key, String value) {
        return isSecret(key) && !value.isEmpty() ? REDACTED : value;
    }

    /** The settings of one pid, empty if the node has none. */
    public Map<String, String> of(String pid) {
        return configuration.getOrDefault(pid, Map.of());
    }
}
