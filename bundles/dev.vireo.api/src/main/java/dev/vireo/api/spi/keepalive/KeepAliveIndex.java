package dev.vireo.api.spi.keepalive;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The policy's view of the pool's containers.
 *
 * <p>Threading: not thread-safe; the pool calls it under its own lock.
 */
@ProviderType
public interface KeepAliveIndex {

    /** A container joined the pool (created, or present when the index was created). */
    void added(PooledContainer container);

    /** A container was taken to serve an invocation. */
    void used(PooledContainer container);

    /** A container finished serving and is idle again. */
    void released(PooledContainer container);

    /** A container left the pool (evicted, failed, destroyed). */
    void removed(PooledContainer container);

    /**
     * Idle containers to evict so that at least {@code memoryMb} is freed, best victim first; fewer (or none) if not
     * enough idle memory exists. Does not remove them: the pool calls {@link #removed} as it evicts.
     */
    List<PooledContainer> victims(long memoryMb);

    /** Idle containers whose keep-alive has run out now, on the context's clock. */
    List<PooledContainer> expired();
}
