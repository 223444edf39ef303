package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import dev.vireo.testkit.FakeWorker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The worker's series as Prometheus scrapes them: histograms in seconds, memory in bytes, gone with the function. */
class WorkerMetricsTest {
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final WorkerMetrics metrics = new WorkerMetrics(prometheus, "w", () -> FakeWorker.STATUS);

    private static InvocationRecord record(String fn, ContainerState state, Timings t) {
        return new InvocationRecord("t", fn, "w", "sim", Optional.of(state), Instant.EPOCH, t, "", Optional.empty());
    }

    @Test
    void latencyColdStartAndQueueWaitAreHistogramsInSecondsAndEveryFunctionSeriesGoesWithIt() {
        // queued 2 ms, cold start 300 ms, execution 40 ms, 345 ms end to end
        metrics.record(record("a-1", ContainerState.COLD, new Timings(2_000, 300_000, 300_000, 3_000, 40_000,
                345_000)));
        metrics.record(record("a-1", ContainerState.WARM, new Timings(0, 10, 0, 1_000, 40_000, 41_500)));
        metrics.record(record("b-1", ContainerState.WARM, new Timings(0, 10, 0, 1_000, 5_000, 6_500)));
        metrics.rejected("a-1", "OVERLOADED");
        String text = prometheus.scrape();
        for (String s : new String[] {"vireo_invocation_e2e_seconds_bucket{backend=\"sim\",function=\"a-1\"",
            "vireo_invocation_overhead_seconds_bucket{backend=\"sim\",function=\"a-1\"",
            "vireo_cold_start_seconds_bucket{backend=\"sim\",function=\"a-1\"",
            "vireo_queue_wait_seconds_bucket{backend=\"sim\",function=\"a-1\"",
            "vireo_cold_start_seconds_sum{backend=\"sim\",function=\"a-1\",worker=\"w\"} 0.3",
            "vireo_cold_start_seconds_count{backend=\"sim\",function=\"a-1\",worker=\"w\"} 1",
            "vireo_queue_wait_seconds_sum{backend=\"sim\",function=\"a-1\",worker=\"w\"} 0.002",
            "vireo_invocation_e2e_seconds_count{backend=\"sim\",function=\"a-1\",worker=\"w\"} 2",
            "vireo_memory_bytes{state=\"running\",worker=\"w\"} " + (FakeWorker.STATUS.memoryRunningMb() * 1_048_576.0),
            "vireo_memory_used_bytes{state=\"cached\",worker=\"w\"}", "vireo_rejections_total{function=\"a-1\""}) {
            assertTrue(text.contains(s), s + " in:\n" + text);
        }
        assertFalse(text.contains("_mb"), "base units only:\n" + text);

        metrics.unregistered("a-1");
        text = prometheus.scrape();
        assertFalse(text.contains("function=\"a-1\""), "every series of a-1 went with it:\n" + text);
        assertTrue(text.contains("vireo_invocation_e2e_seconds_count{backend=\"sim\",function=\"b-1\""), text);
        metrics.record(record("a-1", ContainerState.WARM, new Timings(0, 10, 0, 1_000, 40_000, 41_500)));
        assertTrue(prometheus.scrape().contains("vireo_invocation_e2e_seconds_count{backend=\"sim\",function=\"a-1\","
                + "worker=\"w\"} 1"), "registered again: new series from zero");
    }
}
