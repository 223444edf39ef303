package dev.vireo.worker.internal;

import dev.vireo.api.model.Timings;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The energy the host's CPU packages draw, from RAPL in the powercap class ({@code /sys/class/powercap}): every
 * top-level zone of the MSR interface ({@code intel-rapl:N}, also AMD's under that name; not {@code intel-rapl-mmio},
 * which counts the same packages) whose {@code name} is {@code package-N}, its {@code energy_uj} counter read around
 * each call, a wrap past {@code max_energy_range_uj} counted. Found once, when the worker starts or its
 * {@code energy.rapl.dir} changes, and only if every counter can be read then (recent kernels let only root read
 * them); the counters stay open and are read again positionally, as {@link CpuTime}'s file is. A host without RAPL
 * (virtual machines, most ARM hosts) measures nothing: -1; a measurement never fails an invocation.
 *
 * <p>Limits (docs/api.md): the counters move about once a millisecond, so a call shorter than that reads 0 or one
 * step; one wrap per call is counted, so a call longer than a counter's range at full power (minutes on some AMD
 * parts) may be undercounted.
 *
 * <p>Threading: the zones are fixed at construction; positional reads of one channel are safe together.
 */
final class Rapl implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Rapl.class.getName());
    /** A top-level zone of the MSR interface; {@code intel-rapl-mmio:N} counts the same package again. */
    private static final Pattern ZONE = Pattern.compile("intel-rapl:\\d+");

    /** A package zone: its open counter and where the counter wraps. */
    record Zone(Path path, FileChannel energy, long range) {
    }

    /** No RAPL: every reading unknown. */
    static final Rapl NONE = new Rapl(List.of());

    private final List<Zone> zones;
    private final AtomicBoolean warned = new AtomicBoolean();

    private Rapl(List<Zone> zones) {
        this.zones = List.copyOf(zones);
    }

    /** The package zones under {@code root} (a powercap folder); {@link #NONE} for none, an empty root, or unreadable. */
    static Rapl of(String root) {
        if (root == null || root.isBlank() || !Files.isDirectory(Path.of(root))) {
            return NONE;
        }
        Path dir = Path.of(root);
        List<Zone> zones = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path z : entries.sorted().toList()) {
                if (!ZONE.matcher(z.getFileName().toString()).matches()) {
                    continue;
                }
                FileChannel ch = null;
                try {
                    if (!Files.readString(z.resolve("name")).trim().startsWith("package-")) {
                        continue;
                    }
                    long range = Long.parseLong(Files.readString(z.resolve("max_energy_range_uj")).trim());
                    ch = FileChannel.open(z.resolve("energy_uj"), StandardOpenOption.READ);
                    read(ch); // readable now, or no zone
                    zones.add(new Zone(z.resolve("energy_uj"), ch, range));
                } catch (IOException | NumberFormatException e) {
                    close(ch);
                    zones.forEach(x -> close(x.energy()));
                    LOG.log(Level.INFO, "no energy per invocation: RAPL zone " + z + " cannot be read (" + e
                            + "); recent kernels let only root read the counters");
                    return NONE;
                }
            }
        } catch (IOException e) {
            zones.forEach(x -> close(x.energy()));
            LOG.log(Level.INFO, "no RAPL zones in " + dir + ": " + e);
            return NONE;
        }
        if (!zones.isEmpty()) {
            LOG.log(Level.INFO, "energy per invocation from RAPL: " + zones.size() + " package zone(s) in " + dir);
        }
        return zones.isEmpty() ? NONE : new Rapl(zones);
    }

    private static long read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        int n = ch.read(b, 0);
        if (n <= 0) {
            throw new IOException("empty counter");
        }
        return Long.parseLong(new String(b.array(), 0, n, StandardCharsets.US_ASCII).trim());
    }

    private static void close(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing to keep
            }
        }
    }

    /** Whether there is a package zone to read. */
    boolean present() {
        return !zones.isEmpty();
    }

    /** Every package counter now, to pass to {@link #since}; null when unknown (no zone, a counter unreadable). */
    long[] mark() {
        if (zones.isEmpty()) {
            return null;
        }
        long[] counters = new long[zones.size()];
        for (int i = 0; i < counters.length; i++) {
            try {
                counters[i] = read(zones.get(i).energy());
            } catch (IOException | NumberFormatException e) {
                if (warned.compareAndSet(false, true)) {
                    LOG.log(Level.WARNING, "cannot read " + zones.get(i).path() + " (" + e + "): invocations carry"
                            + " no energy (energy_uj -1) while it lasts");
                }
                return null;
            }
        }
        return counters;
    }

    /** The packages' energy since {@code mark} in microjoules, each counter's wrap counted; -1 when unknown. */
    long since(long[] mark) {
        if (mark == null) {
            return Timings.NOT_MEASURED;
        }
        long[] now = mark();
        if (now == null) {
            return Timings.NOT_MEASURED;
        }
        long total = 0;
        for (int i = 0; i < now.length; i++) {
            long d = now[i] - mark[i];
            total += d >= 0 ? d : d + zones.get(i).range() + 1; // the counter runs 0..range
        }
        return Math.max(0, total);
    }

    /** Closes the counters (the worker replaced this RAPL, or stopped). */
    @Override
    public void close() {
        zones.forEach(z -> close(z.energy()));
    }
}
