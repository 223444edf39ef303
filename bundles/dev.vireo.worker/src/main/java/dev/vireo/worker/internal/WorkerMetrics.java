package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.WorkerStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The worker's meters (Prometheus names in docs/api.md, "Metrics"): invocations by function and outcome, cold starts,
 * histograms of end to end, overhead, cold start and queue wait (seconds), queue length, running invocations, and
 * containers and memory (bytes) split into running and cached (idle), and the CPU wait of invocations whose wait was
 * measured. Every series of a function is removed when it is unregistered.
 */
final class WorkerMetrics {
    private final MeterRegistry registry;
    private final String worker;

    WorkerMetrics(MeterRegistry registry, String worker, Supplier<WorkerStatus> status) {
        this.registry = registry;
        this.worker = worker;
        gauge("vireo.queue.length", "invocations waiting", status, s -> s.queued(), null);
        gauge("vireo.invocations.running", "invocations running", status, s -> s.running(), null);
        gauge("vireo.containers", "containers by state", status, s -> s.containersRunning(), "running");
        gauge("vireo.containers", "containers by state", status, s -> s.containersIdle(), "cached");
        gauge("vireo.memory", "container memory by state as allocated", status, s -> s.memoryRunningMb() * MB, "running");
        gauge("vireo.memory", "container memory by state as allocated", status, s -> s.memoryCachedMb() * MB, "cached");
        gauge("vireo.memory.used", "container memory measured in cgroups by state", status,
                s -> s.memoryRunningUsedMb() * MB, "running");
        gauge("vireo.memory.used", "container memory measured in cgroups by state", status,
                s -> s.memoryCachedUsedMb() * MB, "cached");
        gauge("vireo.functions", "registered functions", status, s -> s.functions(), null);
    }

    void evicted(String reason, int containers) {
        Counter.builder("vireo.evictions").description("idle containers evicted by reason").tag("worker", worker)
                .tag("reason", reason).register(registry).increment(containers);
    }

    private static final double MB = 1024.0 * 1024;

    private void gauge(String name, String help, Supplier<WorkerStatus> status, ToDoubleFunction<WorkerStatus> f,
            String state) {
        Gauge.Builder<Supplier<WorkerStatus>> b = Gauge.builder(name, status, s -> f.applyAsDouble(s.get()))
                .description(help).tag("worker", worker).strongReference(true);
        if (name.startsWith("vireo.memory")) {
            b.baseUnit("bytes");
        }
        if (state != null) {
            b.tag("state", state);
        }
        b.register(registry);
    }

    /** The meters of one function, backend and outcome, looked up once (a tag lookup per invocation costs more). */
    private record Meters(Counter invocations, Counter cold, Timer e2e, Timer overhead, Timer coldStart,
            Timer queueWait) {
    }

    /** A histogram timer of a function (buckets from 100 us to 15 min: Prometheus {@code _seconds_bucket}). */
    private Timer histogram(String name, String help, String function, String backend) {
        return Timer.builder(name).description(help).tag("worker", worker).tag("function", function)
                .tag("backend", backend).publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofMinutes(15)).register(registry);
    }

    private final java.util.Map<String, Meters> meters = new java.util.concurrent.ConcurrentHashMap<>();

    private Meters meters(String function, String backend, String outcome) {
        return meters.computeIfAbsent(function + '\n' + backend + '\n' + outcome, k -> new Meters(
                Counter.builder("vireo.invocations").description("finished invocations by function and outcome")
                        .tag("worker", worker).tag("function", function).tag("backend", backend).tag("outcome", outcome)
                        .register(registry),
                Counter.builder("vireo.cold.starts").description("invocations that waited for a new container")
                        .tag("worker", worker).tag("function", function).tag("backend", backend).register(registry),
                histogram("vireo.invocation.e2e", "end to end inside the worker", function, backend),
                histogram("vireo.invocation.overhead", "end to end minus the function's execution", function, backend),
                histogram("vireo.cold.start", "the cold start of invocations that waited for a new container",
                        function, backend),
                histogram("vireo.queue.wait", "time in the worker's queue", function, backend)));
    }

    void record(InvocationRecord r) {
        String outcome = r.error().map(e -> e.kind().name().toLowerCase(Locale.ROOT)).orElse("success");
        Meters m = meters(r.functionId(), backend(r), outcome);
        m.invocations().increment();
        if (r.state().orElse(null) == ContainerState.COLD) {
            m.cold().increment();
            m.coldStart().record(r.timings().coldStartUs(), TimeUnit.MICROSECONDS);
        }
        m.queueWait().record(r.timings().queuedUs(), TimeUnit.MICROSECONDS);
        m.e2e().record(r.timings().e2eUs(), TimeUnit.MICROSECONDS);
        m.overhead().record(r.timings().overheadUs(), TimeUnit.MICROSECONDS);
        if (r.timings().cpuWaitMeasured()) {
            cpuWait.computeIfAbsent(r.functionId(), f -> DistributionSummary.builder("vireo.cpu.wait")
                    .description("time an invocation's container was runnable but not running (run-queue latency)")
                    .baseUnit("seconds").tag("worker", worker).tag("function", f).publishPercentileHistogram()
                    .minimumExpectedValue(1e-6).maximumExpectedValue(10.0).register(registry))
                    .record(r.timings().cpuWaitUs() / 1e6);
        }
    }

    /** The CPU wait histograms by function. */
    private final java.util.Map<String, DistributionSummary> cpuWait = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The function is gone: every series of it on this worker goes too (a later registration starts new ones), so a
     * worker that serves many short-lived functions does not export them for ever.
     */
    void unregistered(String functionId) {
        cpuWait.remove(functionId);
        meters.keySet().removeIf(k -> k.startsWith(functionId + '\n'));
        for (io.micrometer.core.instrument.Meter m : registry.getMeters()) {
            if (functionId.equals(m.getId().getTag("function")) && worker.equals(m.getId().getTag("worker"))) {
                registry.remove(m);
            }
        }
    }

    private static String backend(InvocationRecord r) {
        return r.backend().isEmpty() ? "none" : r.backend();
    }

    void rejected(String functionId, String kind) {
        Counter.builder("vireo.rejections").description("requests refused before admission").tag("worker", worker)
                .tag("function", functionId).tag("kind", kind.toLowerCase(Locale.ROOT)).register(registry).increment();
    }
}
