package dev.vireo.worker.internal;

import dev.vireo.api.model.Timings;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The energy the host's CPU packages draw, from RAPL in the powercap class ({@code /sys/class/powercap}): every
 * top-level zone of the MSR interface ({@code intel-rapl:N}, also AMD's under that name; not {@code intel-rapl-mmio},
 * which counts the same packages) whose {@code name} is {@code package-N}, its
 * {@code energy_uj} counter read around each call, a wrap past {@code max_energy_range_uj} counted. Found once, when
 * the worker starts or its {@code energy.rapl.dir} changes. A host without RAPL (virtual machines, most ARM hosts), or
 * whose counters only root may read, measures nothing: -1; a measurement never fails an invocation.
 *
 * <p>Threading: immutable after construction, safe from any thread.
 */
final class Rapl {
    private static final System.Logger LOG = System.getLogger(Rapl.class.getName());
    /** A top-level zone of the MSR interface (AMD's too); {@code intel-rapl-mmio:N} counts the same package again. */
    private static final Pattern ZONE = Pattern.compile("intel-rapl:\\d+");

    /** A package zone: its counter and where the counter wraps. */
    record Zone(Path energy, long range) {
    }

    /** No RAPL: every reading unknown. */
    static final Rapl NONE = new Rapl(List.of());

    private final List<Zone> zones;
    private final AtomicBoolean warned = new AtomicBoolean();

    Rapl(List<Zone> zones) {
        this.zones = List.copyOf(zones);
    }

    /** The package zones under {@code root} (a powercap folder); {@link #NONE} for none, or an empty root. */
    static Rapl of(String root) {
        if (root == null || root.isBlank()) {
            return NONE;
        }
        Path dir = Path.of(root);
        if (!Files.isDirectory(dir)) {
            return NONE;
        }
        List<Zone> zones = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path z : entries.sorted().toList()) {
                if (!ZONE.matcher(z.getFileName().toString()).matches()) {
                    continue;
                }
                try {
                    if (Files.readString(z.resolve("name")).trim().startsWith("package-")
                            && Files.exists(z.resolve("energy_uj"))) {
                        zones.add(new Zone(z.resolve("energy_uj"),
                                Long.parseLong(Files.readString(z.resolve("max_energy_range_uj")).trim())));
                    }
                } catch (IOException | NumberFormatException e) {
                    LOG.log(Level.INFO, "RAPL zone " + z + " left out: " + e);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.INFO, "no RAPL zones in " + dir + ": " + e);
            return NONE;
        }
        if (!zones.isEmpty()) {
            LOG.log(Level.INFO, "energy per invocation from RAPL: " + zones.size() + " package zone(s) in " + dir);
        }
        return new Rapl(zones);
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
                counters[i] = Long.parseLong(Files.readString(zones.get(i).energy()).trim());
            } catch (IOException | NumberFormatException e) {
                if (warned.compareAndSet(false, true)) {
                    LOG.log(Level.WARNING, "cannot read " + zones.get(i).energy() + " (" + e + "): invocations carry no"
                            + " energy (energy_uj -1); on recent kernels only root may read RAPL counters");
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
            total += d >= 0 ? d : d + zones.get(i).range();
        }
        return Math.max(0, total);
    }
}
