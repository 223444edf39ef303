package dev.vireo.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Timings;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RowTest {
    @Test
    void aRowTakesTheRecordsCpuWaitAndAFailureHasNone() {
        InvocationRecord r = new InvocationRecord("t-1", "a-1", "w", "sim", Optional.of(ContainerState.WARM),
                Instant.EPOCH, new Timings(1, 2, 0, 4, 50, 60, 37), "1", Optional.empty());
        Row row = Row.of("t-1", "a-1", "", 1, 0, 0, 70, r);
        assertEquals(37, row.cpuWaitUs());
        assertEquals(60, row.workerE2eUs());
        assertEquals(Timings.NOT_MEASURED, Row.of("t-2", "a-1", "", 1, 0, 0, 70, new InvocationRecord("t-2", "a-1",
                "w", "sim", Optional.empty(), Instant.EPOCH, new Timings(1, 2, 0, 4, 50, 60), "1", Optional.empty()))
                .cpuWaitUs());
        assertEquals(Timings.NOT_MEASURED, Row.failure("t-3", "a-1", "", 1, 0, 0, 70, new IOException("refused"))
                .cpuWaitUs());
    }
}
