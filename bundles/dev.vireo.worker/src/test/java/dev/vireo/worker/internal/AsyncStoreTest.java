package dev.vireo.worker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.model.Compute;
import dev.vireo.api.model.ErrorKind;
import dev.vireo.api.model.FunctionSpec;
import dev.vireo.api.model.InvocationRecord;
import dev.vireo.api.worker.AsyncResult;
import dev.vireo.api.worker.WorkerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Async invocations kept across restarts: finished ones answer again until their retention; cut-off ones as CANCELLED. */
class AsyncStoreTest {
    private final Restarts fx = new Restarts();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        fx.close();
    }

    private WorkerCore worker() throws Exception {
        return fx.worker(dir, true);
    }

    private AsyncResult done(WorkerCore w, String id) {
        fx.time.runUntil(() -> w.result(id).done(), Duration.ofMinutes(1));
        return w.result(id);
    }

    @Test
    void aFinishedResultAnswersAgainAfterARestartUntilItsRetentionEnds() throws Exception {
        WorkerCore first = worker();
        first.register(new FunctionSpec("f", "1", "img", "", "", "", Compute.CPU, "fake", 128, 0.1,
                Duration.ofSeconds(5), 1, null));
        // text in any script, a newline, a backslash; output on both streams (the fake agent prints when asked)
        String id = first.invokeAsync("job:1", "f-1", "{\"k\":\"é€😀 \\n\\\\\",\"print\":1}");
        InvocationRecord before = done(first, id).record().orElseThrow();
        assertEquals("printed\n", before.output().stdout());
        assertTrue(before.result().contains("€😀"), before.result());
        String failed = first.invokeAsync("job:2", "f-1", "{\"raise\":1}");
        InvocationRecord failedBefore = done(first, failed).record().orElseThrow();
        assertTrue(failedBefore.error().isPresent());
        String mine = first.invokeAsync(null, "f-1", "{}"); // an id the worker made: its counter starts again
        done(first, mine);
        first.close();

        fx.time.runFor(Duration.ofSeconds(20));
        WorkerCore second = worker();
        AsyncResult again = second.result("job:1");
        assertTrue(again.done());
        assertEquals(before, again.record().orElseThrow(), "the whole record, output and timings included");
        assertEquals(failedBefore, second.result("job:2").record().orElseThrow(), "an error's kind and words too");
        second.register(new FunctionSpec("g", "1", "img", "", "", "", Compute.CPU, "fake", 128, 0.1,
                Duration.ofSeconds(5), 1, null));
        for (int i = 0; i < 5; i++) { // the restarted counter meets the kept id: it skips it instead of refusing
            String next = second.invokeAsync(null, "g-1", "{}");
            assertTrue(!next.equals(mine) || i > 0, next);
        }
        assertTrue(second.result(mine).done());
        fx.time.runFor(Duration.ofSeconds(41)); // 61 s after it finished: past the 60 s retention
        assertEquals(ErrorKind.UNKNOWN_FUNCTION, assertThrows(WorkerException.class,
                () -> second.result("job:1")).kind());
        assertFalse(Files.exists(dir.resolve("state/async/job:1.properties")), "an expired result leaves the store");
        try (var files = Files.list(dir.resolve("state/async"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("~")), "no temporary file is left");
        }
    }

    @Test
    void aResultWrittenJustBeforeTheKillIsNotTakenForACutOffOne() throws Exception {
        WorkerCore first = worker();
        first.register(new FunctionSpec("f", "1", "img", "", "", "", Compute.CPU, "fake", 128, 0.1,
                Duration.ofSeconds(5), 1, null));
        done(first, first.invokeAsync("both-1", "f-1", "{}"));
        first.close();
        // as if killed between writing the record and removing its .pending
        new AsyncStore(dir.resolve("state/async")).accepted("both-1", "f-1", fx.time.now());
        WorkerCore second = worker();
        assertTrue(second.result("both-1").record().orElseThrow().success(), "the finished record wins");
    }

    @Test
    void oneAStopCutOffAnswersCancelledSayingSo() throws Exception {
        AsyncStore store = new AsyncStore(dir.resolve("state/async"));
        store.accepted("cut-1", "f-1", fx.time.now()); // what a worker killed mid-call leaves behind
        fx.time.runFor(Duration.ofMinutes(5)); // and it stayed down longer than the retention
        Files.writeString(dir.resolve("state/async/broken.properties"), "finished=yesterday\n");
        WorkerCore w = worker();
        AsyncResult r = w.result("cut-1");
        assertTrue(r.done());
        InvocationRecord rec = r.record().orElseThrow();
        assertEquals(ErrorKind.CANCELLED, rec.error().orElseThrow().kind());
        assertTrue(rec.error().orElseThrow().message().startsWith("the worker stopped before the invocation finished"),
                rec.toString());
        assertEquals("f-1", rec.functionId());
        assertThrows(WorkerException.class, () -> w.result("broken"), "a file that cannot be read is skipped");
        assertFalse(Files.exists(dir.resolve("state/async/cut-1.properties")), "read, not rewritten");
        fx.time.runFor(Duration.ofSeconds(30)); // its retention counts from this start, not from when it arrived
        assertTrue(w.result("cut-1").done());
    }
}
