package dev.vireo.sim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The log of a simulation: every component's log lines (System.Logger, which is java.util.logging outside the
 * framework) go to {@code simulation.log} in the results folder, stamped with virtual time instead of the wall
 * clock, so the log of a run is as reproducible as its records.
 */
final class SimLog implements AutoCloseable {
    private final Handler handler;
    private final Logger root = Logger.getLogger("");
    private final Handler[] before;
    private final Level level;

    SimLog(Path file, LongSupplier virtualMicros) throws IOException {
        before = root.getHandlers();
        level = root.getLevel();
        for (Handler h : before) {
            root.removeHandler(h);
        }
        handler = new FileHandler(file.toString(), false);
        handler.setEncoding("UTF-8");
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                long us = virtualMicros.getAsLong();
                String where = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName()
                        .lastIndexOf('.') + 1);
                return String.format(Locale.ROOT, "%d.%06d %-7s %s %s%n", us / 1_000_000, us % 1_000_000,
                        r.getLevel().getName(), where, formatMessage(r));
            }
        });
        root.addHandler(handler);
        root.setLevel(Level.INFO);
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        handler.close();
        for (Handler h : before) {
            root.addHandler(h);
        }
        root.setLevel(level);
    }
}
