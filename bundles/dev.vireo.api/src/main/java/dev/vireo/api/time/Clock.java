package dev.vireo.api.time;

import java.time.Instant;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The project's only source of time. Live, it is the system clock; in simulation, a virtual clock that jumps to the
 * next pending event.
 *
 * <p>Threading: every method is safe to call from any thread and never blocks.
 */
@ProviderType
public interface Clock {

    /** Monotonic time in nanoseconds, for measuring intervals. Its origin is arbitrary. */
    long nanoTime();

    /** The current instant on the wall (live) or virtual (simulation) calendar, for timestamps in records. */
    Instant now();

    /** Monotonic time in microseconds, the unit of invocation records. */
    default long micros() {
        return nanoTime() / 1_000L;
    }
}
