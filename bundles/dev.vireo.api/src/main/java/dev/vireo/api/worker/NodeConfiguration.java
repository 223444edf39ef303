package dev.vireo.api.worker;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A node's configuration as it is in force now, from Configuration Admin: the kernel provides it, and the worker and
 * the controller answer {@link WorkerService#settings()} with it. Secrets are already {@linkplain
 * NodeSettings#REDACTED redacted}.
 *
 * <p>Threading: safe from any thread.
 *
 * @since 1.3
 */
@ProviderType
public interface NodeConfiguration {
    /** Every {@code vireo.*} configuration: pid (a factory configuration's {@code factoryPid-name}) to its settings. */
    Map<String, Map<String, String>> current();
}
