package dev.vireo.loadgen;

import dev.vireo.workload.Row;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** A one-line progress bar (done/total, rate, errors, ETA) redrawn on a terminal; silent otherwise. */
final class Progress implements AutoCloseable {
    final AtomicLong done = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    private final long total;
    private final long expectedMs;
    private final long start = System.nanoTime();
    private final boolean tty = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    private final Thread painter;
    private volatile boolean running = true;

    /** @param total invocations expected (0 if unknown); @param expectedMs the run's planned length */
    Progress(String label, long total, long expectedMs) {
        this.total = total;
        this.expectedMs = expectedMs;
        painter = Thread.ofPlatform().daemon().name("progress").start(() -> {
            while (running) {
                paint(label);
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    void record(Row r) {
        done.incrementAndGet();
        if (!r.success()) {
            errors.incrementAndGet();
        }
    }

    private void paint(String label) {
        if (!tty) {
            return;
        }
        double s = (System.nanoTime() - start) / 1e9;
        long d = done.get();
        double fraction = total > 0 ? (double) d / total : expectedMs > 0 ? Math.min(1, s * 1000 / expectedMs) : 0;
        int width = 30;
        int filled = (int) Math.round(fraction * width);
        double eta = expectedMs > 0 ? Math.max(0, expectedMs / 1000.0 - s) : fraction > 0 ? s / fraction - s : 0;
        System.err.printf(Locale.ROOT, "\r%s [%s%s] %3.0f%% %,d%s  %.0f/s  errors %,d  ETA %s   ", label,
                "#".repeat(filled), ".".repeat(width - filled), fraction * 100, d, total > 0 ? "/" + String.format(
                        Locale.ROOT, "%,d", total) : "", d / Math.max(s, 1e-3), errors.get(), clock(eta));
    }

    private static String clock(double seconds) {
        long t = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    }

    @Override
    public void close() {
        running = false;
        painter.interrupt();
        if (tty) {
            System.err.print("\r" + " ".repeat(110) + "\r");
        }
    }
}
