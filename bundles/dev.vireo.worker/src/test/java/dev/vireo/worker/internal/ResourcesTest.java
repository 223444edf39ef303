package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ExpectedTimings;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.FunctionStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The expected execution an invocation's slot request carries (what the cpu-groups tracker's srt order reads). */
class ResourcesTest {
    private static FunctionSpec fn(long expectedWarmMs) {
        return new FunctionSpec("f", "1", "sim/f", null, null, "sim", Compute.CPU, "sim", 128, 0.5,
                Duration.ofSeconds(10), 1, new ExpectedTimings(0, expectedWarmMs));
    }

    @Test
    void theMovingAverageOfExecutionsOnceItRanElseTheDeclaredWarmTimeElseUnknown() {
        FunctionStats ran = new FunctionStats(12, 0, 0, 4_321.6, 0, 0, 0, 0);
        assertEquals(4_322, Resources.slotRequest(fn(50), "t", ran).expectedUs());
        assertEquals(50_000, Resources.slotRequest(fn(50), "t", FunctionStats.EMPTY).expectedUs());
        assertEquals(50_000, Resources.slotRequest(fn(50), "t", null).expectedUs());
        assertEquals(0, Resources.slotRequest(fn(0), "t", FunctionStats.EMPTY).expectedUs());
        assertEquals(1, Resources.slotRequest(fn(0), "t", ran).slots());
        assertEquals(0.5, Resources.slotRequest(fn(0), "t", ran).cpus());
    }
}
