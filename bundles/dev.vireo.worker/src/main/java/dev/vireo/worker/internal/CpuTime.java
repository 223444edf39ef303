package dev.vireo.worker.internal;

import dev.vireo.api.model.ContainerPlacement;
import dev.vireo.api.model.Timings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A container's CPU time from its cgroup's accounting, read around each call to its agent: cgroup v2 {@code cpu.stat}
 * ({@code usage_usec}), else v1 {@code cpuacct.usage} (nanoseconds). The file stays open for the container's life
 * and is read again from its start at each mark (a positional read: ~1-2 us, against ~10 us to open, read and close
 * it). A container without a cgroup (the simulated backend, processes outside cgroups), or whose file cannot be read
 * (it is gone), is not measured: -1. A measurement never fails an invocation.
 *
 * <p>Threading: a container's counter is opened once (the first call that needs it) and read by any number of calls
 * at once (positional reads of one channel are safe together); {@link #close} may race with a read, which then reads
 * -1.
 */
final class CpuTime implements AutoCloseable {
    private static final CpuTime NONE = new CpuTime(null, false);
    /** A container the backend is done with: its counter is not opened again. */
    private static final CpuTime CLOSED = new CpuTime(null, false);
    private static final int MAX_BYTES = 4_096;

    private final FileChannel file;
    /** {@code cpu.stat} (microseconds on its {@code usage_usec} line) or {@code cpuacct.usage} (nanoseconds). */
    private final boolean v2;

    private CpuTime(FileChannel file, boolean v2) {
        this.file = file;
        this.v2 = v2;
    }

    /** The counter of {@code placement}'s cgroup; one that measures nothing where it has none. */
    static CpuTime open(ContainerPlacement placement) {
        if (!placement.placed()) {
            return NONE;
        }
        Optional<Path> unified = placement.unified();
        if (unified.isPresent() && Files.exists(unified.get().resolve("cpu.stat"))) {
            return open(unified.get().resolve("cpu.stat"), true);
        }
        for (String controller : new String[] {"cpuacct", "cpu,cpuacct"}) {
            Optional<Path> dir = placement.controller(controller);
            if (dir.isPresent() && Files.exists(dir.get().resolve("cpuacct.usage"))) {
                return open(dir.get().resolve("cpuacct.usage"), false);
            }
        }
        return NONE;
    }

    private static CpuTime open(Path file, boolean v2) {
        try {
            return new CpuTime(FileChannel.open(file, StandardOpenOption.READ), v2);
        } catch (IOException e) {
            return NONE;
        }
    }

    /** The container's CPU time so far in microseconds, to pass to {@link #since} after the call; -1 unknown. */
    long mark() {
        if (file == null) {
            return Timings.NOT_MEASURED;
        }
        try {
            ByteBuffer b = ByteBuffer.allocate(MAX_BYTES);
            int n = file.read(b, 0);
            if (n <= 0) {
                return Timings.NOT_MEASURED;
            }
            String text = new String(b.array(), 0, n, java.nio.charset.StandardCharsets.US_ASCII);
            return v2 ? usageUsec(text) : Long.parseLong(text.trim()) / 1_000;
        } catch (IOException | NumberFormatException e) {
            return Timings.NOT_MEASURED;
        }
    }

    /** The CPU time used since {@code mark}, in microseconds; -1 when either reading is unknown. */
    long since(long mark) {
        if (mark < 0) {
            return Timings.NOT_MEASURED;
        }
        long now = mark();
        return now < 0 ? Timings.NOT_MEASURED : Math.max(0, now - mark);
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                // the container is gone: nothing to keep
            }
        }
    }

    /** {@code usage_usec} of a cgroup v2 {@code cpu.stat}; -1 if the text has none. */
    static long usageUsec(String cpuStat) {
        int at = cpuStat.indexOf("usage_usec ");
        if (at < 0 || (at > 0 && cpuStat.charAt(at - 1) != '\n')) {
            return Timings.NOT_MEASURED;
        }
        int from = at + "usage_usec ".length();
        int to = from;
        while (to < cpuStat.length() && Character.isDigit(cpuStat.charAt(to))) {
            to++;
        }
        return to == from ? Timings.NOT_MEASURED : Long.parseLong(cpuStat.substring(from, to));
    }

    /** A container's counter, opened by the first call that needs it and closed once the backend is done with it. */
    static final class Holder {
        private final AtomicReference<CpuTime> counter = new AtomicReference<>();

        CpuTime get(ContainerPlacement placement) {
            CpuTime c = counter.get();
            if (c != null && c.file != null && !c.file.isOpen() && counter.compareAndSet(c, null)) {
                // an interrupted reader closed the shared channel (FileChannel is interruptible): open it again
                c = null;
            }
            if (c == null) {
                CpuTime opened = open(placement);
                if (!counter.compareAndSet(null, opened)) {
                    opened.close(); // another call opened it first, or it was closed meanwhile
                }
                c = counter.get();
            }
            return c;
        }

        void close() {
            CpuTime c = counter.getAndSet(CLOSED);
            if (c != null) {
                c.close();
            }
        }
    }
}
