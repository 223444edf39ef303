package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.Timings;
import dev.vireo.api.spi.probe.CpuWaitProbe;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The worker's side of the CPU wait measurement: the {@link CpuWaitProbe} in service now (none: nothing measured),
 * told about each container's creation and destruction, and read around each call to an agent. A probe that throws
 * (it must not) is logged with the tid and the invocation goes on unmeasured: a measurement never fails an invocation.
 *
 * <p>Threading: the probe may come and go at any time (a dynamic reference); every method reads it once.
 */
final class CpuWait {
    private static final System.Logger LOG = System.getLogger(CpuWait.class.getName());

    private final AtomicReference<CpuWaitProbe> current = new AtomicReference<>();

    /** The probe to use from now on; null: none. Containers created before a new probe are not measured by it. */
    void use(CpuWaitProbe probe) {
        current.set(probe);
    }

    /** {@code probe} went away: none from now on, unless another one replaced it already. */
    void gone(CpuWaitProbe probe) {
        current.compareAndSet(probe, null);
    }

    /** A container was created: the probe starts measuring it. */
    void created(ContainerPlacement placement, String tid) {
        tell(p -> p.track(placement, tid), "track", placement, tid);
    }

    /** A container was destroyed: the probe forgets it. */
    void destroyed(ContainerPlacement placement, String tid) {
        tell(p -> p.untrack(placement, tid), "untrack", placement, tid);
    }

    private void tell(Consumer<CpuWaitProbe> step, String what, ContainerPlacement placement, String tid) {
        CpuWaitProbe p = current.get();
        if (p != null) {
            try {
                step.accept(p);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "[" + tid + "] cpu wait probe failed to " + what + " "
                        + placement.containerId() + ": " + e);
            }
        }
    }

    /** The container's wait so far in ns, to pass to {@link #since} after the call; -1 when not measured. */
    long mark(ContainerPlacement placement, String tid) {
        CpuWaitProbe p = current.get();
        if (p == null) {
            return CpuWaitProbe.NOT_MEASURED;
        }
        try {
            return p.waitedNs(placement, tid);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "[" + tid + "] cpu wait probe failed to read " + placement.containerId() + ": "
                    + e);
            return CpuWaitProbe.NOT_MEASURED;
        }
    }

    /** The wait since {@code before} (a {@link #mark}) in us; {@link Timings#NOT_MEASURED} unless both were read. */
    long since(ContainerPlacement placement, long before, String tid) {
        if (before < 0) {
            return Timings.NOT_MEASURED;
        }
        long after = mark(placement, tid);
        return after < 0 ? Timings.NOT_MEASURED : Math.max(0, after - before) / 1_000;
    }
}
