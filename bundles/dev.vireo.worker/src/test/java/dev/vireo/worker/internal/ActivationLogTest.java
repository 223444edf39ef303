package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vireo.api.model.ContainerState;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.InvocationError;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.model.Output;
import dev.vireo.api.model.Timings;
import dev.vireo.api.model.ValidationException;
import dev.vireo.api.worker.ActivationQuery;
import dev.vireo.api.worker.WorkerException;
import dev.vireo.testkit.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The activation log on the virtual clock: order, filters, and the three limits (count, bytes, age). */
class ActivationLogTest {
    private final VirtualTime time = new VirtualTime();
    private final ActivationLog log = new ActivationLog(time);

    private InvocationRecord record(String tid, String fn, boolean failed, String stdout) {
        return new InvocationRecord(tid, fn, "w", "sim", Optional.of(ContainerState.WARM), time.now(),
                new Timings(1, 1, 0, 1, 1, 4), failed ? "" : "{}",
                failed ? Optional.of(new InvocationError(ErrorKind.USER_ERROR, "boom", "")) : Optional.empty(),
                Optional.empty(), new Output(stdout, "", false));
    }

    private static List<String> tids(List<InvocationRecord> rs) {
        return rs.stream().map(InvocationRecord::tid).toList();
    }

    @Test
    void newestFirstFilteredByFunctionOutcomeAndTime() {
        log.add(record("t1", "a-1", false, "x"));
        time.runFor(Duration.ofSeconds(1));
        Instant second = time.now();
        log.add(record("t2", "b-1", true, ""));
        time.runFor(Duration.ofSeconds(1));
        log.add(record("t3", "a-1", true, ""));
        assertEquals(List.of("t3", "t2", "t1"), tids(log.list(ActivationQuery.newest())));
        assertEquals(List.of("t3", "t1"), tids(log.list(ActivationQuery.of("a-1", null, null, null, null))));
        assertEquals(List.of("t3", "t2"), tids(log.list(ActivationQuery.of("", null, null, "error", null))));
        assertEquals(List.of("t1"), tids(log.list(ActivationQuery.of("", null, null, "success", null))));
        assertEquals(List.of("t3", "t2"), tids(log.list(ActivationQuery.of("", second.toString(), null, "any", null))));
        assertEquals(List.of("t1"), tids(log.list(ActivationQuery.of("", null, second.toString(), null, null))));
        assertEquals(List.of("t3"), tids(log.list(ActivationQuery.of("", null, null, null, "1"))));
        assertEquals("x", log.get("t1").output().stdout());
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class, () -> log.get("t9")).kind());
    }

    @Test
    void badQueriesNameTheirField() {
        assertEquals("limit: 0 must be 1-1000", assertThrows(ValidationException.class,
                () -> ActivationQuery.of("", null, null, null, "0")).getMessage());
        assertEquals("limit: 'ten' is not an integer (1-1000)", assertThrows(ValidationException.class,
                () -> ActivationQuery.of("", null, null, null, "ten")).getMessage());
        assertEquals("status: 'failed' is not one of any, success, error", assertThrows(ValidationException.class,
                () -> ActivationQuery.of("", null, null, "failed", null)).getMessage());
        assertEquals("until: 'now' is not an ISO-8601 instant (e.g. 2026-12-01T03:00:00Z)",
                assertThrows(ValidationException.class, () -> ActivationQuery.of("", null, "now", null, null))
                        .getMessage());
        assertEquals("since", assertThrows(ValidationException.class, () -> ActivationQuery.of("",
                "2026-12-01T03:00:00Z", "2026-12-01T02:00:00Z", null, null)).field());
    }

    @Test
    void theOldestGoPastTheCountTheBytesOrTheRetention() {
        log.limits(new ActivationLog.Limits(3, 1 << 20, Duration.ofMinutes(1)));
        for (int i = 1; i <= 5; i++) {
            log.add(record("c" + i, "a-1", false, ""));
        }
        assertEquals(List.of("c5", "c4", "c3"), tids(log.list(ActivationQuery.newest())));
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class, () -> log.get("c1")).kind());

        // bytes: two records of ~100 KB each (UTF-16) fit in 450 KB, a third pushes the oldest out
        log.limits(new ActivationLog.Limits(100, 450_000, Duration.ofMinutes(1)));
        String big = "y".repeat(100_000);
        log.add(record("b1", "a-1", false, big));
        log.add(record("b2", "a-1", false, big));
        log.add(record("b3", "a-1", false, big));
        assertEquals(List.of("b3", "b2"), tids(log.list(ActivationQuery.newest())));

        time.runFor(Duration.ofSeconds(61));
        assertEquals(List.of(), log.list(ActivationQuery.newest()), "past the retention");

        log.limits(new ActivationLog.Limits(0, 1 << 20, Duration.ofMinutes(1)));
        log.add(record("z", "a-1", false, ""));
        assertEquals(List.of(), log.list(ActivationQuery.newest()), "max 0 keeps none");
    }

    @Test
    void aRepeatedTransactionIdAnswersWithItsNewestRecordAndTheOldOneLeavesCleanly() {
        log.limits(new ActivationLog.Limits(2, 1 << 20, Duration.ofMinutes(1)));
        log.add(record("same", "a-1", false, "first"));
        log.add(record("same", "a-1", false, "second"));
        assertEquals("second", log.get("same").output().stdout());
        log.add(record("other", "a-1", false, ""));  // the first "same" goes: the newest must stay reachable
        assertEquals("second", log.get("same").output().stdout());
    }
}
