package dev.vireo.api.spi.keepalive;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Decides which idle containers stay warm. A factory like the queue policy: the container pool creates one index and,
 * on a swap, a new index that it fills with every current container.
 *
 * <p>Threading: {@link #newIndex} may be called from any thread.
 */
@ProviderType
public interface KeepAlivePolicy {
    KeepAliveIndex newIndex(KeepAliveContext context);
}
