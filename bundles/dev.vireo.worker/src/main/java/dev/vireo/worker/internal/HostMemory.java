package dev.vireo.worker.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's memory, for eviction under pressure. */
interface HostMemory {
    /** Total and available memory in MB; {@code null} if unknown. */
    Reading read();

    record Reading(long totalMb, long availableMb) {
    }

    /** Linux: MemTotal and MemAvailable of /proc/meminfo. */
    HostMemory PROC = () -> {
        long total = -1;
        long available = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = kb(line);
                } else if (line.startsWith("MemAvailable:")) {
                    available = kb(line);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return total > 0 && available >= 0 ? new Reading(total / 1024, available / 1024) : null;
    };

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
