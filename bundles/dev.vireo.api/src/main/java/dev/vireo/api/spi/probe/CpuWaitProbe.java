package dev.vireo.api.spi.probe;

import dev.vireo.api.model.ContainerPlacement;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Measures how long the tasks of a container waited for a CPU: time runnable but not running, summed over its tasks
 * (a task preempted while runnable waits again until it runs). The worker {@link #track tracks} a container once it
 * knows where it runs, reads {@link #waitedNs} before and after each call to its agent (the difference is the
 * invocation's {@code cpuWaitUs}), and {@link #untrack untracks} it when the container is destroyed.
 *
 * <p>Threading: every method is safe from many threads at once and returns quickly (a map lookup or update). No
 * method throws: a probe that cannot measure a container says so in its log (with the tid) and answers -1, and the
 * invocation goes on unmeasured.
 */
@ProviderType
public interface CpuWaitProbe {
    /** What {@link #waitedNs} answers for a container it does not measure. */
    long NOT_MEASURED = -1;

    /**
     * Starts measuring the container {@code placement} describes (a container with no cgroup2 directory cannot be
     * measured: it stays unmeasured). Called once, after the container was created, with the tid that created it.
     */
    void track(ContainerPlacement placement, String tid);

    /**
     * Nanoseconds the container's tasks waited for a CPU since {@link #track}, monotonic; {@link #NOT_MEASURED} when
     * it is not measured (not tracked, unplaced, or the probe failed). {@code tid}: the invocation it is read for.
     */
    long waitedNs(ContainerPlacement placement, String tid);

    /** Stops measuring the container (it was destroyed) and forgets it. Idempotent. */
    void untrack(ContainerPlacement placement, String tid);
}
