package dev.vireo.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphitePushTest {
    @Test
    void meterNamesTagsAndStatisticsBecomePlaintextLines() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        Counter.builder("vireo.invocations").tag("worker", "w1").tag("function", "hello-1").tag("outcome", "success")
                .register(r).increment(3);
        Gauge.builder("vireo.queue.length", () -> 7).tag("worker", "w1").register(r);
        Gauge.builder("odd name/with:chars", () -> 1.5).register(r);
        List<String> lines = GraphitePush.lines(r, "vireo.w1", 1_700_000_000L);
        assertTrue(lines.contains("vireo.w1.invocations.function_hello-1.outcome_success.count 3 1700000000"), lines.toString());
        assertTrue(lines.contains("vireo.w1.queue.length.value 7 1700000000"), lines.toString());
        assertTrue(lines.contains("vireo.w1.odd_name_with_chars.value 1.5 1700000000"), lines.toString());
        assertEquals(3, lines.size());
    }
}
