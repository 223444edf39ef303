package dev.vireo.dag.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.spi.dag.DagStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link DagStore} must do, as its javadoc says: a store's test extends this class and makes a fresh,
 * empty store for each test. The concurrent tests race {@value #THREADS} real threads released at once.
 */
@Timeout(60)
public abstract class DagStoreContract {
    protected static final int THREADS = 8;

    protected DagStore store;

    /** A new store that holds no run. */
    protected abstract DagStore newStore() throws Exception;

    /** Releases what {@link #newStore()} made (default: nothing). */
    protected void closeStore(DagStore s) throws Exception {
    }

    /** Asserts that nothing of the deleted {@code run} is left where the store keeps data (default: no check). */
    protected void assertNothingLeftOf(String run) throws Exception {
    }

    @BeforeEach
    protected final void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    protected final void releaseStore() throws Exception {
        closeStore(store);
    }

    private void create(String run, Map<String, Integer> pending) {
        store.create(run, "spec of " + run, "meta of " + run, pending, pending.size());
    }

    /** The results of {@code call(i)} for i in 0..THREADS-1, all started at once on their own threads. */
    private static <T> List<T> race(IntFunction<T> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    go.await();
                    return call.apply(n);
                }));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(30, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void specAndMetaRoundTripAndMetaIsReplaced() {
        store.create("r1", "{\"tasks\":[]}", "{\"state\":\"RUNNING\"}", Map.of("a", 0, "b", 1), 2);
        assertEquals(Optional.of("{\"tasks\":[]}"), store.spec("r1"));
        assertEquals(Optional.of("{\"state\":\"RUNNING\"}"), store.meta("r1"));
        store.meta("r1", "{\"state\":\"CANCELLING\"}");
        assertEquals(Optional.of("{\"state\":\"CANCELLING\"}"), store.meta("r1"));
        assertEquals(Optional.of("{\"tasks\":[]}"), store.spec("r1"));
        assertEquals(Optional.empty(), store.finished("r1"));
    }

    @Test
    void aPlanIsKeptWithItsRunAndGoesWithIt() {
        store.create("r1", "spec", "meta", Map.of("a", 0), 1);
        assertEquals(Optional.empty(), store.plan("r1"), "none until one is written");
        store.plan("r1", "{\"planner\":\"heft\"}");
        assertEquals(Optional.of("{\"planner\":\"heft\"}"), store.plan("r1"));
        assertEquals(Optional.empty(), store.plan("r9"), "an unknown run has none");
        assertThrows(IllegalArgumentException.class, () -> store.plan("r9", "x"), "an unknown run takes none");
        store.delete("r1");
        assertEquals(Optional.empty(), store.plan("r1"));
    }

    @Test
    void emptyTextsAndARunWithoutTasksAreKept() {
        store.create("r0", "", "", Map.of(), 0);
        assertEquals(Optional.of(""), store.spec("r0"));
        assertEquals(Optional.of(""), store.meta("r0"));
        assertEquals(Map.of(), store.records("r0"));
        assertEquals(Map.of(), store.outputs("r0", List.of()));
        assertEquals(List.of("r0"), store.runs());
    }

    @Test
    void creatingARunTwiceFailsAndKeepsTheFirst() {
        create("r1", Map.of("a", 0));
        assertThrows(IllegalArgumentException.class,
                () -> store.create("r1", "other", "other", Map.of("b", 1), 1));
        assertEquals(Optional.of("spec of r1"), store.spec("r1"));
        assertEquals(Optional.of("meta of r1"), store.meta("r1"));
        assertEquals(List.of("r1"), store.runs());
    }

    @Test
    void settleIsOnceUnderConcurrencyAndStoresTheWinnersOutput() throws Exception {
        create("r1", Map.of("a", 0));
        List<Boolean> won = race(i -> store.settle("r1", "a", "output " + i));
        assertEquals(1, Collections.frequency(won, true), "exactly one settle wins: " + won);
        String winner = "output " + won.indexOf(true);
        assertEquals(Map.of("a", winner), store.outputs("r1", List.of("a")));
        assertFalse(store.settle("r1", "a", "late"), "a later settle loses");
        assertEquals(Map.of("a", winner), store.outputs("r1", List.of("a")), "and does not replace the output");
    }

    @Test
    void completeSettlesRecordsReleasesAndCountsOnceInOneStep() throws Exception {
        store.create("r1", "spec", "meta", Map.of("a", 0, "b", 1, "c", 2), 3);
        DagStore.Completion first = store.complete("r1", "a", "out-a", "record-a", List.of("b", "c"));
        assertTrue(first.first());
        assertEquals(List.of("b"), first.ready(), "b had one input missing, c two");
        assertEquals(2, first.remaining());
        assertEquals(Map.of("a", "out-a"), store.outputs("r1", List.of("a")));
        assertEquals("record-a", store.records("r1").get("a"));
        DagStore.Completion again = store.complete("r1", "a", "other", "record-again", List.of("b", "c"));
        assertFalse(again.first(), "once per task");
        assertEquals(Map.of("a", "out-a"), store.outputs("r1", List.of("a")));
        assertEquals("record-a", store.records("r1").get("a"));
        DagStore.Completion none = store.complete("r1", "b", null, "record-b", List.of("c"));
        assertEquals(List.of("c"), none.ready());
        assertEquals(1, none.remaining());
        assertEquals(Map.of(), store.outputs("r1", List.of("b")), "no output stored for null");
        List<DagStore.Completion> raced = race(i -> store.complete("r1", "c", "out-c", "record-c", List.of()));
        assertEquals(1, raced.stream().filter(DagStore.Completion::first).count(), "one winner under concurrency");
        assertEquals(0, raced.stream().filter(DagStore.Completion::first).findFirst().orElseThrow().remaining());
    }

    @Test
    void progressRecordsAreStoredUntilTheTaskSettles() {
        create("r1", Map.of("a", 0));
        assertTrue(store.progress("r1", "a", "running"));
        assertEquals(Map.of("a", "running"), store.records("r1"));
        store.settle("r1", "a", "out");
        store.record("r1", "a", "succeeded");
        assertFalse(store.progress("r1", "a", "running, late"));
        assertEquals(Map.of("a", "succeeded"), store.records("r1"));
    }

    @Test
    void settleWithoutOutputStoresNoneAndALaterOutputIsIgnored() {
        create("r1", Map.of("a", 0));
        assertFalse(store.settled("r1", "a"));
        assertTrue(store.settle("r1", "a", null));
        assertTrue(store.settled("r1", "a"), "settled says so");
        assertFalse(store.settled("r1", "b"));
        assertFalse(store.settled("nope", "a"), "an unknown run has nothing settled");
        assertFalse(store.progress("r1", "a", "running again"), "progress never replaces a settled task's record");
        assertFalse(store.settle("r1", "a", "late"));
        assertEquals(Map.of(), store.outputs("r1", List.of("a")));
    }

    @Test
    void releaseCountsDownToExactlyOneZeroAcrossConcurrentCallers() throws Exception {
        create("r1", Map.of("join", THREADS, "other", 3));
        List<Long> left = race(i -> store.release("r1", "join"));
        assertEquals(1, Collections.frequency(left, 0L), "exactly one caller sees 0: " + left);
        assertEquals(counts(THREADS), Set.copyOf(left), "each count once");
        assertEquals(2L, store.release("r1", "other"), "other tasks count on their own");
        assertThrows(IllegalArgumentException.class, () -> store.release("r1", "no-such-task"));
    }

    private static Set<Long> counts(int n) {
        return IntStream.range(0, n).mapToObj(i -> (long) i).collect(Collectors.toSet());
    }

    @Test
    void finishTaskCountsDownToExactlyOneZeroAcrossConcurrentCallers() throws Exception {
        Map<String, Integer> pending = new LinkedHashMap<>();
        for (int i = 0; i < THREADS; i++) {
            pending.put("t" + i, 0);
        }
        create("r1", pending);
        List<Long> left = race(i -> store.finishTask("r1"));
        assertEquals(1, Collections.frequency(left, 0L), "exactly one caller sees 0: " + left);
        assertEquals(counts(THREADS), Set.copyOf(left));
    }

    @Test
    void outputsLeaveOutAbsentTasksAndKeepTheOrderAsked() {
        create("r1", Map.of("a", 0, "b", 0, "c", 0));
        store.settle("r1", "c", "C");
        store.settle("r1", "a", "A");
        store.settle("r1", "b", null);
        Map<String, String> out = store.outputs("r1", List.of("b", "c", "x", "a"));
        assertEquals(List.of("c", "a"), List.copyOf(out.keySet()));
        assertEquals(List.of("C", "A"), List.copyOf(out.values()));
        assertEquals(List.of("a", "c"), List.copyOf(store.outputs("r1", List.of("a", "c")).keySet()));
        assertEquals(Map.of(), store.outputs("r1", List.of()));
    }

    @Test
    void dropOutputsForgetsThoseOutputsButNotThatTheTasksSettled() {
        create("r1", Map.of("a", 0, "b", 0));
        store.settle("r1", "a", "A");
        store.settle("r1", "b", "B");
        store.dropOutputs("r1", List.of("a", "never-settled"));
        assertEquals(Map.of("b", "B"), store.outputs("r1", List.of("a", "b")));
        assertFalse(store.settle("r1", "a", "again"), "still settled");
        store.dropOutputs("r1", List.of());
        store.dropOutputs("no-such-run", List.of("a"));
        assertEquals(Map.of("b", "B"), store.outputs("r1", List.of("a", "b")));
    }

    @Test
    void recordsKeepEachTasksLatest() {
        create("r1", Map.of("a", 0, "b", 0));
        assertEquals(Map.of(), store.records("r1"));
        store.record("r1", "a", "a: running");
        store.record("r1", "b", "b: running");
        store.record("r1", "a", "a: succeeded");
        assertEquals(Map.of("a", "a: succeeded", "b", "b: running"), store.records("r1"));
    }

    @Test
    void finishIsFirstWinsUnderConcurrencyAndFinishedIsEmptyWhileRunning() throws Exception {
        create("r1", Map.of("a", 0));
        assertEquals(Optional.empty(), store.finished("r1"));
        List<String> seen = race(i -> store.finish("r1", "STATE" + i));
        String first = seen.getFirst();
        assertTrue(first.matches("STATE[0-9]"), first);
        assertEquals(List.of(first), seen.stream().distinct().toList(), "every caller sees the one state set first");
        assertEquals(Optional.of(first), store.finished("r1"));
        assertEquals(first, store.finish("r1", "LATE"));
        assertEquals(Optional.of(first), store.finished("r1"));
    }

    @Test
    void runsAreListedNewestFirst() {
        assertEquals(List.of(), store.runs());
        for (String r : List.of("r-b", "r-c", "r-a", "r-d")) {
            create(r, Map.of("a", 0));
        }
        assertEquals(List.of("r-d", "r-a", "r-c", "r-b"), store.runs());
        store.delete("r-c");
        assertEquals(List.of("r-d", "r-a", "r-b"), store.runs());
        create("r-c", Map.of());
        assertEquals(List.of("r-c", "r-d", "r-a", "r-b"), store.runs(), "created again: newest");
    }

    @Test
    void deleteRemovesEverythingOfTheRunAndOnlyThatRun() throws Exception {
        create("r1", Map.of("a", 0, "b", 1));
        create("r2", Map.of("a", 0));
        store.settle("r1", "a", "A");
        store.settle("r2", "a", "A2");
        store.release("r1", "b");
        store.finishTask("r1");
        store.record("r1", "a", "rec");
        store.meta("r1", "changed");
        store.finish("r1", "SUCCEEDED");
        store.delete("r1");
        assertEquals(Optional.empty(), store.spec("r1"));
        assertEquals(Optional.empty(), store.meta("r1"));
        assertEquals(Optional.empty(), store.finished("r1"));
        assertEquals(List.of("r2"), store.runs());
        assertThrows(IllegalArgumentException.class, () -> store.records("r1"));
        assertThrows(IllegalArgumentException.class, () -> store.outputs("r1", List.of("a")));
        assertNothingLeftOf("r1");
        store.delete("r1");
        store.delete("never-there");
        assertEquals(Map.of("a", "A2"), store.outputs("r2", List.of("a")), "the other run is untouched");

        create("r1", Map.of("a", 0, "b", 1));
        assertEquals(Map.of(), store.outputs("r1", List.of("a")), "created again: nothing of before");
        assertEquals(Map.of(), store.records("r1"));
        assertEquals(Optional.empty(), store.finished("r1"));
        assertTrue(store.settle("r1", "a", "new"));
        assertEquals(0L, store.release("r1", "b"));
        assertEquals(1L, store.finishTask("r1"));
    }

    @Test
    void anUnknownRunIsEmptyToReadsAndAnErrorToTheRest() {
        assertEquals(Optional.empty(), store.spec("nope"));
        assertEquals(Optional.empty(), store.meta("nope"));
        assertEquals(Optional.empty(), store.finished("nope"));
        store.delete("nope");
        store.dropOutputs("nope", List.of("a"));
        assertThrows(IllegalArgumentException.class, () -> store.meta("nope", "m"));
        assertThrows(IllegalArgumentException.class, () -> store.settle("nope", "a", "out"));
        assertThrows(IllegalArgumentException.class, () -> store.settle("nope", "a", null));
        assertThrows(IllegalArgumentException.class, () -> store.release("nope", "a"));
        assertThrows(IllegalArgumentException.class, () -> store.finishTask("nope"));
        assertThrows(IllegalArgumentException.class, () -> store.outputs("nope", List.of("a")));
        assertThrows(IllegalArgumentException.class, () -> store.record("nope", "a", "r"));
        assertThrows(IllegalArgumentException.class, () -> store.records("nope"));
        assertThrows(IllegalArgumentException.class, () -> store.finish("nope", "FAILED"));
        assertEquals(List.of(), store.runs(), "nothing was created on the way");
        assertEquals(Optional.empty(), store.spec("nope"));
    }

    @Test
    void aLargeOutputRoundTrips() {
        create("r1", Map.of("big", 0));
        StringBuilder b = new StringBuilder(5 * 1024 * 1024);
        for (int i = 0; b.length() < 5 * 1024 * 1024; i++) {
            b.append("{\"row\":").append(i).append(",\"v\":\"é\u20ac\"}\n");
        }
        String big = b.toString();
        assertTrue(store.settle("r1", "big", big));
        String back = store.outputs("r1", List.of("big")).get("big");
        assertEquals(big.length(), back.length());
        assertEquals(big, back);
        store.dropOutputs("r1", List.of("big"));
        assertEquals(Map.of(), store.outputs("r1", List.of("big")));
    }

    @Test
    void nonAsciiTextRoundTripsEverywhere() {
        String run = "run-vireo-\u00fc-\u65e5\u672c";
        String task = "t\u00e2che-\u4efb\u52a1";
        String text = "\u00e9t\u00e9 \u2603 \u65e5\u672c\u8a9e \ud83d\udc26 \u0000 \"q\" \\ \r\n end";
        store.create(run, "spec " + text, "meta " + text, Map.of(task, 1), 1);
        assertEquals(Optional.of("spec " + text), store.spec(run));
        assertEquals(Optional.of("meta " + text), store.meta(run));
        assertEquals(0L, store.release(run, task));
        assertTrue(store.settle(run, task, "out " + text));
        assertEquals(Map.of(task, "out " + text), store.outputs(run, List.of(task)));
        store.record(run, task, "rec " + text);
        assertEquals(Map.of(task, "rec " + text), store.records(run));
        assertEquals("FAILED " + text, store.finish(run, "FAILED " + text));
        assertEquals(List.of(run), store.runs());
        store.delete(run);
        assertEquals(List.of(), store.runs());
    }
}
