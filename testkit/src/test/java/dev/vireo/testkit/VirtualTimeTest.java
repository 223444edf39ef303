package dev.vireo.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vireo.api.time.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class VirtualTimeTest {

    @Test
    void theClockDoesNotMoveWhileWorkIsRunnable() {
        VirtualTime t = new VirtualTime();
        List<Long> seen = new ArrayList<>();
        List<Integer> runnableAtAdvance = new ArrayList<>();
        t.onAdvance((from, to, runnable) -> runnableAtAdvance.add(runnable));
        t.schedule(() -> seen.add(-t.elapsed().toMillis()), Duration.ofMillis(5));
        // a chain of 1,000 tasks, each handing the next to the scheduler: all run before the timer, at time 0
        Runnable[] chain = new Runnable[1];
        int[] left = {1_000};
        chain[0] = () -> {
            seen.add(t.elapsed().toMillis());
            if (--left[0] > 0) {
                t.execute(chain[0]);
            }
        };
        t.execute(chain[0]);
        t.runUntil(() -> seen.size() == 1_001);
        assertEquals(1_000, seen.stream().filter(x -> x == 0).count(), "every chained task ran at virtual time 0");
        assertEquals(-5L, seen.get(1_000), "the timer ran last, at 5 ms");
        assertEquals(List.of(0), runnableAtAdvance, "one jump, with nothing runnable");
        assertEquals(Duration.ofMillis(5), t.elapsed());
    }

    @Test
    void timersFireInDueOrderAndTiesInSchedulingOrder() {
        VirtualTime t = new VirtualTime();
        List<String> order = new ArrayList<>();
        t.schedule(() -> order.add("b@20"), Duration.ofMillis(20));
        t.schedule(() -> order.add("a@10"), Duration.ofMillis(10));
        t.schedule(() -> order.add("c@20"), Duration.ofMillis(20));
        t.schedule(() -> order.add("now"), Duration.ZERO);
        Cancellable x = t.schedule(() -> order.add("cancelled"), Duration.ofMillis(15));
        assertTrue(x.cancel());
        assertFalse(x.cancel(), "a second cancel prevents nothing");
        t.runFor(Duration.ofSeconds(1));
        assertEquals(List.of("now", "a@10", "b@20", "c@20"), order);
        assertEquals(Duration.ofSeconds(1), t.elapsed(), "runFor ends at the time asked for");
    }

    @Test
    void fixedRateRunsAtEveryPeriodUntilCancelled() {
        VirtualTime t = new VirtualTime();
        List<Long> at = new ArrayList<>();
        AtomicReference<Cancellable> handle = new AtomicReference<>();
        handle.set(t.scheduleAtFixedRate(() -> {
            at.add(t.elapsed().toMillis());
            if (at.size() == 4) {
                handle.get().cancel();
            }
        }, Duration.ofMillis(250)));
        t.schedule(() -> {
            throw new IllegalStateException("a failing task does not stop the others");
        }, Duration.ofMillis(300));
        t.runFor(Duration.ofSeconds(10));
        assertEquals(List.of(250L, 500L, 750L, 1_000L), at);
        assertEquals(1, t.counts().failures());
        assertFalse(t.step(), "nothing left");
    }

    @Test
    void workFromAnotherThreadIsRefused() throws Exception {
        VirtualTime t = new VirtualTime();
        t.execute(() -> { });
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                t.execute(() -> { });
            } catch (Throwable e) {
                error.set(e);
            }
        });
        other.start();
        other.join();
        assertTrue(error.get() instanceof IllegalStateException, String.valueOf(error.get()));
        assertTrue(error.get().getMessage().contains("single-threaded"), error.get().getMessage());
    }

    @Test
    void aStallIsAnErrorNotAHang() {
        VirtualTime t = new VirtualTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.runUntil(() -> false));
        assertTrue(e.getMessage().contains("stalled"), e.getMessage());
    }

    @Test
    void runUntilWithALimitGivesUpAtItsVirtualTime() {
        VirtualTime t = new VirtualTime();
        t.scheduleAtFixedRate(() -> { }, Duration.ofMillis(10)); // the loop never runs dry
        boolean[] done = {false};
        t.schedule(() -> done[0] = true, Duration.ofMillis(95));
        t.runUntil(() -> done[0], Duration.ofMillis(100));
        assertEquals(Duration.ofMillis(95), t.elapsed(), "stops as soon as it holds");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> t.runUntil(() -> false, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("not done within PT1S"), e.getMessage());
        assertEquals(Duration.ofMillis(1_090), t.elapsed(), "ran everything due within the limit, nothing after");
        VirtualTime idle = new VirtualTime();
        e = assertThrows(IllegalStateException.class, () -> idle.runUntil(() -> false, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("stalled"), e.getMessage());
    }

    @Test
    void manyCancelledTimersArePurged() {
        VirtualTime t = new VirtualTime();
        for (int i = 0; i < 20_000; i++) {
            t.schedule(() -> { }, Duration.ofMinutes(10)).cancel();
        }
        int[] ran = {0};
        t.schedule(() -> ran[0]++, Duration.ofMillis(1));
        t.step();
        assertEquals(1, ran[0]);
        assertTrue(t.counts().pendingTimers() < 20_000, "cancelled timers dropped: " + t.counts().pendingTimers());
        assertEquals(Duration.ofMillis(1), t.elapsed());
    }
}
