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
 * @param node          the node's name (the worker's, or the controller's)
 * @param role          {@code worker} or {@code controller}
 * @param configuration the settings by pid, then key (both sorted)
 * @param workers       a controller's workers in service, each as it answered; empty for a worker
 * @since 1.3
 */
public record NodeSettings(String node, String role, Map<String, Map<String, String>> configuration,
        List<NodeSettings> workers) {
    /** What a secret's value is replaced by. */
    public static final String REDACTED = "(redacted)";

    private static final Pattern SECRET = Pattern.compile("(?i).*(token|secret|password|credential|private).*");

    public NodeSettings {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(role, "role");
        Map<String, Map<String, String>> copy = new TreeMap<>();
        configuration.forEach((pid, values) -> copy.put(pid, Collections.unmodifiableMap(new TreeMap<>(values))));
        configuration = Collections.unmodifiableMap(copy);
        workers = List.copyOf(workers);
    }

    /** Whether a configuration key names a secret (a token, password, credential, private key). */
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
