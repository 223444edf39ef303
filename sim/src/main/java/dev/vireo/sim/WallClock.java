package dev.vireo.sim;

import dev.vireo.api.time.RealTimeSource;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The wall clock, for what is about the simulation itself: how long it took, and a default run name. */
@RealTimeSource("measures the simulation's own speed (simulated time / wall time) and names runs by wall time")
final class WallClock {
    private WallClock() {
    }

    static long nanos() {
        return System.nanoTime();
    }

    static String stamp() {
        return DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC).format(Instant.now());
    }
}
