package dev.vireo.api.spi.keepalive;

import dev.vireo.api.model.ContainerHandle;
import java.util.Objects;

/**
 * A snapshot of a container in the pool. The pool passes a fresh snapshot on each event; compare by {@link #id()}.
 *
 * @param handle          the container
 * @param idle            whether it serves nothing now
 * @param createdNanos    clock time of creation
 * @param lastUsedNanos   clock time it last became busy or idle
 * @param uses            invocations served
 * @param coldStartUs     what it cost to create (Greedy-Dual uses it as the cost of eviction)
 */
public record PooledContainer(ContainerHandle handle, boolean idle, long createdNanos, long lastUsedNanos, long uses,
        long coldStartUs) {
    public PooledContainer {
        Objects.requireNonNull(handle, "handle");
    }

    public String id() {
        return handle.id();
    }

    public String functionId() {
        return handle.functionId();
    }

    public int memoryMb() {
        return handle.memoryMb();
    }
}
