package dev.vireo.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.TaskScheduler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** The supervisor's failure counts as Prometheus counters, one per periodic task that has failed. */
class TaskFailuresTest {
    @Test
    void aFailedPeriodicTaskIsACounterThatFollowsTheSchedulersCount() {
        Map<String, Long> failures = new ConcurrentHashMap<>();
        TaskScheduler scheduler = new TaskScheduler() {
            public void execute(Runnable task) {
                throw new UnsupportedOperationException();
            }

            public Cancellable schedule(Runnable task, Duration delay) {
                throw new UnsupportedOperationException();
            }

            public Cancellable scheduleAtFixedRate(Runnable task, Duration period) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Map<String, Long> failures() {
                return Map.copyOf(failures);
            }
        };
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrometheusMetrics.taskFailures(registry, scheduler);
        assertFalse(registry.scrape().contains("vireo_task_failures"), "nothing failed: no series");
        failures.put("worker.keepalive", 2L);
        PrometheusMetrics.taskFailures(registry, scheduler);
        assertTrue(registry.scrape().contains("vireo_task_failures_total{task=\"worker.keepalive\"} 2.0"),
                registry.scrape());
        failures.put("worker.keepalive", 3L);
        PrometheusMetrics.taskFailures(registry, scheduler);
        assertTrue(registry.scrape().contains("vireo_task_failures_total{task=\"worker.keepalive\"} 3.0"),
                registry.scrape());
    }
}
