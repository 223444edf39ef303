package dev.vireo.controller.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The controller's series: invocations forwarded per worker and outcome, the forward time (controller to worker and
 * back), workers taken out, and the workers known and healthy.
 */
final class ControllerMetrics {
    private final MeterRegistry meters;

    ControllerMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    void gauges(Membership membership) {
        Gauge.builder("vireo.controller.workers", membership, Membership::knownCount)
                .description("workers known to the controller").register(meters);
        Gauge.builder("vireo.controller.workers.healthy", membership, Membership::healthyCount)
                .description("workers in service").register(meters);
    }

    /** A worker's meters for one outcome, looked up once (a tag lookup per invocation costs more). */
    private record Forward(Counter invocations, Timer time) {
    }

    private final java.util.Map<String, Forward> forwards = new java.util.concurrent.ConcurrentHashMap<>();

    void forwarded(String worker, String outcome, long nanos) {
        Forward f = forwards.computeIfAbsent(worker + '\n' + outcome, k -> new Forward(
                Counter.builder("vireo.controller.invocations").description("invocations forwarded to workers")
                        .tag("worker", worker).tag("outcome", outcome).register(meters),
                Timer.builder("vireo.controller.forward").description("from sending an invocation to a worker to its"
                        + " reply").tag("worker", worker).register(meters)));
        f.invocations().increment();
        f.time().record(Duration.ofNanos(nanos));
    }

    void takenOut(String worker) {
        Counter.builder("vireo.controller.workers.taken.out").description("times a worker was taken out of service")
                .tag("worker", worker).register(meters).increment();
    }
}
