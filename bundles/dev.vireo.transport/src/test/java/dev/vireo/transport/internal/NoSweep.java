package dev.vireo.transport.internal;

import dev.vireo.api.time.Cancellable;
import dev.vireo.api.time.TaskScheduler;
import dev.vireo.testkit.TestTime;
import java.time.Duration;

/**
 * A test's scheduler, except that it drops what is submitted while a transport is constructed: as root the constructor
 * takes over (or sweeps) the network namespaces and bridges a crashed run left ({@code ip netns del}, {@code ip link del}), which a
 * unit test must not do to the machine it runs on. open() and its channels use neither. Arm it after construction.
 */
final class NoSweep implements TaskScheduler {
    private final TestTime time;
    volatile boolean armed;

    NoSweep(TestTime time) {
        this.time = time;
    }

    @Override
    public void execute(Runnable task) {
        if (armed) {
            time.execute(task);
        }
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        if (!armed) { // the constructor's timer that removes a crashed run's namespaces: dropped too
            return new Cancellable() {
                public boolean cancel() {
                    return true;
                }

                public boolean isDone() {
                    return true;
                }
            };
        }
        return time.schedule(task, delay);
    }

    @Override
    public Cancellable scheduleAtFixedRate(Runnable task, Duration period) {
        return time.scheduleAtFixedRate(task, period);
    }
}
