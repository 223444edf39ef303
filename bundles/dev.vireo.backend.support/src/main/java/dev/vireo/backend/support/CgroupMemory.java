package dev.vireo.backend.support;

import dev.vireo.api.spi.backend.ContainerUsage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A container's memory from its cgroup directory: v1 (memory.usage_in_bytes) or v2 (memory.current). */
public final class CgroupMemory {
    private CgroupMemory() {
    }

    /**
     * Usage from the first of {@code v1Dir} ({@code /sys/fs/cgroup/memory/<path>}) and {@code v2Dir}
     * ({@code /sys/fs/cgroup/<path>}) that exists; UNKNOWN if neither.
     */
    public static ContainerUsage usage(Path v1Dir, Path v2Dir) {
        try {
            if (Files.exists(v1Dir.resolve("memory.usage_in_bytes"))) {
                return new ContainerUsage(read(v1Dir.resolve("memory.usage_in_bytes")),
                        read(v1Dir.resolve("memory.max_usage_in_bytes")), 0);
            }
            if (Files.exists(v2Dir.resolve("memory.current"))) {
                long current = read(v2Dir.resolve("memory.current"));
                Path peak = v2Dir.resolve("memory.peak");
                return new ContainerUsage(current, Files.exists(peak) ? read(peak) : current, 0);
            }
        } catch (IOException | NumberFormatException e) {
            return ContainerUsage.UNKNOWN;
        }
        return ContainerUsage.UNKNOWN;
    }

    /** Whether the kernel OOM-killed in the cgroup: {@code oom_kill N > 0} in memory.oom_control (v1) or memory.events (v2). */
    public static boolean oomKilled(Path v1Dir, Path v2Dir) {
        for (Path file : new Path[] {v1Dir.resolve("memory.oom_control"), v2Dir.resolve("memory.events")}) {
            try {
                for (String line : Files.readAllLines(file)) {
                    String[] kv = line.trim().split("\\s+");
                    if (kv.length == 2 && kv[0].equals("oom_kill") && Long.parseLong(kv[1]) > 0) {
                        return true;
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not this cgroup version, or gone
            }
        }
        return false;
    }

    private static long read(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).trim());
    }
}
